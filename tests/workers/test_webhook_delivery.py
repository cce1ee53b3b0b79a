"""Webhooks delivered by real Celery workers on Redis to a local receiver that checks every
signature; and the delivery task and the sweep run in-process for what a crash or a dead
broker leaves behind."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from matchmaker.extensions import db
from matchmaker.models import Meeting, WebhookDelivery, WebhookEndpoint
from matchmaker.orm import utcnow
from matchmaker.services import cancellations, jobs, requests, webhook_delivery, webhooks
from tests.factories import create_event, create_participant
from tests.web.task_recorder import Tasks
from tests.webhook_receiver import Receiver
from tests.workers.conftest import queue_drained, wait_until
from workers import periodic
from workers.tasks import deliver_webhooks, publish_event

#: The worker may send to this machine, and retries come quickly.
WORKER_ENV = {"MATCHMAKER_WEBHOOKS_ALLOW_PRIVATE": "1", "MATCHMAKER_WEBHOOKS_RETRY_SECONDS": "0.5"}


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    started = Receiver().start()
    yield started
    started.stop()


@pytest.fixture
def local_app(worker_app: Flask) -> Flask:
    worker_app.config["WEBHOOKS_ALLOW_PRIVATE"] = True
    return worker_app


def register(event, url: str, kinds=webhooks.EVENT_KINDS) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    endpoint = webhooks.create_endpoint(event, url, kinds, actor=None)
    return endpoint.id, endpoint.secret


def published_meeting(event, slot: int = 0, status: str = "published") -> Meeting:  # type: ignore[no-untyped-def]
    meeting = Meeting(event_id=event.id, government_id=create_participant(event).id,
                      partner_id=create_participant(event, "partner").id, slot_index=slot,
                      table_number=slot % event.num_tables, status=status)  # fmt: skip
    db.session.add(meeting)
    db.session.flush()
    return meeting


def stored(endpoint_id: int) -> list[WebhookDelivery]:
    db.session.expire_all()
    query = db.select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)
    return list(db.session.execute(query.order_by(WebhookDelivery.id)).scalars())


def all_delivered(endpoint_id: int, count: int) -> bool:
    rows = stored(endpoint_id)
    return len(rows) == count and all(row.state == "delivered" for row in rows)


# Real workers ------------------------------------------------------------------------------


@pytest.mark.parametrize("broker_url", ["redis"], indirect=True)
def test_a_cancelled_meeting_reaches_the_receiver_signed_once(
    local_app: Flask, broker_url: str, task_queue: str, start_worker, receiver: Receiver
) -> None:
    start_worker(**WORKER_ENV)
    with local_app.app_context():
        event = create_event()
        endpoint_id, secret = register(event, receiver.url, ["meeting.cancelled"])
        kept, cancelled = published_meeting(event, 0), published_meeting(event, 1)
        db.session.commit()
        cancellations.cancel_meeting(kept, "no")
        db.session.rollback()  # a change rolled back sends nothing
        cancellations.cancel_meeting(db.session.get_one(Meeting, cancelled.id), "Vuelo cancelado")
        db.session.commit()
        meeting_id = cancelled.id
        [received] = receiver.wait_for(1)
        wait_until(lambda: all_delivered(endpoint_id, 1), 60, "the delivery marked delivered")
        wait_until(lambda: queue_drained(broker_url, task_queue), 60, "the queue")
        [row] = stored(endpoint_id)
    assert received.verify(secret)
    assert received.kind == "meeting.cancelled" and received.delivery == row.uuid
    assert received.json["data"]["id"] == meeting_id
    assert received.json["data"]["cancel_reason"] == "Vuelo cancelado"
    assert len(receiver.requests) == 1
    assert (row.attempts, row.last_status) == (1, 200) and row.last_response_ms is not None


@pytest.mark.parametrize("broker_url", ["redis"], indirect=True)
def test_a_receiver_that_fails_first_gets_it_again_and_the_attempts_are_kept(
    local_app: Flask, start_worker, receiver: Receiver
) -> None:
    receiver.statuses = [500, 503]
    start_worker(**WORKER_ENV)
    with local_app.app_context():
        event = create_event()
        endpoint_id, secret = register(event, receiver.url, ["request.created"])
        official, partner = create_participant(event), create_participant(event, "partner")
        requests.create_request(official, partner, "¿Nos vemos?")
        db.session.commit()
        received = receiver.wait_for(3)
        wait_until(lambda: all_delivered(endpoint_id, 1), 60, "the delivery marked delivered")
        [row] = stored(endpoint_id)
    assert [r.status for r in received] == [500, 503, 200]
    assert {r.delivery for r in received} == {row.uuid}  # one delivery, three attempts
    assert all(r.verify(secret) for r in received)
    assert (row.state, row.attempts, row.last_status, row.last_error) == ("delivered", 3, 200, "")


@pytest.mark.parametrize("broker_url", ["redis"], indirect=True)
def test_publishing_sends_each_meeting_and_the_schedule(
    local_app: Flask, start_worker, receiver: Receiver
) -> None:
    start_worker(**WORKER_ENV)
    with local_app.app_context():
        event = create_event(num_tables=4)
        endpoint_id, secret = register(event, receiver.url, ["meeting.booked",
                                                             "schedule.published"])  # fmt: skip
        drafts = {published_meeting(event, slot, status="draft").id for slot in range(12)}
        job = jobs.create_job("publish", event.id)
        db.session.commit()
        publish_event.delay(job.id, event.id)
        received = receiver.wait_for(13)
        wait_until(lambda: all_delivered(endpoint_id, 13), 60, "13 deliveries delivered")
    assert all(r.verify(secret) for r in received)
    booked = [r.json["data"] for r in received if r.kind == "meeting.booked"]
    assert sorted(m["id"] for m in booked) == sorted(drafts)
    assert {m["status"] for m in booked} == {"published"}
    [published] = [r.json["data"] for r in received if r.kind == "schedule.published"]
    assert published == {"meetings": 12}
    assert len({r.delivery for r in received}) == 13


@pytest.mark.parametrize("broker_url", ["redis"], indirect=True)
def test_deliveries_lost_with_the_broker_go_out_after_the_sweep(
    local_app: Flask, start_worker, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    start_worker(**WORKER_ENV)
    with local_app.app_context():
        event = create_event()
        endpoint_id, secret = register(event, receiver.url, ["meeting.moved"])
        db.session.commit()
        with monkeypatch.context() as broken:  # the broker is down at the commit
            broken.setattr("matchmaker.background._publish", _broker_down)
            webhooks.notify(event.id, "meeting.moved", {"id": 1})
            db.session.commit()
        assert [row.state for row in stored(endpoint_id)] == ["pending"]
        assert periodic.send_due_webhooks.run() == {"endpoints": []}  # its task may come yet
        db.session.execute(sa.update(WebhookDelivery)
                           .values(next_attempt_at=utcnow() - timedelta(minutes=3)))  # fmt: skip
        db.session.commit()
        assert periodic.send_due_webhooks.run() == {"endpoints": [endpoint_id]}
        [received] = receiver.wait_for(1)
        wait_until(lambda: all_delivered(endpoint_id, 1), 60, "the delivery marked delivered")
    assert received.verify(secret) and received.json["data"] == {"id": 1}


def _broker_down(_task: object) -> None:
    raise ConnectionError("broker unreachable")


# The task in-process -----------------------------------------------------------------------


def test_a_crash_mid_batch_sends_again_only_the_delivery_in_flight(
    app: Flask, receiver: Receiver, tasks: Tasks
) -> None:
    app.config["WEBHOOKS_ALLOW_PRIVATE"] = True
    with app.app_context():
        event = create_event()
        endpoint_id, _secret = register(event, receiver.url)
        endpoint = db.session.get_one(WebhookEndpoint, endpoint_id)
        ids = [webhooks.send_test(endpoint).id for _ in range(3)]
        db.session.commit()
        in_flight = webhook_delivery.claim(ids[1])  # sent by a worker that then died
        db.session.commit()
        assert in_flight is not None
        deliver_webhooks.run(endpoint_id)  # the task again: the others go, that one waits
        assert sorted(r.delivery for r in receiver.requests) == sorted(
            d.uuid for d in stored(endpoint_id) if d.id != ids[1])  # fmt: skip
        deliver_webhooks.run(endpoint_id)  # and again: nothing delivered goes twice
        assert len(receiver.requests) == 2
        db.session.execute(sa.update(WebhookDelivery).where(WebhookDelivery.id == ids[1])
                           .values(next_attempt_at=utcnow()))  # its claim lapsed  # fmt: skip
        db.session.commit()
        deliver_webhooks.run(endpoint_id)
        assert receiver.requests[-1].delivery == in_flight.uuid
        assert [(d.state, d.attempts) for d in stored(endpoint_id)] == [
            ("delivered", 1), ("delivered", 2), ("delivered", 1)]  # fmt: skip


def test_a_task_sends_a_batch_and_queues_the_next(
    app: Flask, receiver: Receiver, tasks: Tasks, monkeypatch: pytest.MonkeyPatch
) -> None:
    app.config["WEBHOOKS_ALLOW_PRIVATE"] = True
    monkeypatch.setattr(webhook_delivery, "BATCH", 2)
    with app.app_context():
        event = create_event()
        endpoint_id, _secret = register(event, receiver.url, ["meeting.booked"])
        meetings = [published_meeting(event, slot) for slot in range(3)]
        webhooks.notify_meetings(event.id, "meeting.booked", meetings)
        db.session.commit()
        assert tasks["deliver_webhooks"].calls == [(endpoint_id,)]
        deliver_webhooks.run(endpoint_id)
        assert len(receiver.requests) == 2
        assert tasks["deliver_webhooks"].calls == [(endpoint_id,), (endpoint_id,)]
        deliver_webhooks.run(endpoint_id)
        assert len(receiver.requests) == 3 and all_delivered(endpoint_id, 3)
        assert len(tasks["deliver_webhooks"].calls) == 2  # nothing left: no next batch


def test_a_failing_receiver_holds_the_rest_of_the_batch(
    app: Flask, receiver: Receiver, tasks: Tasks
) -> None:
    app.config["WEBHOOKS_ALLOW_PRIVATE"] = True
    receiver.statuses = [500]
    with app.app_context():
        event = create_event()
        endpoint_id, _secret = register(event, receiver.url)
        endpoint = db.session.get_one(WebhookEndpoint, endpoint_id)
        for _ in range(3):
            webhooks.send_test(endpoint)
        db.session.commit()
        deliver_webhooks.run(endpoint_id)
        assert len(receiver.requests) == 1  # the others wait for the retry
        assert webhook_delivery.list_due(endpoint_id) == []
        assert tasks.sent[-1].countdown == app.config["WEBHOOKS_RETRY_SECONDS"]
        rows = stored(endpoint_id)
        assert [(r.state, r.attempts, r.last_status) for r in rows] == [
            ("pending", 1, 500), ("pending", 0, None), ("pending", 0, None)]  # fmt: skip
        assert len({r.next_attempt_at for r in rows}) == 1
