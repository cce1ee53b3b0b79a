"""An API world: the organisers' seeded event with tokens for an organiser, an official and a
partner, and a second event the participants' tokens must not see."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from matchmaker.extensions import db
from matchmaker.models import Participant, User
from matchmaker.services import api_tokens
from matchmaker.services.accounts import create_user
from tests.factories import create_event, create_participant
from tests.web.organiser_world import ORGANISER, PASSWORD, Seed, seed


@dataclass
class ApiWorld:
    seed: Seed
    event_id: int
    other_event_id: int
    other_participant_id: int
    #: Secrets of the tokens, by who holds them.
    organiser: str
    official: str
    partner: str


def make_world(app: Flask) -> ApiWorld:
    seeded = seed(app)
    with app.app_context():
        other = create_event(days=1, name="Otro congreso")
        stranger = create_participant(other, "partner")
        partner = db.session.get_one(Participant, seeded.partners[0])
        create_user("partner@example.org", PASSWORD, "partner", participant=partner)
        secrets = {
            email: api_tokens.create_token(account(email), f"token de {email}").secret
            for email in (ORGANISER, "official@example.org", "partner@example.org")
        }
        db.session.commit()
        return ApiWorld(seeded, seeded.event_id, other.id, stranger.id,
                        secrets[ORGANISER], secrets["official@example.org"],
                        secrets["partner@example.org"])  # fmt: skip


def account(email: str) -> User:
    return db.session.execute(db.select(User).where(User.email == email)).scalar_one()


def bearer(secret: str, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}", **headers}


def call(client: FlaskClient, method: str, path: str, secret: str | None,
         json: Any = None, **headers: str) -> Any:  # fmt: skip
    """One API call; the answer's JSON is at ``.json``."""
    sent = bearer(secret, **headers) if secret else headers
    return client.open(path, method=method, json=json, headers=sent)
