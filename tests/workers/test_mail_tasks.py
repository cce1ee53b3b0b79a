"""Mail sent by a real worker: account invitations with a link that works, request notices;
each one once, however often the task runs."""

from __future__ import annotations

import email
import re

import pytest
from flask import Flask

from matchmaker.extensions import db
from matchmaker.models import Meeting, User
from matchmaker.services import cancellations, invitations, requests
from tests.factories import create_event, create_participant
from tests.workers.conftest import queue_drained, wait_until
from workers.tasks import (
    send_account_invitations,
    send_cancellation_notices,
    send_request_notices,
)

BASE_URL = "https://citas.example.org/"


@pytest.mark.parametrize("broker_url", ["redis"], indirect=True)
def test_the_worker_mails_each_invitation_once_with_a_working_link(
    worker_app: Flask, broker_url: str, task_queue: str, start_worker, smtp_sink
) -> None:
    smtp_url, received = smtp_sink
    start_worker(MATCHMAKER_SMTP_URL=smtp_url, MATCHMAKER_SECRET_KEY="test-secret")
    with worker_app.app_context():
        event = create_event()
        people = [create_participant(event, kind) for kind in ("government", "partner", "partner")]
        invitations.invite_participants(event, invitations.MISSING)
        db.session.commit()
        addresses = {p.email for p in people}
    send_account_invitations.delay(BASE_URL)
    wait_until(lambda: len(received) == 3, 120, "three invitation mails")
    # Run again (a retry, or an organiser pressing twice): everything is marked sent.
    send_account_invitations.delay(BASE_URL)
    wait_until(lambda: queue_drained(broker_url, task_queue), 60, "the second run")
    assert len(received) == 3
    assert {rcpt for envelope in received for rcpt in envelope.rcpt_tos} == addresses
    message = email.message_from_bytes(received[0].content)
    body = message.get_payload(decode=True).decode()
    path = re.search(r"https://citas\.example\.org(/invite/\S+)", body).group(1)
    client = worker_app.test_client()
    assert client.get(path).status_code == 200
    with worker_app.app_context():
        assert invitations.due_invitations() == []
        sent = db.session.execute(db.select(User.invitation_sent_at)).scalars().all()
        assert len(sent) == 3 and all(sent)


@pytest.mark.parametrize("broker_url", ["embedded"], indirect=True)
def test_the_worker_tells_each_side_of_a_request_once(
    worker_app: Flask, broker_url: str, task_queue: str, start_worker, smtp_sink
) -> None:
    smtp_url, received = smtp_sink
    start_worker(MATCHMAKER_SMTP_URL=smtp_url)
    with worker_app.app_context():
        event = create_event()
        official, partner = create_participant(event), create_participant(event, "partner")
        request = requests.create_request(official, partner, "¿Nos vemos?")
        db.session.commit()
        send_request_notices.delay(BASE_URL)
        wait_until(lambda: len(received) == 1, 120, "the request notice")
        db.session.expire_all()
        requests.answer_request(db.session.get_one(type(request), request.id), partner, True)
        db.session.commit()
        send_request_notices.delay(BASE_URL)
        send_request_notices.delay(BASE_URL)
        wait_until(lambda: queue_drained(broker_url, task_queue), 60, "the notices")
        assert [envelope.rcpt_tos for envelope in received] == [[partner.email], [official.email]]


@pytest.mark.parametrize("broker_url", ["redis"], indirect=True)
def test_the_worker_tells_both_sides_of_a_cancelled_meeting_once(
    worker_app: Flask, broker_url: str, task_queue: str, start_worker, smtp_sink
) -> None:
    smtp_url, received = smtp_sink
    start_worker(MATCHMAKER_SMTP_URL=smtp_url)
    with worker_app.app_context():
        event = create_event()
        official, partner = create_participant(event), create_participant(event, "partner")
        meeting = Meeting(event_id=event.id, government_id=official.id, partner_id=partner.id,
                          slot_index=2, table_number=4, status="published")  # fmt: skip
        db.session.add(meeting)
        db.session.flush()
        cancellations.cancel_meeting(meeting, "Cambio de vuelo")
        addresses = sorted([official.email, partner.email])
        db.session.commit()
    send_cancellation_notices.delay()
    send_cancellation_notices.delay()  # a second run, or the beat's retry: nothing twice
    wait_until(lambda: len(received) == 2, 120, "the two cancellation mails")
    wait_until(lambda: queue_drained(broker_url, task_queue), 60, "the second run")
    assert sorted(rcpt for envelope in received for rcpt in envelope.rcpt_tos) == addresses
    body = email.message_from_bytes(received[0].content).get_payload(decode=True).decode()
    assert "mesa 5" in body and "Motivo: Cambio de vuelo" in body  # tables counted from 1
    with worker_app.app_context():
        assert cancellations.list_due_cancellations() == []
