"""Threads between the two sides: who may write, what is kept, reading, reporting."""

from __future__ import annotations

import pytest

from matchmaker.extensions import db
from matchmaker.models import AuditEntry, BlockedPair, Meeting, Notification, Participant
from matchmaker.services import messages, notifications, requests
from tests.factories import create_event, create_participant


def people() -> tuple[Participant, Participant, Participant]:
    """An official, a partner they asked to meet, and a partner they never dealt with."""
    event = create_event()
    official = create_participant(event, "government")
    partner, stranger = create_participant(event, "partner"), create_participant(event, "partner")
    requests.create_request(official, partner, "¿Nos vemos?")
    return official, partner, stranger


def test_only_pairs_with_a_request_or_an_announced_meeting_have_a_thread(app_ctx) -> None:  # type: ignore[no-untyped-def]
    official, partner, stranger = people()
    assert messages.get_counterpart(official, partner.id) is partner
    assert messages.get_counterpart(partner, official.id) is official
    assert messages.get_counterpart(official, stranger.id) is None  # no contact
    assert messages.get_counterpart(official, official.id) is None  # not the other side
    assert messages.get_counterpart(official, 999_999) is None
    meeting = Meeting(event_id=official.event_id, government_id=official.id,
                      partner_id=stranger.id, slot_index=0, table_number=0, status="draft")  # fmt: skip
    db.session.add(meeting)
    db.session.flush()
    assert messages.get_counterpart(official, stranger.id) is None  # a draft is not announced
    meeting.status = "published"
    assert messages.get_counterpart(official, stranger.id) is stranger
    db.session.add(BlockedPair(event_id=official.event_id, government_id=official.id,
                               partner_id=stranger.id))  # fmt: skip
    db.session.flush()
    assert messages.get_counterpart(official, stranger.id) is None  # kept apart


def test_a_message_is_kept_and_notifies_the_other_side(app_ctx) -> None:  # type: ignore[no-untyped-def]
    official, partner, _ = people()
    unread_before = notifications.count_unread(partner.id)  # the request's notification
    message = messages.post_message(official, partner, "  Llevo la propuesta de movilidad.  ")
    assert message.body == "Llevo la propuesta de movilidad."
    assert (message.government_id, message.partner_id) == (official.id, partner.id)
    assert notifications.count_unread(partner.id) == unread_before + 1
    assert notifications.count_unread(official.id) == 0
    reply = messages.post_message(partner, official, "¡Perfecto!")
    assert [m.id for m in messages.list_thread(official, partner)] == [message.id, reply.id]
    assert messages.list_thread(partner, official) == messages.list_thread(official, partner)


@pytest.mark.parametrize(("body", "code"), [("   ", "empty"), ("x" * 1001, "too-long")])
def test_bad_messages_are_refused_and_nothing_is_kept(app_ctx, body: str, code: str) -> None:  # type: ignore[no-untyped-def]
    official, partner, _ = people()
    with pytest.raises(messages.MessageError) as refused:
        messages.post_message(official, partner, body)
    assert refused.value.code == code
    assert messages.list_thread(official, partner) == []
    assert messages.post_message(official, partner, "x" * 1000).body == "x" * 1000


def test_reading_the_thread_reads_its_messages_and_their_notifications(app_ctx) -> None:  # type: ignore[no-untyped-def]
    official, partner, _ = people()
    first = messages.post_message(official, partner, "Hola")
    own = messages.post_message(partner, official, "Hola, ¿qué tal?")
    before = notifications.count_unread(partner.id)
    messages.mark_thread_read(partner, official)
    db.session.expire_all()
    assert first.read_at is not None
    assert own.read_at is None  # the partner's own message is the official's to read
    assert notifications.count_unread(partner.id) == before - 1  # the request's stays unread
    assert notifications.count_unread(official.id) == 1  # the reply, unread until they look


def test_a_report_flags_the_thread_once_and_is_logged(app_ctx) -> None:  # type: ignore[no-untyped-def]
    official, partner, stranger = people()
    messages.post_message(official, partner, "Mensaje fuera de lugar")
    assert messages.reported_thread(official.event_id, official.id, partner.id) is None
    report = messages.report_thread(partner, official, "  Tono inapropiado ", actor=None)
    assert report.note == "Tono inapropiado"
    with pytest.raises(messages.MessageError) as again:
        messages.report_thread(partner, official, "Otra vez", actor=None)
    assert again.value.code == "reported"
    with pytest.raises(messages.MessageError):
        messages.report_thread(official, partner, "", actor=None)  # a note is required
    found = messages.reported_thread(official.event_id, official.id, partner.id)
    assert found is not None
    reports, thread = found
    assert [r.reporter_id for r in reports] == [partner.id]
    assert [m.body for m in thread] == ["Mensaje fuera de lugar"]
    # Organisers see reported threads only: the report list names only this one.
    assert [(r.government_id, r.partner_id) for r in messages.list_reports(official.event_id)] == [
        (official.id, partner.id)
    ]
    assert messages.reported_thread(official.event_id, official.id, stranger.id) is None
    logged = db.session.execute(db.select(AuditEntry).where(
        AuditEntry.action == "thread.reported")).scalar_one()  # fmt: skip
    assert logged.details["government_id"] == official.id
    assert db.session.execute(db.select(db.func.count(Notification.id))).scalar_one() == 2
