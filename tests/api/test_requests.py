"""Meeting requests in the API: the web's rules (who may ask whom, one open request per pair,
not after the event), the lifecycle (accept, decline, withdraw; a second answer is a
conflict), someone else's request (404), and arbitrary input (never a 5xx, nothing changed)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from matchmaker.extensions import db
from matchmaker.models import Event, MeetingRequest, Participant
from matchmaker.orm import utcnow
from matchmaker.services import decisions
from tests.api.api_world import ApiWorld, account, call
from tests.web.task_recorder import Tasks

PROBLEM = "application/problem+json"
MINE = "/api/v1/me/requests"


def requests(app: Flask) -> list[tuple[int, int, int, str]]:
    """(id, requester, recipient, status) of every request."""
    with app.app_context():
        query = db.select(MeetingRequest.id, MeetingRequest.requester_id,
                          MeetingRequest.recipient_id, MeetingRequest.status)  # fmt: skip
        return [tuple(row) for row in db.session.execute(query.order_by(MeetingRequest.id))]


def ask(client: FlaskClient, secret: str, recipient_id: Any, **body: Any) -> Any:
    return call(client, "POST", MINE, secret, json={"recipient_id": recipient_id, **body})


def test_a_request_from_asking_to_accepting(app: Flask, client: FlaskClient, world: ApiWorld,
                                            tasks: Tasks):  # fmt: skip
    official, partner = world.seed.governments[0], world.seed.partners[0]
    made = ask(client, world.official, partner, message="  ¿Nos reunimos?  ")
    assert made.status_code == 201
    body = made.json
    assert (body["direction"], body["status"], body["message"]) == \
        ("outgoing", "pending", "¿Nos reunimos?")  # fmt: skip
    assert body["requester"]["id"] == official and body["recipient"]["id"] == partner
    assert body["expires_at"].endswith("+00:00") and body["answered_at"] is None
    assert made.headers["Location"].endswith(f"{MINE}/{body['id']}")
    assert tasks["recompute_suggestions"].committed == [True]
    # The partner sees it coming in, and only the partner may answer it.
    theirs = call(client, "GET", MINE, world.partner).json
    assert [(r["id"], r["direction"]) for r in theirs["incoming"]] == [(body["id"], "incoming")]
    assert theirs["outgoing"] == []
    own = call(client, "GET", f"{MINE}/{body['id']}", world.official)
    assert own.status_code == 200 and own.json == body
    for verb in ("accept", "decline"):
        assert call(client, "POST", f"{MINE}/{body['id']}/{verb}", world.official).status_code \
            == 404  # fmt: skip
    accepted = call(client, "POST", f"{MINE}/{body['id']}/accept", world.partner)
    assert accepted.status_code == 200
    assert (accepted.json["status"], accepted.json["direction"]) == ("accepted", "incoming")
    assert accepted.json["answered_at"] is not None
    second = call(client, "POST", f"{MINE}/{body['id']}/accept", world.partner)
    assert second.status_code == 409 and second.mimetype == PROBLEM
    assert second.json["detail"] == "La solicitud ya no está pendiente."
    assert call(client, "POST", f"{MINE}/{body['id']}/decline", world.partner).status_code == 409
    assert call(client, "POST", f"{MINE}/{body['id']}/withdraw", world.official).status_code \
        == 409  # fmt: skip
    assert requests(app) == [(body["id"], official, partner, "accepted")]
    outgoing = call(client, "GET", MINE, world.official).json["outgoing"]
    assert [r["status"] for r in outgoing] == ["accepted"]
    # Once they agreed, neither side may ask again.
    again = ask(client, world.partner, official)
    assert again.status_code == 409 and again.json["detail"] == "Ya acordaron reunirse."


def test_decline_and_withdraw(app: Flask, client: FlaskClient, world: ApiWorld):
    seed = world.seed
    first = ask(client, world.official, seed.partners[0]).json
    declined = call(client, "POST", f"{MINE}/{first['id']}/decline", world.partner)
    assert declined.status_code == 200 and declined.json["status"] == "declined"
    second = ask(client, world.official, seed.partners[1]).json
    # Only the requester withdraws: the recipient gets a 404, as for someone else's request.
    assert call(client, "POST", f"{MINE}/{second['id']}/withdraw", world.partner).status_code \
        == 404  # fmt: skip
    withdrawn = call(client, "POST", f"{MINE}/{second['id']}/withdraw", world.official)
    assert withdrawn.status_code == 200 and withdrawn.json["status"] == "withdrawn"
    assert call(client, "POST", f"{MINE}/{second['id']}/withdraw", world.official).status_code \
        == 409  # fmt: skip
    assert [r[3] for r in requests(app)] == ["declined", "withdrawn"]


def test_one_open_request_per_pair_whoever_asks(app: Flask, client: FlaskClient,
                                                world: ApiWorld):  # fmt: skip
    official, partner = world.seed.governments[0], world.seed.partners[0]
    assert ask(client, world.official, partner).status_code == 201
    for secret, other in ((world.official, partner), (world.partner, official)):
        refused = ask(client, secret, other)
        assert refused.status_code == 409 and refused.mimetype == PROBLEM
        assert refused.json["detail"] == "Ya hay una solicitud abierta entre ustedes."
    assert len(requests(app)) == 1


def test_someone_else_s_request_does_not_exist(app: Flask, client: FlaskClient,
                                               world: ApiWorld):  # fmt: skip
    with app.app_context():
        now = utcnow()
        other = MeetingRequest(event_id=world.event_id, requester_id=world.seed.governments[1],
                               recipient_id=world.seed.partners[1],
                               government_id=world.seed.governments[1],
                               partner_id=world.seed.partners[1], status="pending",
                               created_at=now, expires_at=now + timedelta(hours=48))  # fmt: skip
        db.session.add(other)
        db.session.commit()
        other_id = other.id
    before = requests(app)
    for secret in (world.official, world.partner):
        assert call(client, "GET", f"{MINE}/{other_id}", secret).status_code == 404
        for verb in ("accept", "decline", "withdraw"):
            answer = call(client, "POST", f"{MINE}/{other_id}/{verb}", secret)
            assert answer.status_code == 404 and answer.mimetype == PROBLEM, verb
        assert call(client, "GET", MINE, secret).json == {"incoming": [], "outgoing": []}
    assert call(client, "POST", f"{MINE}/987654/accept", world.partner).status_code == 404
    assert requests(app) == before


def test_who_may_be_asked(app: Flask, client: FlaskClient, world: ApiWorld):
    seed = world.seed
    with app.app_context():
        official = db.session.get_one(Participant, seed.governments[0])
        blocked = db.session.get_one(Participant, seed.partners[2])
        decisions.block_pair(official.event, official, blocked, "conflicto",
                             account("org@example.org"))  # fmt: skip
        db.session.commit()
    for recipient in (seed.governments[1], world.other_participant_id, 987654, seed.partners[2]):
        refused = ask(client, world.official, recipient)
        assert refused.status_code == 422 and refused.mimetype == PROBLEM, recipient
        assert refused.json["errors"] == [{"pointer": "#/recipient_id",
                                           "detail": "No es posible enviar esta solicitud."}]  # fmt: skip
    for body, pointer in [
        ({"recipient_id": seed.partners[0], "message": "x" * 1001}, "#/message"),
        ({"recipient_id": seed.partners[0], "message": "\x00"}, "#/message"),
        ({"recipient_id": seed.partners[0], "message": "\ud800"}, "#/message"),
        ({"recipient_id": str(seed.partners[0])}, "#/recipient_id"),
        ({"recipient_id": 2**31}, "#/recipient_id"),
        ({"message": "hola"}, "#/recipient_id"),
        ({"recipient_id": seed.partners[0], "to": "x"}, "#/to"),
    ]:
        refused = call(client, "POST", MINE, world.official, json=body)
        assert refused.status_code == 422, body
        assert refused.json["errors"][0]["pointer"] == pointer, body
    assert requests(app) == []


def test_no_request_once_the_event_is_over(app: Flask, client: FlaskClient, world: ApiWorld):
    with app.app_context():
        db.session.get_one(Event, world.event_id).days = ["2020-03-10"]
        db.session.commit()
    refused = ask(client, world.official, world.seed.partners[0])
    assert refused.status_code == 409
    assert refused.json["detail"].startswith("El evento ya terminó")
    assert requests(app) == []


def test_an_overdue_request_is_expired(app: Flask, client: FlaskClient, world: ApiWorld):
    made = ask(client, world.official, world.seed.partners[0]).json
    with app.app_context():
        db.session.get_one(MeetingRequest, made["id"]).expires_at = utcnow() - timedelta(hours=1)
        db.session.commit()
    seen = call(client, "GET", MINE, world.partner).json["incoming"]
    assert [r["status"] for r in seen] == ["expired"]
    late = call(client, "POST", f"{MINE}/{made['id']}/accept", world.partner)
    assert late.status_code == 409 and late.json["detail"] == "La solicitud ha caducado."
    assert [r[3] for r in requests(app)] == ["pending"]  # expired on reading, marked by a task


def test_a_retried_request_is_made_once(app: Flask, client: FlaskClient, world: ApiWorld):
    key = {"Idempotency-Key": "ask-once"}
    body = {"recipient_id": world.seed.partners[0], "message": "Hola"}
    first = call(client, "POST", MINE, world.official, json=body, **key)
    again = call(client, "POST", MINE, world.official, json=body, **key)
    assert first.status_code == again.status_code == 201
    assert again.json == first.json and again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Location"] == first.headers["Location"]
    assert len(requests(app)) == 1


def test_organisers_have_no_requests_of_their_own(app: Flask, client: FlaskClient,
                                                  world: ApiWorld):  # fmt: skip
    made = ask(client, world.official, world.seed.partners[0]).json
    for method, path, body in [("GET", MINE, None), ("GET", f"{MINE}/{made['id']}", None),
                               ("POST", MINE, {"recipient_id": world.seed.partners[1]}),
                               ("POST", f"{MINE}/{made['id']}/accept", None),
                               ("POST", f"{MINE}/{made['id']}/withdraw", None)]:  # fmt: skip
        answer = call(client, method, path, world.organiser, json=body)
        assert answer.status_code == 403 and answer.mimetype == PROBLEM, (method, path)
    assert [r[3] for r in requests(app)] == ["pending"]


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=4),
    max_leaves=12,
)  # fmt: skip
#: Bodies shaped like a request, with anything in each place.
REQUESTS = st.fixed_dictionaries(
    {"recipient_id": st.integers(min_value=-3, max_value=12) | JSON},
    optional={"message": st.text(max_size=20) | JSON, "extra": JSON},
)


@settings(max_examples=40, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(body=JSON | REQUESTS)
@example(body={"recipient_id": 2**31, "message": "hola"})
@example(body={"recipient_id": 1.0})
@example(body={"recipient_id": True})
@example(body={"recipient_id": 1, "message": "\ud800\x00"})
def test_any_json_to_requests_is_answered_below_500(
    app: Flask, client: FlaskClient, world: ApiWorld, body: Any
):
    before = requests(app)
    answer = client.post(MINE, data=json.dumps(body),
                         headers={"Authorization": f"Bearer {world.official}",
                                  "Content-Type": "application/json"})  # fmt: skip
    assert answer.status_code < 500, answer.get_data(as_text=True)
    if answer.status_code >= 400:
        assert answer.mimetype == PROBLEM
        assert requests(app) == before
    else:
        assert answer.status_code == 201 and requests(app)[-1][0] == answer.json["id"]
        # Withdrawn at once, so that the next example may ask the same person again.
        withdrawn = call(client, "POST", f"{MINE}/{answer.json['id']}/withdraw", world.official)
        assert withdrawn.status_code == 200
