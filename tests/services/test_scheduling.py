"""Scheduling a stored event: drafts, publishing, late bookings, cancellations, DB guards."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from matchmaker.extensions import db
from matchmaker.models import BlockedPair, Meeting
from matchmaker.services import scheduling
from tests.factories import approve, create_event, create_participant


@pytest.fixture
def small_event(app_ctx):  # type: ignore[no-untyped-def]
    """3 officials x 4 partners, every pair approved, 1 day of 12 slots, 2 tables."""
    event = create_event(days=1, num_tables=2)
    governments = [create_participant(event, "government") for _ in range(3)]
    partners = [create_participant(event, "partner") for _ in range(4)]
    for i, g in enumerate(governments):
        for j, p in enumerate(partners):
            approve(event, g, p, score=10 + i * 4 + j)
    db.session.commit()
    return event, governments, partners


def live(event) -> list[Meeting]:  # type: ignore[no-untyped-def]
    return scheduling.list_meetings(event)


def assert_valid(meetings: list[Meeting], num_tables: int) -> None:
    seats = [(m.slot_index, m.table_number) for m in meetings]
    gov = [(m.government_id, m.slot_index) for m in meetings]
    par = [(m.partner_id, m.slot_index) for m in meetings]
    pairs = [(m.government_id, m.partner_id) for m in meetings]
    for keys in (seats, gov, par, pairs):
        assert len(keys) == len(set(keys))
    assert all(0 <= m.table_number < num_tables for m in meetings)


def test_full_draft_books_every_pair_without_clashes(small_event) -> None:  # type: ignore[no-untyped-def]
    event, _governments, _partners = small_event
    report = scheduling.draft_schedule(event)
    db.session.commit()
    meetings = live(event)
    assert len(meetings) == 12 == report.meetings
    assert_valid(meetings, event.num_tables)
    assert {m.status for m in meetings} == {"draft"}


def test_unbooked_only_keeps_existing_meetings(small_event) -> None:  # type: ignore[no-untyped-def]
    event, governments, partners = small_event
    first = scheduling.book_pair(event, governments[0].id, partners[0].id)
    db.session.commit()
    assert first.status == "booked"
    kept = (first.meeting.id, first.meeting.slot_index, first.meeting.table_number)
    scheduling.draft_schedule(event, unbooked_only=True)
    db.session.commit()
    meetings = live(event)
    assert len(meetings) == 12
    assert kept in {(m.id, m.slot_index, m.table_number) for m in meetings}
    assert_valid(meetings, event.num_tables)


def test_publish_then_late_booking_is_published(small_event) -> None:  # type: ignore[no-untyped-def]
    event, governments, _partners = small_event
    scheduling.draft_schedule(event)
    assert len(scheduling.publish_schedule(event)) == 12
    db.session.commit()
    late_partner = create_participant(event, "partner")
    approve(event, governments[1], late_partner, score=99)
    outcome = scheduling.book_pair(event, governments[1].id, late_partner.id)
    assert outcome.status == "booked" and outcome.meeting.status == "published"
    again = scheduling.book_pair(event, governments[1].id, late_partner.id)
    assert again.status == "already-booked" and again.meeting.id == outcome.meeting.id


def test_book_pair_refuses_unapproved_blocked_and_full(small_event) -> None:  # type: ignore[no-untyped-def]
    event, governments, partners = small_event
    stranger = create_participant(event, "partner")
    assert scheduling.book_pair(event, governments[0].id, stranger.id).status == "not-approved"
    db.session.add(BlockedPair(event_id=event.id, government_id=governments[0].id,
                               partner_id=partners[0].id, reason="conflict of interest"))  # fmt: skip
    assert scheduling.book_pair(event, governments[0].id, partners[0].id).status == "not-approved"
    busy = create_participant(event, "partner", unavailable=list(range(12)))
    approve(event, governments[1], busy)
    assert scheduling.book_pair(event, governments[1].id, busy.id).status == "no-free-slot"


@pytest.mark.parametrize(
    "clash",
    [
        {"slot_index": 0, "table_number": 0},  # same seat
        {"slot_index": 0, "table_number": 1, "same": "government"},
        {"slot_index": 0, "table_number": 1, "same": "partner"},
        {"slot_index": 5, "table_number": 1, "same": "pair"},
    ],
)
def test_database_refuses_double_booking(small_event, clash) -> None:  # type: ignore[no-untyped-def]
    event, governments, partners = small_event
    db.session.add(Meeting(event_id=event.id, government_id=governments[0].id,
                           partner_id=partners[0].id, slot_index=0, table_number=0))  # fmt: skip
    db.session.commit()
    same = clash.get("same")
    government = governments[0] if same in ("government", "pair") else governments[1]
    partner = partners[0] if same in ("partner", "pair") else partners[1]
    db.session.add(Meeting(event_id=event.id, government_id=government.id, partner_id=partner.id,
                           slot_index=clash["slot_index"], table_number=clash["table_number"]))  # fmt: skip
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_cancelled_meetings_free_their_seat(small_event) -> None:  # type: ignore[no-untyped-def]
    event, governments, partners = small_event
    db.session.add(Meeting(event_id=event.id, government_id=governments[0].id,
                           partner_id=partners[0].id, slot_index=0, table_number=0,
                           status="cancelled"))  # fmt: skip
    db.session.add(Meeting(event_id=event.id, government_id=governments[0].id,
                           partner_id=partners[0].id, slot_index=0, table_number=0))  # fmt: skip
    db.session.commit()
    assert len(live(event)) == 1
