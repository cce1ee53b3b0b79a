"""The world the API's fuzzing and authorization matrix run against: the web tests' small world
(one event with officials A and B, partners A and B, suggestions, requests, published meetings,
a job, a block, a webhook...) plus a second event with rows of its own, and a bearer token for
each kind of caller, including one of the other event's participants and a revoked one.

URL arguments are filled by name (``ARGUMENTS``), as in tests/web/authorization_world.py: a new
argument name fails the matrix until it is known here.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask

from matchmaker.extensions import db
from matchmaker.models import (
    BlockedPair,
    Job,
    MatchSuggestion,
    Meeting,
    MeetingRequest,
    User,
    WebhookDelivery,
    WebhookEndpoint,
)
from matchmaker.services import api_tokens
from tests.factories import create_event, create_participant
from tests.web.authorization_world import World, build_world


@dataclass
class FuzzWorld:
    web: World
    other_event_id: int
    #: Secrets of the tokens by who holds them: "organiser", "official" (A), "partner" (A),
    #: "stranger" (a partner of the other event: nothing of the world's event is theirs) and
    #: "revoked" (an organiser's token, revoked).
    tokens: dict[str, str]
    #: Rows of the other event, by URL argument name.
    other: dict[str, int] = field(default_factory=dict)


def build_fuzz_world(app: Flask) -> FuzzWorld:
    """The web world, a second event with a suggestion, a request, a meeting, a job, a block
    and a webhook with a delivery, and a token per owner (made through the token service, as
    organisers make them)."""
    web = build_world(app)
    with app.app_context():
        other = create_event(days=1, name="Otro congreso", num_tables=2)
        official = create_participant(other, "government")
        stranger = create_participant(other, "partner")
        suggestion = MatchSuggestion(event_id=other.id, government_id=official.id,
                                     partner_id=stranger.id, score=55.0, status="approved",
                                     rank_for_government=1, rank_for_partner=1)  # fmt: skip
        db.session.add(suggestion)
        db.session.flush()
        request = MeetingRequest(event_id=other.id, requester_id=official.id,
                                 recipient_id=stranger.id, government_id=official.id,
                                 partner_id=stranger.id, message="¿Nos vemos?")  # fmt: skip
        meeting = Meeting(event_id=other.id, government_id=official.id, partner_id=stranger.id,
                          suggestion_id=suggestion.id, slot_index=0, table_number=1,
                          status="published", weight=50.0)  # fmt: skip
        job = Job(event_id=other.id, kind="schedule", state="done", progress=1.0, message="ok")
        block = BlockedPair(event_id=other.id, government_id=official.id, partner_id=stranger.id)
        account = User(email="stranger@example.org", role="partner", participant=stranger)
        account.set_unusable_password()
        db.session.add_all([request, meeting, job, block, account])
        webhook_id, delivery_id = _webhook(other.id)
        users = {role: db.session.get_one(User, web.users[role])
                 for role in ("organiser", "official", "partner")}  # fmt: skip
        users["stranger"] = account
        tokens = {owner: api_tokens.create_token(user, f"fuzz {owner}").secret
                  for owner, user in users.items()}  # fmt: skip
        revoked = api_tokens.create_token(users["organiser"], "fuzz revoked")
        api_tokens.revoke_token(revoked.token, actor=users["organiser"])
        tokens["revoked"] = revoked.secret
        world = FuzzWorld(
            web, other.id, tokens,
            other={"event_id": other.id, "participant_id": stranger.id,
                   "government_id": official.id, "partner_id": stranger.id,
                   "suggestion_id": suggestion.id, "request_id": request.id,
                   "meeting_id": meeting.id, "job_id": job.id, "block_id": block.id,
                   "webhook_id": webhook_id, "delivery_id": delivery_id},
        )  # fmt: skip
        db.session.commit()
        db.session.remove()
    return world


def _webhook(event_id: int) -> tuple[int, int]:
    """An endpoint (an address literal: no lookup) with one delivered ping: their ids."""
    endpoint = WebhookEndpoint(event_id=event_id, url="https://93.184.215.14/matchmaker",
                               kinds=["meeting.booked"], secret="fuzz-secret",
                               description="fuzz")  # fmt: skip
    db.session.add(endpoint)
    db.session.flush()
    delivery = WebhookDelivery(endpoint_id=endpoint.id, kind="ping", uuid=str(uuid.uuid4()),
                               payload={"type": "ping", "event_id": event_id, "data": {}},
                               state="delivered", attempts=1, last_status=200)  # fmt: skip
    db.session.add(delivery)
    db.session.flush()
    return endpoint.id, delivery.id


#: How to fill a URL argument of the API, by its name: rows of the world's event, owned by
#: official A and partner A where that matters.
ARGUMENTS: dict[str, Callable[[FuzzWorld], Any]] = {
    "event_id": lambda w: w.web.event_id,
    "participant_id": lambda w: w.web.ids["partner"],
    "government_id": lambda w: w.web.ids["official"],
    "partner_id": lambda w: w.web.ids["partner"],
    "suggestion_id": lambda w: w.web.suggestion_id,
    "request_id": lambda w: w.web.request_id,
    "meeting_id": lambda w: w.web.meeting_id,
    "job_id": lambda w: w.web.job_id,
    "block_id": lambda w: w.web.block_id,
    "interpreter_id": lambda w: w.web.interpreter_id,
    "webhook_id": lambda w: w.web.webhook_id,
    "delivery_id": lambda w: w.web.delivery_id,
}


def real_ids(world: FuzzWorld) -> list[dict[str, list[int]]]:
    """For the fuzzer: real ids by URL argument name, one set per event (the world's first,
    then the other's), so that a path names rows of one event and "found", "not yours" and
    "not found" all happen."""
    own = {name: [fill(world)] for name, fill in ARGUMENTS.items()}
    own["participant_id"] += [i for i in world.web.ids.values() if i not in own["participant_id"]]
    return [own, {name: [value] for name, value in world.other.items()}]


def fingerprint(app: Flask) -> str:
    """A digest of every row of every table: a refused call must leave it unchanged."""
    digest = hashlib.sha256()
    with app.app_context():
        for table in db.metadata.sorted_tables:
            rows = db.session.execute(table.select().order_by(*table.primary_key.columns))
            digest.update(repr((table.name, sorted(map(repr, rows)))).encode())
        db.session.remove()
    return digest.hexdigest()
