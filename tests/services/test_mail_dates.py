"""Dates in mail come from matchmaker.dates (Babel), in each reader's language, never as a
hand-built 10/03/2032."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import Flask

from matchmaker.extensions import db
from matchmaker.models import Event, Meeting, Participant
from matchmaker.services import agendas, notices, reminders
from matchmaker.services import requests as service
from matchmaker.services.accounts import create_user
from matchmaker.services.mail import Mail
from tests.factories import create_event, create_participant


def meeting_at_second_slot() -> tuple[Event, Meeting, Participant, Participant]:
    """A published meeting at 9:20-9:40 on Wednesday 10 March 2032, Mexico City time."""
    event = create_event(days=2, name="Expo", time_zone="America/Mexico_City")
    official = create_participant(event, name="Ana Alcaldesa")
    partner = create_participant(event, "partner", name="Bruno Empresa")
    meeting = Meeting(event_id=event.id, government_id=official.id, partner_id=partner.id,
                      slot_index=1, table_number=2, status="published")  # fmt: skip
    db.session.add(meeting)
    db.session.flush()
    return event, meeting, official, partner


def reminder_for(official: Participant, partner: Participant, locale: str | None) -> Mail:
    event = official.event
    meeting = db.session.execute(db.select(Meeting)).scalar_one()
    if locale is not None:
        user = create_user(official.email, "a-password-1", "official", participant=official)
        user.locale = locale
        db.session.flush()
    slot = event.calendar().slots[meeting.slot_index]
    return reminders.reminder_mail(event, meeting, slot, official, partner)


@pytest.mark.parametrize(
    ("locale", "day", "time"),
    [("es", "mié, 10 mar", "a las 9:20"), ("en", "Wed, Mar 10", "at 09:20")],
)
def test_the_reminder_says_the_day_in_the_readers_language(
    app_ctx: Flask, locale: str, day: str, time: str
) -> None:
    _event, _meeting, official, partner = meeting_at_second_slot()
    mail = reminder_for(official, partner, locale)
    assert day in mail.body and time in mail.body
    assert "/03/" not in mail.body and "2032" not in mail.body  # the event's year goes unsaid
    assert mail.subject.endswith("Bruno Empresa, " + time.split()[-1])


def test_a_reader_of_unknown_language_reads_each_language_its_own_way(app_ctx: Flask) -> None:
    _event, _meeting, official, partner = meeting_at_second_slot()
    body = reminder_for(official, partner, None).body
    assert "mié, 10 mar" in body and "Wed, Mar 10" in body and "qua., 10 de mar." in body


def test_a_requests_deadline_in_each_language(app_ctx: Flask) -> None:
    event, _meeting, official, partner = meeting_at_second_slot()
    event.request_expiry_hours = 48
    moment = datetime(2032, 3, 1, 16, 40, tzinfo=UTC)  # 10:40 in Mexico City
    request = service.create_request(official, partner, now=moment)
    body = notices.new_request_mail(request, "https://citas.example.org/").body
    # The zone as people say it, in each language (not the IANA id).
    assert "Responde antes del 3 mar 2032, 10:40 (hora del centro de México)" in body
    assert "Please answer by Mar 3, 2032, 10:40 (" in body
    assert "Responda até 3 de mar. de 2032 10:40 (" in body
    assert "America/Mexico_City" not in body


def test_the_invitation_gives_the_time_in_each_language(
    app_ctx: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    _event, meeting, _official, _partner = meeting_at_second_slot()
    sent: list[Mail] = []
    monkeypatch.setattr(agendas, "send_mail", lambda _url, _sender, mail: sent.append(mail))
    assert agendas.send_invitation(meeting, "smtp://localhost", "expo@example.org")
    [mail] = sent
    assert "mié, 10 mar, 9:20–9:40 (hora del centro de México)" in mail.body
    assert "Wed, Mar 10, 09:20\u2009–\u200909:40 (" in mail.body
    assert "America/Mexico_City" not in mail.body
    assert "/03/" not in mail.body
