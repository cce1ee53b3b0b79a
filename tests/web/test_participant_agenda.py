"""The agenda: page, print page, .ics, PDF, and marking meetings held or no-show."""

from __future__ import annotations

import icalendar
import pytest
from flask import Flask
from flask.testing import FlaskClient

from matchmaker.extensions import db
from matchmaker.models import Meeting
from tests.pdf_text import page_texts
from tests.web.participant_world import add_meeting, login_as, make_people, post

#: No broker in these tests: every task the views send is recorded instead.
pytestmark = pytest.mark.usefixtures("tasks")


def test_agenda_lists_published_meetings_in_event_time(app: Flask, client: FlaskClient) -> None:
    people = make_people(app)
    add_meeting(app, people, slot=1)  # 09:20-09:40 on the first day
    add_meeting(app, people, status="draft", slot=5, partner=people.other_partner)
    login_as(app, client, people.official)
    page = client.get("/me/agenda").get_data(as_text=True)
    assert "mié, 10 mar, 9:20–9:40" in page and "Bruno Empresa" in page
    assert '<span class="cell-label">Mesa </span>5</td>' in page  # labelled on a phone too
    assert "Horario: hora del centro de México" in page and "America/Mexico_City" not in page
    assert "Carla Startup" not in page  # the draft is not on the agenda
    assert "Anotar resultado" not in page  # the meeting is in the future
    printable = client.get("/me/agenda/print").get_data(as_text=True)
    assert "Bruno Empresa" in printable and "data-print" in printable


def test_ics_download_carries_the_time_zone(app: Flask, client: FlaskClient) -> None:
    people = make_people(app)
    add_meeting(app, people, slot=1)
    login_as(app, client, people.official)
    response = client.get("/me/agenda.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    assert "attachment" in response.headers["Content-Disposition"]
    calendar = icalendar.Calendar.from_ical(response.data)
    zones = [tz["TZID"] for tz in calendar.walk("VTIMEZONE")]
    assert zones == ["America/Mexico_City"]
    [event] = calendar.walk("VEVENT")
    start = event.decoded("dtstart")
    assert (start.hour, start.minute) == (9, 20) and str(start.tzinfo) == "America/Mexico_City"
    assert "mesa 5" in str(event["location"])


def test_pdf_download(app: Flask, client: FlaskClient) -> None:
    people = make_people(app)
    add_meeting(app, people)
    login_as(app, client, people.official)
    response = client.get("/me/agenda.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    [page] = page_texts(response.data)
    assert page[1] == "Ana Alcaldesa" and "Bruno Empresa" in page  # hers, with whom she meets
    # Under the event's name and dates, numbered, the meeting's day and time by Babel.
    assert page[0] == "Smart City Expo Latam · 10–11 mar 2032"
    assert "".join(page[-2:]) == "Página 1 de 1" and "mié, 10 mar" in page


def test_mark_held_with_outcome_after_the_meeting(app: Flask, client: FlaskClient) -> None:
    people = make_people(app, past=True)
    meeting_id = add_meeting(app, people)
    login_as(app, client, people.partner)
    assert "Anotar resultado" in client.get("/me/agenda").get_data(as_text=True)
    page = f"/me/meetings/{meeting_id}/outcome"
    data = {"status": "held", "outcome": "Piloto de semáforos en junio.", "rating": "4"}
    assert post(client, page, data, page).status_code == 302
    with app.app_context():
        meeting = db.session.get_one(Meeting, meeting_id)
        assert meeting.status == "held" and meeting.outcome == "Piloto de semáforos en junio."
    # The other side may correct it.
    login_as(app, client, people.official)
    assert "Piloto de semáforos en junio." in client.get("/me/agenda").get_data(as_text=True)
    assert post(client, page, {"status": "no-show", "outcome": ""}, page).status_code == 302
    with app.app_context():
        assert db.session.get_one(Meeting, meeting_id).status == "no-show"


def test_future_meetings_cannot_be_marked(app: Flask, client: FlaskClient) -> None:
    people = make_people(app)
    meeting_id = add_meeting(app, people)
    login_as(app, client, people.official)
    page = f"/me/meetings/{meeting_id}/outcome"
    response = post(client, page, {"status": "held", "outcome": "x"}, page)
    assert response.status_code == 200
    assert "cuando empiece la reunión" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get_one(Meeting, meeting_id).status == "published"


def test_drafts_and_missing_meetings_are_404(app: Flask, client: FlaskClient) -> None:
    people = make_people(app, past=True)
    draft = add_meeting(app, people, status="draft")
    login_as(app, client, people.official)
    assert client.get(f"/me/meetings/{draft}/outcome").status_code == 404
    assert client.get("/me/meetings/999999/outcome").status_code == 404


def test_pdf_has_a_page_per_participant_with_accents(app: Flask) -> None:
    from matchmaker.models import Event, Participant
    from matchmaker.services.agenda_pdf import render_agendas_pdf

    people = make_people(app)
    add_meeting(app, people)
    with app.app_context():
        event = db.session.get_one(Event, people.event)
        official = db.session.get_one(Participant, people.official)
        official.name = "Ana María Núñez"
        partner = db.session.get_one(Participant, people.partner)
        pdf = render_agendas_pdf(event, [official, partner], locale="pt")
        empty = render_agendas_pdf(event, [])
    pages = page_texts(pdf)
    assert [page[1] for page in pages] == ["Ana María Núñez", "Bruno Empresa"]  # one page each
    assert "Bruno Empresa" in pages[0] and "Ana María Núñez" in pages[1]  # whom each one meets
    assert len(page_texts(empty)) == 1
