"""Pairs approved after the schedule is published are booked by a real worker into a free slot,
moving nobody; when no common slot is free, the organisers see why."""

from __future__ import annotations

import pytest
from flask import Flask

from matchmaker.extensions import db
from matchmaker.models import AuditEntry, MatchSuggestion, Meeting, User
from matchmaker.services import decisions
from tests.factories import approve, create_event, create_participant
from tests.web.helpers import login
from tests.workers.conftest import wait_until

pytestmark = pytest.mark.slow
ORGANISER, PASSWORD = "org@example.org", "organiser-pass-1"


def published_world(app: Flask) -> dict[str, int]:
    """One published meeting (official A × partner A at slot 0) and two undecided pairs: one
    that fits (A × B) and one that cannot (A × C: C is away in every slot but 0, which A
    already spends with partner A)."""
    with app.app_context():
        event = create_event(days=1, num_tables=2)
        official = create_participant(event, "government")
        partner_a = create_participant(event, "partner")
        partner_b = create_participant(event, "partner")
        slots = event.calendar().num_slots
        partner_c = create_participant(event, "partner", unavailable=list(range(1, slots)))
        fits, full = (
            MatchSuggestion(event_id=event.id, government_id=official.id, partner_id=p.id,
                            score=60.0, reasons=[])
            for p in (partner_b, partner_c)
        )  # fmt: skip
        db.session.add_all([fits, full])
        first = approve(event, official, partner_a)
        db.session.add(Meeting(event_id=event.id, government_id=official.id,
                               partner_id=partner_a.id, suggestion_id=first.id, slot_index=0,
                               table_number=0, status="published"))  # fmt: skip
        organiser = User(email=ORGANISER, role="organiser")
        organiser.set_password(PASSWORD)
        db.session.add(organiser)
        db.session.commit()
        return {"event": event.id, "official": official.id, "fits": fits.id, "full": full.id,
                "partner_b": partner_b.id}  # fmt: skip


def meetings(app: Flask) -> list[Meeting]:
    with app.app_context():
        query = db.select(Meeting).where(Meeting.status != "cancelled").order_by(Meeting.id)
        return list(db.session.execute(query).scalars())


def audit_actions(app: Flask) -> list[str]:
    with app.app_context():
        return list(db.session.execute(db.select(AuditEntry.action)).scalars())


def test_a_late_approval_is_booked_and_one_that_cannot_fit_is_shown(
    worker_app: Flask, start_worker
) -> None:  # type: ignore[no-untyped-def]
    world = published_world(worker_app)
    start_worker("w1")
    with worker_app.app_context():
        organiser = db.session.execute(db.select(User)).scalar_one()
        chosen = [world["fits"], world["full"]]
        decisions.decide_many(decisions_event(world), chosen, "approved", organiser)
        db.session.commit()  # the bookings are sent to the worker now
    wait_until(lambda: "pair.not-booked" in audit_actions(worker_app), 90, "both bookings")
    wait_until(lambda: len(meetings(worker_app)) == 2, 30, "the late meeting")
    first, late = meetings(worker_app)
    assert (first.slot_index, first.table_number) == (0, 0)  # nobody moved
    assert late.partner_id == world["partner_b"] and late.status == "published"
    assert late.slot_index != 0
    assert "meeting.booked-late" in audit_actions(worker_app)
    client = worker_app.test_client()
    assert login(client, ORGANISER, PASSWORD).status_code == 302
    page = client.get("/organiser/schedule").get_data(as_text=True)
    assert "1 par aprobado sin reunión" in page and "no hay un turno en que ambos" in page


def decisions_event(world: dict[str, int]):  # type: ignore[no-untyped-def]
    from matchmaker.models import Event

    return db.session.get(Event, world["event"])
