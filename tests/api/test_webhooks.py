"""Webhooks in the API: register, read, remove; deliveries in pages; send one again."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from matchmaker.extensions import db
from matchmaker.models import AuditEntry, WebhookDelivery, WebhookEndpoint
from matchmaker.services import webhooks
from tests.api.api_world import ApiWorld, call
from tests.web.task_recorder import Tasks

PROBLEM = "application/problem+json"
PUBLIC = "https://93.184.216.34/hooks"


def hooks(world: ApiWorld, event_id: int | None = None) -> str:
    return f"/api/v1/events/{event_id or world.event_id}/webhooks"


def make(client: FlaskClient, world: ApiWorld, **body: object):  # type: ignore[no-untyped-def]
    return call(client, "POST", hooks(world), world.organiser,
                json={"url": PUBLIC, "kinds": ["meeting.booked"], **body})  # fmt: skip


def test_an_organiser_registers_reads_and_removes_a_webhook(
    app: Flask, client: FlaskClient, world: ApiWorld
) -> None:
    made = make(client, world, kinds=["meeting.moved", "meeting.booked"], description="CRM")
    assert made.status_code == 201
    body = made.json
    assert made.headers["Location"].endswith(f"{hooks(world)}/{body['id']}")
    assert body["kinds"] == ["meeting.booked", "meeting.moved"]
    assert (body["url"], body["description"], body["active"]) == (PUBLIC, "CRM", True)
    assert body["secret"].startswith("whsec_") and body["created_at"].endswith("+00:00")
    one = call(client, "GET", made.headers["Location"], world.organiser)
    assert one.status_code == 200 and one.json == body and one.headers["ETag"]
    listed = call(client, "GET", hooks(world), world.organiser).json
    assert [item["id"] for item in listed["items"]] == [body["id"]]
    assert listed["next_cursor"] is None
    removed = call(client, "DELETE", made.headers["Location"], world.organiser)
    assert removed.status_code == 204
    assert call(client, "GET", made.headers["Location"], world.organiser).status_code == 404
    with app.app_context():
        actions = db.session.execute(db.select(AuditEntry.action)).scalars().all()
        assert {"webhook.added", "webhook.removed"} <= set(actions)


def test_refused_addresses_and_kinds_point_at_the_field(
    app: Flask, client: FlaskClient, world: ApiWorld
) -> None:
    for url in ("http://127.0.0.1:8000/x", "http://169.254.169.254/", "http://[::1]/",
                "http://localhost/hooks", "ftp://93.184.216.34/"):  # fmt: skip
        answer = make(client, world, url=url)
        assert answer.status_code == 422 and answer.mimetype == PROBLEM, url
        assert answer.json["errors"][0]["pointer"] == "#/url"
    private = make(client, world, url="http://10.0.0.1/x").json["errors"][0]["detail"]
    assert "privada" in private
    unknown = make(client, world, kinds=["meeting.booked", "meeting.exploded"])
    assert unknown.status_code == 422
    assert unknown.json["errors"][0]["pointer"] == "#/kinds/1"
    assert make(client, world, kinds=[]).json["errors"][0]["pointer"] == "#/kinds"
    assert make(client, world, secret="mine").status_code == 422  # unknown field
    with app.app_context():
        assert db.session.execute(db.select(WebhookEndpoint)).first() is None
    app.config["WEBHOOKS_ALLOW_PRIVATE"] = True  # a receiver on this machine, when allowed
    assert make(client, world, url="http://127.0.0.1:8000/x").status_code == 201


def test_only_organisers_and_only_for_real_webhooks(client: FlaskClient, world: ApiWorld):
    made = make(client, world).json
    one = f"{hooks(world)}/{made['id']}"
    for path in (hooks(world), one, f"{one}/deliveries"):
        answer = call(client, "GET", path, world.official)
        assert answer.status_code == 403 and answer.mimetype == PROBLEM
    answer = call(client, "POST", hooks(world), world.partner, json={"url": 1})
    assert answer.status_code == 403  # who may call is answered before what was sent
    other = f"{hooks(world, world.other_event_id)}/{made['id']}"
    assert call(client, "GET", other, world.organiser).status_code == 404
    assert call(client, "DELETE", other, world.organiser).status_code == 404
    assert call(client, "GET", f"{hooks(world)}/999999", world.organiser).status_code == 404


def test_a_retried_creation_with_its_key_makes_one_webhook(app: Flask, client: FlaskClient,
                                                           world: ApiWorld) -> None:  # fmt: skip
    key = {"Idempotency-Key": "webhook-1"}
    first = call(client, "POST", hooks(world), world.organiser,
                 json={"url": PUBLIC, "kinds": ["meeting.booked"]}, **key)  # fmt: skip
    again = call(client, "POST", hooks(world), world.organiser,
                 json={"url": PUBLIC, "kinds": ["meeting.booked"]}, **key)  # fmt: skip
    assert again.headers["Idempotent-Replayed"] == "true" and again.json == first.json
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(WebhookEndpoint.id))).scalar() == 1


def test_deliveries_come_in_pages_and_one_can_be_sent_again(
    app: Flask, client: FlaskClient, world: ApiWorld, tasks: Tasks
) -> None:
    made = make(client, world, kinds=["participants.imported"]).json
    with app.app_context():
        for n in range(3):
            webhooks.notify(world.event_id, "participants.imported", {"created": n})
        delivered = db.session.execute(db.select(WebhookDelivery)).scalars().first()
        delivered.state = "failed"
        db.session.commit()
    path = f"{hooks(world)}/{made['id']}/deliveries"
    first = call(client, "GET", f"{path}?limit=2", world.organiser).json
    rest = call(client, "GET", f"{path}?limit=2&cursor={first['next_cursor']}",
                world.organiser).json  # fmt: skip
    items = first["items"] + rest["items"]
    assert [item["payload"]["data"]["created"] for item in items] == [0, 1, 2]
    assert rest["next_cursor"] is None
    assert items[0]["uuid"] == items[0]["payload"]["id"]
    assert {item["kind"] for item in items} == {"participants.imported"}
    failed = call(client, "GET", f"{path}?state=failed", world.organiser).json["items"]
    assert [item["id"] for item in failed] == [items[0]["id"]]
    sent = len(tasks["deliver_webhooks"].calls)
    again = call(client, "POST", f"{path}/{items[0]['id']}/resend", world.organiser)
    assert again.status_code == 200 and again.json["state"] == "pending"
    assert tasks["deliver_webhooks"].calls[sent:] == [(made["id"],)]
    assert call(client, "POST", f"{path}/999999/resend", world.organiser).status_code == 404
    bad = call(client, "GET", f"{path}?state=lost", world.organiser)
    assert bad.status_code == 422 and bad.json["errors"][0]["parameter"] == "state"


def test_a_deactivated_webhook_sends_nothing_again(app: Flask, client: FlaskClient,
                                                   world: ApiWorld, tasks: Tasks) -> None:  # fmt: skip
    made = make(client, world, active=False).json
    with app.app_context():
        endpoint = db.session.get_one(WebhookEndpoint, made["id"])
        delivery = webhooks.send_test(endpoint)
        db.session.commit()
        delivery_id = delivery.id
    path = f"{hooks(world)}/{made['id']}/deliveries/{delivery_id}/resend"
    answer = call(client, "POST", path, world.organiser)
    assert answer.status_code == 409 and "desactivado" in answer.json["detail"]
    other = make(client, world).json
    elsewhere = f"{hooks(world)}/{other['id']}/deliveries/{delivery_id}/resend"
    assert call(client, "POST", elsewhere, world.organiser).status_code == 404
