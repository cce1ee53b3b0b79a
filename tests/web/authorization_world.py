"""The small world every route is tried against (test_authorization, test_bad_ids): one event,
two officials, two partners, suggestions, a request and a published meeting between official A
and partner A, a job, a block, a webhook with a delivery; and logging a client in as any of its
accounts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash

from matchmaker.extensions import db
from matchmaker.models import (
    BlockedPair,
    Interpreter,
    Job,
    MatchSuggestion,
    Meeting,
    MeetingRequest,
    MoveRequest,
    StandbyOffer,
    User,
    WebhookDelivery,
    WebhookEndpoint,
)
from tests.factories import create_event, create_participant
from tests.web.helpers import CSRF

#: An organiser whose account was deactivated while logged in: treated as anonymous.
DEACTIVATED = "deactivated"


@dataclass
class World:
    event_id: int
    ids: dict[str, int]  # participant ids by role name
    users: dict[str, int]  # user ids by role name
    suggestion_id: int  # official A × partner A, approved
    request_id: int  # official A -> partner A, pending
    meeting_id: int  # official A × partner A, published
    job_id: int
    block_id: int  # official B × partner A, blocked by the organiser
    interpreter_id: int = 0  # the event's interpreter
    offer_id: int = 0  # a standby offer to official A and partner A
    move_request_id: int = 0  # official A asks partner A to move their meeting to slot 2
    webhook_id: int = 0  # the event's webhook
    delivery_id: int = 0  # a failed delivery to it


#: One hash for every account: hashing per test would dominate the run time.
PASSWORD_HASH = generate_password_hash("authorization-test")
#: Every account's session token: a login id is "<user id>:<token>" (matchmaker.auth.sessions).
SESSION_TOKEN = "authorization-test-session"


def build_world(app: Flask) -> World:
    """The rows every route is tried against. B have a request and a meeting of their own
    too, so a "not yours" refusal is not just an empty agenda."""
    with app.app_context():
        event = create_event()
        people = {
            "official": create_participant(event, "government"),
            "other_official": create_participant(event, "government"),
            "partner": create_participant(event, "partner"),
            "other_partner": create_participant(event, "partner"),
        }
        users = {
            "organiser": User(email="org@example.org", role="organiser"),
            DEACTIVATED: User(email="former-org@example.org", role="organiser", active=False),
        }
        for role, person in people.items():
            users[role] = User(
                email=f"{role.replace('_', '-')}@example.org",
                role="official" if person.is_government else "partner",
                participant=person,
            )
        for user in users.values():
            user.password_hash = PASSWORD_HASH
            user.session_token = SESSION_TOKEN
            db.session.add(user)
        gov_a, gov_b = people["official"], people["other_official"]
        par_a, par_b = people["partner"], people["other_partner"]
        suggestions = {}
        for gov, par, status, score in ((gov_a, par_a, "approved", 80.0),
                                        (gov_a, par_b, "suggested", 40.0),
                                        (gov_b, par_a, "suggested", 30.0),
                                        (gov_b, par_b, "approved", 70.0)):  # fmt: skip
            suggestion = MatchSuggestion(
                event_id=event.id, government_id=gov.id, partner_id=par.id, score=score,
                status=status, rank_for_government=1, rank_for_partner=1,
                reasons=[{"code": "themes", "text": "shared themes: urban-mobility", "data": {}}],
            )  # fmt: skip
            db.session.add(suggestion)
            suggestions[gov.id, par.id] = suggestion
        requests = [
            MeetingRequest(event_id=event.id, requester_id=gov.id, recipient_id=par.id,
                           government_id=gov.id, partner_id=par.id, message="¿Nos reunimos?")
            for gov, par in ((gov_a, par_a), (gov_b, par_b))
        ]  # fmt: skip
        db.session.add_all(requests)
        db.session.flush()
        meetings = [
            Meeting(event_id=event.id, government_id=gov.id, partner_id=par.id,
                    suggestion_id=suggestions[gov.id, par.id].id, slot_index=slot,
                    table_number=1, status="published", weight=50.0)
            for slot, (gov, par) in enumerate(((gov_a, par_a), (gov_b, par_b)))
        ]  # fmt: skip
        job = Job(event_id=event.id, kind="schedule", state="done", progress=1.0, message="ok")
        block = BlockedPair(event_id=event.id, government_id=gov_b.id, partner_id=par_a.id)
        db.session.add_all([*meetings, job, block])
        db.session.flush()
        offer = StandbyOffer(event_id=event.id, meeting_id=meetings[1].id, present_id=gov_a.id,
                             candidate_id=par_a.id, slot_index=1, table_number=1)  # fmt: skip
        db.session.add(offer)
        move = MoveRequest(event_id=event.id, meeting_id=meetings[0].id, asked_by_id=gov_a.id,
                           from_slot=0, slot_index=2, state="asked")  # fmt: skip
        db.session.add(move)
        db.session.flush()
        interpreter = Interpreter(event_id=event.id, name="Ana Intérprete",
                                  languages=["es", "en"], unavailable=[])  # fmt: skip
        db.session.add(interpreter)
        webhook = WebhookEndpoint(event_id=event.id, url="https://93.184.216.34/hooks",
                                  kinds=["meeting.booked"], secret="whsec_world")  # fmt: skip
        db.session.add(webhook)
        db.session.flush()
        delivery = WebhookDelivery(endpoint_id=webhook.id, kind="ping", payload={},
                                   uuid="00000000-0000-4000-8000-000000000001", state="failed",
                                   attempts=1)  # fmt: skip
        db.session.add(delivery)
        db.session.flush()
        world = World(
            interpreter_id=interpreter.id,
            event_id=event.id,
            ids={role: person.id for role, person in people.items()},
            users={role: user.id for role, user in users.items()},
            suggestion_id=suggestions[gov_a.id, par_a.id].id,
            request_id=requests[0].id,
            meeting_id=meetings[0].id,
            job_id=job.id,
            block_id=block.id,
            offer_id=offer.id,
            move_request_id=move.id,
            webhook_id=webhook.id,
            delivery_id=delivery.id,
        )
        db.session.commit()
        db.session.remove()
    return world


#: How to fill a URL argument, by its name. Objects belong to official A and partner A.
ARGUMENTS: dict[str, Callable[[World], Any]] = {
    "event_id": lambda w: w.event_id,
    "suggestion_id": lambda w: w.suggestion_id,
    "request_id": lambda w: w.request_id,
    "meeting_id": lambda w: w.meeting_id,
    "job_id": lambda w: w.job_id,
    "block_id": lambda w: w.block_id,
    "interpreter_id": lambda w: w.interpreter_id,
    "offer_id": lambda w: w.offer_id,
    "move_request_id": lambda w: w.move_request_id,
    "webhook_id": lambda w: w.webhook_id,
    "delivery_id": lambda w: w.delivery_id,
    "participant_id": lambda w: w.ids["partner"],
    "official_id": lambda w: w.ids["official"],
    "government_id": lambda w: w.ids["official"],
    "partner_id": lambda w: w.ids["partner"],
    "user_id": lambda w: w.users["partner"],
    # Not a signed token: every role is shown the "link no longer valid" page (test_accounts
    # covers real links).
    "token": lambda w: "not-a-signed-token",
    "lang": lambda w: "en",
    "locale": lambda w: "en",
    "language": lambda w: "en",
}


def as_user(client: FlaskClient, user_id: int | None) -> FlaskClient:
    """Log the client in without hashing a password (test_auth covers real logins)."""
    if user_id is not None:
        with client.session_transaction() as session:
            session["_user_id"] = f"{user_id}:{SESSION_TOKEN}"
            session["_fresh"] = True
    return client


def any_csrf_token(client: FlaskClient, anonymous: bool) -> str:
    # Any form page carries a token: the password form for logged-in users, /login otherwise.
    page = client.get("/login" if anonymous else "/account/password")
    match = CSRF.search(page.get_data(as_text=True))
    assert match, "no CSRF token found"
    return match.group(1)
