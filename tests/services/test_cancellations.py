"""Calling off a meeting: at once, and both sides told by mail only if they knew of it."""

from __future__ import annotations

from datetime import timedelta

from matchmaker.extensions import db
from matchmaker.models import Meeting, User
from matchmaker.orm import utcnow
from matchmaker.services import cancellations, housekeeping
from tests.factories import create_event, create_participant


def meeting_of(status: str) -> Meeting:
    event = create_event()
    official, partner = create_participant(event), create_participant(event, "partner")
    meeting = Meeting(event_id=event.id, government_id=official.id, partner_id=partner.id,
                      slot_index=0, table_number=2, status=status)  # fmt: skip
    db.session.add(meeting)
    db.session.flush()
    return meeting


def test_a_draft_is_cancelled_without_mail(app_ctx) -> None:  # type: ignore[no-untyped-def]
    meeting = meeting_of("draft")
    assert cancellations.cancel_meeting(meeting, "  Agenda cambiada  ") is True
    assert (meeting.status, meeting.cancel_reason) == ("cancelled", "Agenda cambiada")
    assert cancellations.list_due_cancellations() == []
    assert cancellations.cancel_meeting(meeting) is False  # already off: nothing changes


def test_a_published_meeting_is_mailed_once(app_ctx) -> None:  # type: ignore[no-untyped-def]
    meeting = meeting_of("published")
    cancellations.cancel_meeting(meeting, "x" * 900)
    db.session.commit()
    assert len(meeting.cancel_reason) == cancellations.MAX_REASON
    assert cancellations.list_due_cancellations() == [meeting.id]
    assert cancellations.claim_cancellation(meeting.id) is not None
    assert cancellations.claim_cancellation(meeting.id) is None  # a second sender gets nothing
    db.session.rollback()  # the send failed: the claim goes with it, the mail stays due
    assert cancellations.list_due_cancellations() == [meeting.id]


def test_the_beat_sends_what_was_never_sent(app_ctx) -> None:  # type: ignore[no-untyped-def]
    meeting = meeting_of("published")
    cancellations.cancel_meeting(meeting)
    db.session.commit()
    assert not housekeeping.list_mail_to_retry(timedelta(minutes=10)).cancellations
    later = utcnow() + timedelta(minutes=11)
    assert housekeeping.list_mail_to_retry(timedelta(minutes=10), later).cancellations


def test_each_side_reads_it_in_their_language(app_ctx) -> None:  # type: ignore[no-untyped-def]
    meeting = meeting_of("published")
    db.session.add(User(email=meeting.partner.email, role="partner", locale="en", password_hash="!",
                        participant=meeting.partner))  # fmt: skip
    cancellations.cancel_meeting(meeting, "Flight changed")
    event = meeting.government.event
    to_partner = cancellations.cancellation_mail(
        event, meeting, meeting.partner, meeting.government
    )
    assert "Meeting cancelled" in to_partner.subject and "table 3" in to_partner.body
    assert "Reason: Flight changed" in to_partner.body
    to_official = cancellations.cancellation_mail(
        event, meeting, meeting.government, meeting.partner
    )
    # no account, so no known language: the congress's three, Spanish first
    assert to_official.body.index("mesa 3") < to_official.body.index("table 3")
