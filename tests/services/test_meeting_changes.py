"""A participant's own meetings: cancel with a reason, ask to move, the other side answers;
feedback from the meeting's start, and its averages for the organisers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from matchmaker.extensions import db
from matchmaker.models import AuditEntry, Event, Meeting, MoveRequest, Participant
from matchmaker.services import meeting_changes as changes
from matchmaker.services.outcomes import OutcomeError, feedback_summary, record_outcome
from tests.factories import create_event, create_participant

pytestmark = pytest.mark.usefixtures("app_ctx")


def _book(event: Event, official: Participant, partner: Participant, slot: int,
          table: int = 0, status: str = "published") -> Meeting:  # fmt: skip
    meeting = Meeting(event_id=event.id, government_id=official.id, partner_id=partner.id,
                      slot_index=slot, table_number=table, status=status)  # fmt: skip
    db.session.add(meeting)
    db.session.flush()
    return meeting


def _world() -> tuple[Event, Meeting]:
    """Official and partner meet in slot 2 of an event in 2032 (nothing has started)."""
    event = create_event(days=1)
    official, partner = create_participant(event), create_participant(event, "partner")
    return event, _book(event, official, partner, 2)


def _before(event: Event, slot: int):  # type: ignore[no-untyped-def]
    return event.calendar().slots[slot].start - timedelta(minutes=1)


def test_cancel_keeps_the_reason_and_who_for_both_agendas() -> None:
    _, meeting = _world()
    with pytest.raises(changes.ChangeError, match="no-reason"):
        changes.cancel_own_meeting(meeting, meeting.partner, "   ", None)
    assert meeting.status == "published"
    changes.cancel_own_meeting(meeting, meeting.partner, " Vuelo cancelado ", None)
    assert (meeting.status, meeting.cancel_reason) == ("cancelled", "Vuelo cancelado")
    assert meeting.cancelled_by_id == meeting.partner_id and meeting.cancellation_mail_due
    assert changes.list_cancelled_by_a_side(meeting.government) == [meeting]
    entry = db.session.execute(db.select(AuditEntry)).scalar_one()
    assert entry.action == "meeting.cancelled-by-participant"
    assert entry.details["reason"] == "Vuelo cancelado"


def test_a_started_meeting_cannot_be_cancelled_or_moved() -> None:
    event, meeting = _world()
    started = event.calendar().slots[2].start
    with pytest.raises(changes.ChangeError, match="not-changeable"):
        changes.cancel_own_meeting(meeting, meeting.partner, "x", None, now=started)
    with pytest.raises(changes.ChangeError, match="not-changeable"):
        changes.ask_to_move(meeting, meeting.partner, 5, None, now=started)
    assert meeting.status == "published"


def test_move_slots_skip_busy_absent_full_and_past_slots() -> None:
    event, meeting = _world()
    other_partner = create_participant(event, "partner")
    _book(event, meeting.government, other_partner, 4)  # the official is busy in slot 4
    meeting.partner.unavailable = [5]
    slots = changes.list_move_slots(meeting, now=_before(event, 1))
    assert 4 not in slots and 5 not in slots and 2 not in slots and 0 not in slots
    assert {1, 3, 6} <= set(slots)


def test_ask_then_accept_moves_the_meeting_and_reinvites() -> None:
    event, meeting = _world()
    meeting.invitation_sent_at = event.calendar().slots[0].start
    now = _before(event, 0)
    with pytest.raises(changes.ChangeError, match="slot-not-free"):
        changes.ask_to_move(meeting, meeting.government, 2, None, now=now)
    request = changes.ask_to_move(meeting, meeting.government, 6, None, now=now)
    with pytest.raises(changes.ChangeError, match="already-asked"):
        changes.ask_to_move(meeting, meeting.partner, 7, None, now=now)
    assert changes.list_open_requests(meeting.partner, now) == [request]
    with pytest.raises(changes.ChangeError, match="not-open"):
        changes.accept_move(request, meeting.government, None, now=now)  # the asker cannot
    changes.accept_move(request, meeting.partner, None, now=now)
    assert (meeting.slot_index, request.state) == (6, "accepted")
    assert meeting.invitation_sent_at is None  # both sides are told the new time
    assert changes.list_open_requests(meeting.partner, now) == []
    with pytest.raises(changes.ChangeError, match="not-open"):
        changes.decline_move(request, meeting.partner, None, now=now)


def test_a_slot_taken_meanwhile_makes_the_request_stale() -> None:
    event, meeting = _world()
    now = _before(event, 0)
    request = changes.ask_to_move(meeting, meeting.government, 6, None, now=now)
    _book(event, meeting.government, create_participant(event, "partner"), 6, table=3)
    with pytest.raises(changes.ChangeError, match="stale"):
        changes.accept_move(request, meeting.partner, None, now=now)
    changes.mark_stale(request.id, now)
    db.session.refresh(request)
    assert (request.state, meeting.slot_index) == ("stale", 2)


def test_an_organiser_move_or_the_clock_makes_a_request_stale() -> None:
    event, meeting = _world()
    request = changes.ask_to_move(meeting, meeting.government, 6, None, now=_before(event, 0))
    assert not changes.is_current(request, now=_before(event, 7))  # meeting already started
    meeting.slot_index = 3  # an organiser moved it meanwhile
    assert not changes.is_current(request, now=_before(event, 0))
    assert changes.list_open_requests(meeting.partner, _before(event, 0)) == []


def test_decline_and_withdraw() -> None:
    event, meeting = _world()
    now = _before(event, 0)
    first = changes.ask_to_move(meeting, meeting.government, 6, None, now=now)
    with pytest.raises(changes.ChangeError):
        changes.withdraw_move(first, meeting.partner, now)  # only the asker withdraws
    changes.withdraw_move(first, meeting.government, now)
    second = changes.ask_to_move(meeting, meeting.partner, 7, None, now=now)
    changes.decline_move(second, meeting.government, None, now=now)
    assert (first.state, second.state, meeting.slot_index) == ("withdrawn", "declined", 2)


def test_one_open_request_per_meeting_is_kept_by_the_database() -> None:
    event, meeting = _world()
    changes.ask_to_move(meeting, meeting.government, 6, None, now=_before(event, 0))
    db.session.add(MoveRequest(event_id=event.id, meeting_id=meeting.id,
                               asked_by_id=meeting.partner_id, from_slot=2, slot_index=7))  # fmt: skip
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_feedback_from_the_start_of_the_meeting() -> None:
    event, meeting = _world()
    slot = event.calendar().slots[2]
    with pytest.raises(OutcomeError, match="too-early"):
        record_outcome(meeting, meeting.partner, "held", "", slot.start - timedelta(seconds=1), 4)
    with pytest.raises(OutcomeError, match="no-rating"):
        record_outcome(meeting, meeting.partner, "held", "", slot.start)
    with pytest.raises(OutcomeError, match="bad-rating"):
        record_outcome(meeting, meeting.partner, "held", "", slot.start, rating=6)
    record_outcome(meeting, meeting.partner, "held", "Piloto", slot.start, 4, True)
    record_outcome(meeting, meeting.government, "held", "Piloto", slot.start, 1, False)
    summary = feedback_summary(event)
    assert (summary.answers, summary.average_rating, summary.follow_up_share) == (2, 2.5, 0.5)
    # The partner changes their mind: a no-show has nothing to rate, their rating goes.
    record_outcome(meeting, meeting.partner, "no-show", "", slot.end)
    assert feedback_summary(event).answers == 0  # only held meetings count


def test_feedback_is_one_row_per_side_and_rated_1_to_5() -> None:
    from matchmaker.models import MeetingFeedback

    _, meeting = _world()
    ids = (meeting.id, meeting.partner_id)
    db.session.add(MeetingFeedback(meeting_id=ids[0], participant_id=ids[1], rating=3))
    db.session.commit()
    for rating in (0, 6, 5):  # out of range, then a second row for the same side
        db.session.add(MeetingFeedback(meeting_id=ids[0], participant_id=ids[1], rating=rating))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
