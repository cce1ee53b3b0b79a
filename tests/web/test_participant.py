"""The participant area: the dashboard, ownership of every object, the language switch.

Helpers here (``make_people``, ``login_as``) are shared by the other test_participant_* files.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient

from matchmaker.background import PendingTask
from matchmaker.extensions import db
from matchmaker.models import MatchSuggestion, Meeting, MeetingRequest, Participant, User
from matchmaker.services.accounts import create_user
from tests.factories import create_event, create_participant
from tests.web.helpers import csrf_token, login

PASSWORD = "secret-pass-1"
#: Days already over, so meetings on them can be marked held.
PAST_DAYS = ["2024-03-12", "2024-03-13"]


@dataclass(frozen=True)
class People:
    event: int
    official: int  # participant ids
    partner: int
    other_partner: int
    other_official: int


@pytest.fixture(autouse=True)
def queued(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The events whose suggestions the views ask a worker to recompute, as sent after the
    commit (no broker in these tests: every task is dropped after being noted)."""
    calls: list[int] = []

    def publish(task: PendingTask) -> None:
        if task.name == "recompute_suggestions":
            calls.append(task.args[0])

    monkeypatch.setattr("matchmaker.background._publish", publish)
    return calls


def make_people(app: Flask, past: bool = False, **event_settings: object) -> People:
    """An event with two officials and two partners, each with an account."""
    with app.app_context():
        event = create_event(name="Smart City Expo Latam", **event_settings)
        if past:
            event.days = PAST_DAYS
        official = create_participant(
            event,
            name="Ana Alcaldesa",
            role_title="Alcaldesa",
            organisation="Municipio de Puebla",
            themes=["urban-mobility", "public-services"],
            languages=["es"],
            description="Queremos reducir el tráfico en el centro histórico.",
        )
        partner = create_participant(
            event,
            kind="partner",
            name="Bruno Empresa",
            organisation="Mobilidade Urbana Ltda",
            themes=["urban-mobility"],
            languages=["pt", "es"],
            description="Semáforos inteligentes e ônibus elétricos.",
        )
        other_partner = create_participant(
            event,
            kind="partner",
            name="Carla Startup",
            organisation="Agua Limpia SA",
            themes=["resource-management"],
            languages=["en"],
            description="Water leak detection for utilities.",
        )
        other_official = create_participant(event, name="Diego Ministro", organisation="Estado")
        for person, role in [
            (official, "official"),
            (partner, "partner"),
            (other_partner, "partner"),
            (other_official, "official"),
        ]:
            create_user(person.email, PASSWORD, role, person)
        db.session.commit()
        return People(event.id, official.id, partner.id, other_partner.id, other_official.id)


def login_as(app: Flask, client: FlaskClient, participant_id: int) -> None:
    with app.app_context():
        email = db.session.get_one(Participant, participant_id).email
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert login(client, email, PASSWORD).status_code == 302


def post(client: FlaskClient, path: str, data: dict[str, object] | None = None, page: str = "/me/"):
    """POST with a CSRF token taken from ``page``."""
    return client.post(path, data={"csrf_token": csrf_token(client, page), **(data or {})})


def add_request(app: Flask, requester: int, recipient: int) -> int:
    from matchmaker.services.requests import create_request

    with app.app_context():
        request = create_request(
            db.session.get_one(Participant, requester),
            db.session.get_one(Participant, recipient),
            "Hola",
        )
        db.session.commit()
        return request.id


def add_meeting(
    app: Flask, people: People, status: str = "published", slot: int = 1, partner: int = 0
) -> int:
    with app.app_context():
        meeting = Meeting(
            event_id=people.event,
            government_id=people.official,
            partner_id=partner or people.partner,
            slot_index=slot,
            table_number=4,
            status=status,
        )
        db.session.add(meeting)
        db.session.commit()
        return meeting.id


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
    login_as(app, client, people.official)
    page = client.get("/me/").get_data(as_text=True)
    assert "Ana Alcaldesa" in page and "Municipio de Puebla" in page
    assert "1 esperan tu respuesta" in page


def test_nobody_touches_what_is_not_theirs(app: Flask, client: FlaskClient) -> None:
    people = make_people(app, past=True)
    request_id = add_request(app, people.official, people.partner)
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
