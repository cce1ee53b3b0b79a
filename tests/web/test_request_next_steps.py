"""After a yes, both sides read what happens next; a finished event takes no more requests."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from matchmaker.extensions import db
from matchmaker.models import MeetingRequest
from tests.web.participant_world import add_meeting, add_request, login_as, make_people, post

#: No broker in these tests: every task the views send is recorded instead.
pytestmark = pytest.mark.usefixtures("tasks")

NOT_YET = "La organización incluirá la reunión en el calendario"
PUBLISHED = "La agenda ya está publicada: cuando la organización apruebe la reunión"


def test_before_the_schedule_both_sides_hear_it_is_still_to_be_scheduled(
    app: Flask, client: FlaskClient
) -> None:
    people = make_people(app)
    request_id = add_request(app, people.official, people.partner)
    login_as(app, client, people.partner)
    post(client, f"/me/requests/{request_id}/accept")
    page = client.get("/me/requests").get_data(as_text=True)
    assert "Solicitud aceptada. " + NOT_YET in page  # the flash
    assert page.count(NOT_YET) == 2  # and the request's own card
    agenda = client.get("/me/agenda").get_data(as_text=True)
    assert "Todavía no hay reuniones publicadas." in agenda
    assert "Tienes 1 reunión acordada en espera de horario. " + NOT_YET in agenda
    login_as(app, client, people.official)
    assert NOT_YET in client.get("/me/requests").get_data(as_text=True)
    assert "1 reunión acordada" in client.get("/me/agenda").get_data(as_text=True)


def test_once_published_a_late_approval_is_said_to_be_booked(
    app: Flask, client: FlaskClient
) -> None:
    people = make_people(app)
    add_meeting(app, people, partner=people.other_partner)  # the schedule is out
    request_id = add_request(app, people.partner, people.official)
    login_as(app, client, people.official)
    post(client, f"/me/requests/{request_id}/accept")
    page = client.get("/me/requests").get_data(as_text=True)
    assert "Solicitud aceptada. " + PUBLISHED in page and NOT_YET not in page
    # Once the pair has its meeting, the request points to the agenda instead.
    add_meeting(app, people, slot=3)
    page = client.get("/me/requests").get_data(as_text=True)
    assert "La reunión ya está en tu agenda." in page and PUBLISHED not in page


def test_no_requests_once_the_event_is_over(app: Flask, client: FlaskClient) -> None:
    people = make_people(app, past=True)
    login_as(app, client, people.official)
    form_page = f"/me/requests/new/{people.partner}"
    page = client.get(form_page).get_data(as_text=True)
    assert "El evento ya terminó: ya no se pueden enviar solicitudes." in page
    assert 'name="message"' not in page
    response = post(client, form_page, {"message": "¿Aún?"}, "/me/requests")
    assert response.status_code == 302
    after = client.get("/me/requests").get_data(as_text=True)
    assert "El evento ya terminó: ya no se pueden enviar solicitudes." in after
    with app.app_context():
        assert db.session.execute(db.select(MeetingRequest)).first() is None


def test_the_form_gives_the_deadline_with_its_zone(app: Flask, client: FlaskClient) -> None:
    people = make_people(app)
    login_as(app, client, people.official)
    page = client.get(f"/me/requests/new/{people.partner}").get_data(as_text=True)
    assert "Si no hay respuesta antes del " in page
    assert "(hora del centro de México), la solicitud caduca." in page
