"""A participants' world for the web tests: an event with two officials and two partners, each
with an account, their requests and meetings, and logging in as one of them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import Flask
from flask.testing import FlaskClient

from matchmaker.extensions import db
from matchmaker.models import Meeting, Participant
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


def add_request(app: Flask, requester: int, recipient: int, now: datetime | None = None) -> int:
    """A pending request; ``now`` backdates it (one made before a past event ended)."""
    from matchmaker.services.requests import create_request

    with app.app_context():
        request = create_request(
            db.session.get_one(Participant, requester),
            db.session.get_one(Participant, recipient),
            "Hola",
            now=now,
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
