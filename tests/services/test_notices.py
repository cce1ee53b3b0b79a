"""Mail about requests: the recipient hears of a new one, the requester of the answer, once."""

from __future__ import annotations

import email
from datetime import UTC, datetime, timedelta

from flask import Flask

from matchmaker.extensions import db
from matchmaker.models import MeetingRequest
from matchmaker.services import notices
from matchmaker.services import requests as service
from tests.factories import create_event, create_participant

BASE = "https://citas.example.org/"


def body_of(envelope) -> str:  # type: ignore[no-untyped-def]
    return email.message_from_bytes(envelope.content).get_payload(decode=True).decode()


def send_due(smtp_url: str) -> int:
    sent = 0
    for request_id, kind in notices.due_notices():
        request = db.session.get_one(MeetingRequest, request_id)
        sent += notices.send_notice(request, kind, smtp_url, "expo@example.org", BASE)
    db.session.commit()
    return sent


def test_a_request_and_its_answer_are_each_mailed_once(app_ctx: Flask, smtp_sink) -> None:
    smtp_url, received = smtp_sink
    event = create_event(name="Expo", time_zone="America/Mexico_City", request_expiry_hours=48)
    official = create_participant(event, name="Mariana Cuéllar", organisation="Puebla")
    partner = create_participant(event, kind="partner", email="agua@example.com")
    request = service.create_request(official, partner, "¿Hablamos de fugas?")
    db.session.commit()
    assert notices.due_notices() == [(request.id, notices.NEW)]
    assert send_due(smtp_url) == 1 and send_due(smtp_url) == 0
    [new] = received
    assert new.rcpt_tos == ["agua@example.com"]
    text = body_of(new)
    assert "Mariana Cuéllar" in text and "¿Hablamos de fugas?" in text
    assert "https://citas.example.org/me/requests" in text and "America/Mexico_City" not in text
    assert "(hora del centro de México)" in text

    service.answer_request(request, partner, accept=True)
    db.session.commit()
    assert notices.due_notices() == [(request.id, notices.ANSWER)]
    assert send_due(smtp_url) == 1 and send_due(smtp_url) == 0
    answer = received[1]
    assert answer.rcpt_tos == [official.email]
    assert "aceptada" in email.message_from_bytes(answer.content)["Subject"]


def test_an_expired_request_is_not_announced_and_a_withdrawn_one_needs_no_answer(
    app_ctx: Flask, smtp_sink
) -> None:
    smtp_url, received = smtp_sink
    event = create_event(request_expiry_hours=1)
    official = create_participant(event)
    late = service.create_request(
        official,
        create_participant(event, kind="partner"),
        now=datetime.now(UTC) - timedelta(hours=2),
    )
    db.session.commit()
    assert notices.due_notices() == [(late.id, notices.NEW)]
    assert send_due(smtp_url) == 1  # marked: it is no longer news
    withdrawn = service.create_request(official, create_participant(event, kind="partner"))
    service.withdraw_request(withdrawn, official)
    db.session.commit()
    assert received == [] and notices.due_notices() == []
