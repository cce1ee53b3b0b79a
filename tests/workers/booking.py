"""Checks on the meetings booked by real workers (test_booking, test_faults)."""

from __future__ import annotations

from flask import Flask

from matchmaker.extensions import db
from matchmaker.models import Meeting


def live_meetings(app: Flask) -> list[Meeting]:
    """Every meeting not cancelled, of every event."""
    with app.app_context():
        query = db.select(Meeting).where(Meeting.status != "cancelled")
        return list(db.session.execute(query).scalars())


def assert_no_double_booking(meetings: list[Meeting], num_tables: int) -> None:
    """No pair twice, nobody in two places at once, no table used twice, tables in range."""
    for key in (
        lambda m: (m.government_id, m.partner_id),
        lambda m: (m.government_id, m.slot_index),
        lambda m: (m.partner_id, m.slot_index),
        lambda m: (m.slot_index, m.table_number),
    ):
        keys = [key(m) for m in meetings]
        assert len(keys) == len(set(keys))
    assert all(0 <= m.table_number < num_tables for m in meetings)
