"""Notifications: written where things happen, in bulk when publishing, counted, read, and
mailed once (only the kinds with no mail of their own)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from matchmaker.extensions import db
from matchmaker.models import Meeting, Notification, Participant
from matchmaker.services import cancellations, messages, notifications, requests, scheduling
from tests.factories import approve, create_event, create_participant


def kinds_of(participant: Participant) -> list[str]:
    return [n.kind for n in reversed(notifications.list_notifications(participant))]


def test_requests_and_answers_notify_the_other_side(app_ctx) -> None:  # type: ignore[no-untyped-def]
    event = create_event()
    official, partner = create_participant(event), create_participant(event, "partner")
    request = requests.create_request(official, partner)
    assert kinds_of(partner) == [notifications.REQUEST_NEW]
    assert notifications.list_notifications(partner)[0].data == {
        "other_id": official.id, "request_id": request.id}  # fmt: skip
    requests.answer_request(request, partner, accept=False)
    assert kinds_of(official) == [notifications.REQUEST_DECLINED]
    assert notifications.count_unread(partner.id) == 1


def test_publishing_notifies_every_side_in_one_insert(app_ctx) -> None:  # type: ignore[no-untyped-def]
    event = create_event()
    official = create_participant(event)
    partners = [create_participant(event, "partner") for _ in range(3)]
    for slot, partner in enumerate(partners):
        suggestion = approve(event, official, partner)
        db.session.add(Meeting(event_id=event.id, government_id=official.id, partner_id=partner.id,
                               suggestion_id=suggestion.id, slot_index=slot, table_number=0,
                               status="draft"))  # fmt: skip
    db.session.flush()
    inserts: list[str] = []

    def count(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("INSERT INTO NOTIFICATION"):
            inserts.append(statement)

    from sqlalchemy import event as sa_event

    sa_event.listen(db.engine, "before_cursor_execute", count)
    try:
        published = scheduling.publish_schedule(event)
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", count)
    assert len(published) == 3
    assert len(inserts) == 1  # one statement (executemany) for all six rows
    assert kinds_of(official) == [notifications.MEETING_BOOKED] * 3
    assert all(notifications.count_unread(p.id) == 1 for p in partners)


def test_moving_and_cancelling_a_published_meeting_notify_both(app_ctx) -> None:  # type: ignore[no-untyped-def]
    event = create_event()
    official, partner = create_participant(event), create_participant(event, "partner")
    suggestion = approve(event, official, partner)
    meeting = Meeting(event_id=event.id, government_id=official.id, partner_id=partner.id,
                      suggestion_id=suggestion.id, slot_index=0, table_number=0,
                      status="published")  # fmt: skip
    db.session.add(meeting)
    db.session.flush()
    scheduling.move_meeting(meeting, 3)
    cancellations.cancel_meeting(meeting, "Vuelo cancelado")
    for side, other in ((official, partner), (partner, official)):
        assert kinds_of(side) == [notifications.MEETING_MOVED, notifications.MEETING_CANCELLED]
        assert notifications.list_notifications(side)[0].data["other_id"] == other.id


def test_reading_one_or_all(app_ctx) -> None:  # type: ignore[no-untyped-def]
    event = create_event()
    official, partner = create_participant(event), create_participant(event, "partner")
    first = notifications.notify(partner, notifications.REQUEST_NEW, other_id=official.id)
    notifications.notify(partner, notifications.REQUEST_NEW, other_id=official.id)
    assert notifications.get_notification_for(official, first.id) is None  # not theirs
    notifications.mark_read(first)
    assert notifications.count_unread(partner.id) == 1
    assert notifications.mark_all_read(partner) == 1
    assert notifications.count_unread(partner.id) == 0
    with pytest.raises(ValueError):
        notifications.notify(partner, "no-such-kind")


@pytest.fixture
def mail_app(app: Flask) -> Iterator[Flask]:
    app.config["SMTP_URL"] = "smtp://127.0.0.1:1"
    with app.app_context():
        yield app


def test_only_messages_are_due_by_mail_and_claimed_once(mail_app) -> None:  # type: ignore[no-untyped-def]
    event = create_event()
    official, partner = create_participant(event), create_participant(event, "partner")
    requests.create_request(official, partner)  # has its own mail: not due here
    message = messages.post_message(official, partner, "Hola")
    db.session.commit()
    due = notifications.list_due_mail()
    assert [db.session.get_one(Notification, i).kind for i in due] == [notifications.MESSAGE]
    claimed = notifications.claim_mail(due[0])
    assert claimed is not None
    assert notifications.claim_mail(due[0]) is None  # a second sender gets nothing
    mail = notifications.message_mail(claimed, "https://expo.example.org/")
    assert mail.to == [partner.email]
    assert "Hola" in mail.body and f"/me/messages/{official.id}" in mail.body
    db.session.rollback()  # the send failed: the claim goes with it, the mail stays due
    assert notifications.list_due_mail() == due
    messages.mark_thread_read(partner, official)  # read in the app first: not mailed
    claimed = notifications.claim_mail(due[0])
    assert claimed is not None
    assert (
        notifications.send_notification_mail(claimed, "smtp://127.0.0.1:1", "x@y.org", "") is False
    )
    assert message.id and notifications.list_due_mail() == []


def test_without_a_mail_server_nothing_is_due(app_ctx) -> None:  # type: ignore[no-untyped-def]
    event = create_event()
    official, partner = create_participant(event), create_participant(event, "partner")
    requests.create_request(official, partner)
    messages.post_message(official, partner, "Hola")
    assert notifications.list_due_mail() == []


def test_a_late_booking_notifies_only_once_the_schedule_is_out(app_ctx) -> None:  # type: ignore[no-untyped-def]
    event = create_event()
    official = create_participant(event)
    early, late = create_participant(event, "partner"), create_participant(event, "partner")
    approve(event, official, early)
    assert scheduling.book_pair(event, official.id, early.id).status == "booked"
    assert kinds_of(official) == []  # a draft: nobody has been told of it yet
    scheduling.publish_schedule(event)
    approve(event, official, late)
    outcome = scheduling.book_pair(event, official.id, late.id)
    assert outcome.status == "booked" and outcome.meeting is not None
    assert kinds_of(late) == [notifications.MEETING_BOOKED]
    assert kinds_of(official) == [notifications.MEETING_BOOKED] * 2
