"""A new message is mailed by a real worker once: sent after the commit that wrote it, not
again when the task runs twice; the other notifications have mail of their own."""

from __future__ import annotations

import email

import pytest
from flask import Flask

from matchmaker.extensions import db
from matchmaker.models import Participant
from matchmaker.services import messages, notifications, requests
from tests.factories import create_event, create_participant
from tests.workers.conftest import queue_drained, wait_until
from workers.tasks import send_notification_mails

BASE_URL = "https://citas.example.org/"


@pytest.mark.parametrize("broker_url", ["embedded"], indirect=True)
def test_the_worker_mails_a_new_message_once(
    worker_app: Flask, broker_url: str, task_queue: str, start_worker, smtp_sink
) -> None:
    smtp_url, received = smtp_sink
    worker_app.config["SMTP_URL"] = smtp_url  # the web side: mail is configured
    start_worker(MATCHMAKER_SMTP_URL=smtp_url, MATCHMAKER_BASE_URL=BASE_URL)
    with worker_app.app_context():
        event = create_event(name="Expo Mensajes")
        official = create_participant(event, name="Ana Alcaldesa")
        partner = create_participant(event, "partner")
        requests.create_request(official, partner)  # its notice has a mail of its own
        messages.post_message(official, partner, "¿Traes la propuesta de semáforos?")
        db.session.commit()  # notify queued send_notification_mails: sent now
        official_id, partner_id, partner_email = official.id, partner.id, partner.email
    wait_until(lambda: len(received) == 1, 120, "the message mail")
    send_notification_mails.delay()  # a second run, or a retry: nothing twice
    wait_until(lambda: queue_drained(broker_url, task_queue), 60, "the second run")
    assert len(received) == 1 and received[0].rcpt_tos == [partner_email]
    message = email.message_from_bytes(received[0].content)
    body = message.get_payload(decode=True).decode()
    assert "¿Traes la propuesta de semáforos?" in body and "Ana Alcaldesa" in body
    assert f"{BASE_URL}me/messages/{official_id}" in body
    with worker_app.app_context():
        assert notifications.list_due_mail() == []
        partner = db.session.get_one(Participant, partner_id)
        mailed = [n for n in notifications.list_notifications(partner) if n.mailed_at]
        assert [n.kind for n in mailed] == [notifications.MESSAGE]
