"""The participant area: the dashboard, ownership of every object, the language switch."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient

from matchmaker.extensions import db
from matchmaker.models import MatchSuggestion, Meeting, MeetingRequest, User
from matchmaker.services.accounts import create_user
from tests.web.helpers import login
from tests.web.participant_world import (
    PASSWORD,
    add_meeting,
    add_request,
    login_as,
    make_people,
    post,
)

#: No broker in these tests: every task the views send is recorded instead.
pytestmark = pytest.mark.usefixtures("tasks")


def test_area_needs_a_participant_login(app: Flask, client: FlaskClient) -> None:
    assert client.get("/me/").status_code == 302
    with app.app_context():
        create_user("org@example.org", PASSWORD, "organiser")
        db.session.commit()
    login(client, "org@example.org", PASSWORD)
    assert client.get("/me/").status_code == 403
    assert client.get("/me/agenda").status_code == 403


def test_dashboard_shows_the_participant(app: Flask, client: FlaskClient) -> None:
    people = make_people(app)
    add_request(app, people.partner, people.official)
    overdue = add_request(app, people.other_partner, people.official)
    with app.app_context():  # past its expiry, not yet marked expired: no longer waiting
        db.session.get_one(MeetingRequest, overdue).expires_at = datetime(2024, 3, 1, tzinfo=UTC)
        db.session.commit()
    add_meeting(app, people)
    add_meeting(app, people, status="draft", slot=2, partner=people.other_partner)
    login_as(app, client, people.official)
    page = client.get("/me/").get_data(as_text=True)
    assert "Ana Alcaldesa" in page and "Municipio de Puebla" in page
    assert "1 solicitud espera tu respuesta" in page and "1 esperan" not in page
    assert "1 reunión confirmada" in page


def test_nobody_touches_what_is_not_theirs(app: Flask, client: FlaskClient) -> None:
    people = make_people(app, past=True)
    before_the_event = datetime(2024, 3, 1, tzinfo=UTC)  # no requests once it has ended
    request_id = add_request(app, people.official, people.partner, now=before_the_event)
    meeting_id = add_meeting(app, people)
    login_as(app, client, people.other_partner)
    # Another partner can neither answer, withdraw nor see the request, nor mark the meeting.
    for action in ("accept", "decline", "withdraw"):
        assert post(client, f"/me/requests/{request_id}/{action}").status_code == 404
    assert "Ana Alcaldesa" not in client.get("/me/requests").get_data(as_text=True)
    assert client.get(f"/me/meetings/{meeting_id}/outcome").status_code == 404
    outcome = {"status": "held", "outcome": "x"}
    assert post(client, f"/me/meetings/{meeting_id}/outcome", outcome).status_code == 404
    assert "Ana Alcaldesa" not in client.get("/me/agenda").get_data(as_text=True)
    # A partner cannot address another partner, nor anyone of another event.
    assert client.get(f"/me/requests/new/{people.partner}").status_code == 404
    assert client.get("/me/requests/new/999999").status_code == 404
    with app.app_context():
        assert db.session.get_one(MeetingRequest, request_id).status == "pending"
        meeting = db.session.get_one(Meeting, meeting_id)
        assert meeting.status == "published" and meeting.outcome == ""


def test_the_sender_cannot_answer_their_own_request(app: Flask, client: FlaskClient) -> None:
    people = make_people(app)
    request_id = add_request(app, people.official, people.partner)
    login_as(app, client, people.official)
    assert post(client, f"/me/requests/{request_id}/accept").status_code == 404
    login_as(app, client, people.partner)  # and the recipient cannot withdraw it
    assert post(client, f"/me/requests/{request_id}/withdraw").status_code == 404
    with app.app_context():
        assert db.session.get_one(MeetingRequest, request_id).status == "pending"


def test_post_without_csrf_is_refused(app: Flask, client: FlaskClient) -> None:
    people = make_people(app)
    request_id = add_request(app, people.official, people.partner)
    login_as(app, client, people.partner)
    assert client.post(f"/me/requests/{request_id}/accept").status_code == 400


def test_language_switch_is_remembered_on_the_account(app: Flask, client: FlaskClient) -> None:
    people = make_people(app)
    login_as(app, client, people.official)
    response = post(client, "/language", {"locale": "en", "next": "/me/suggestions"})
    assert response.status_code == 302 and response.headers["Location"] == "/me/suggestions"
    with app.app_context():
        user = db.session.execute(
            db.select(User).where(User.participant_id == people.official)
        ).scalar_one()
        assert user.locale == "en"
    assert "Suggestions" in client.get("/me/suggestions").get_data(as_text=True)


def test_anonymous_language_choice_lives_in_the_session(client: FlaskClient) -> None:
    response = post(client, "/language", {"locale": "pt", "next": "//evil.example/"}, "/login")
    assert response.headers["Location"] == "/"
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="pt">' in page and "Senha" in page
    assert '<html lang="en">' in client.get("/login?lang=en").get_data(as_text=True)


def test_suggestion_rows_of_others_are_not_listed(app: Flask, client: FlaskClient) -> None:
    people = make_people(app)
    with app.app_context():
        db.session.add(
            MatchSuggestion(
                event_id=people.event,
                government_id=people.other_official,
                partner_id=people.partner,
                rank_for_government=1,
                rank_for_partner=1,
                reasons=[],
            )
        )
        db.session.commit()
    login_as(app, client, people.official)
    assert "Bruno Empresa" not in client.get("/me/suggestions").get_data(as_text=True)


def test_language_switch_drops_lang_from_the_return_address(client: FlaskClient) -> None:
    response = post(client, "/language", {"locale": "pt", "next": "/login?lang=en&x=1"}, "/login")
    assert response.headers["Location"] == "/login?x=1"
