"""Webhooks in the services: where they may go, what each piece of news writes and queues,
one attempt over real HTTP to a local receiver, and what its outcome does to the row."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from matchmaker.extensions import db
from matchmaker.models import AuditEntry, Meeting, WebhookDelivery, WebhookEndpoint
from matchmaker.orm import as_utc, utcnow
from matchmaker.services import cancellations, requests, scheduling, webhook_delivery, webhooks
from matchmaker.services.webhook_delivery import UnsafeUrl, check_url
from matchmaker.services.webhooks import EndpointRejected
from tests.factories import create_event, create_participant
from tests.web.task_recorder import Tasks
from tests.webhook_receiver import Receiver

PUBLIC = "https://93.184.216.34/hooks"  # an address on the internet: no DNS needed


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    started = Receiver().start()
    yield started
    started.stop()


@pytest.fixture
def local(app: Flask) -> Flask:
    """Webhooks may go to this machine (the receiver)."""
    app.config["WEBHOOKS_ALLOW_PRIVATE"] = True
    return app


def endpoint_for(event, url: str = PUBLIC, kinds=webhooks.EVENT_KINDS, **kw) -> WebhookEndpoint:  # type: ignore[no-untyped-def]
    return webhooks.create_endpoint(event, url, kinds, actor=None, **kw)


def deliveries() -> list[WebhookDelivery]:
    query = db.select(WebhookDelivery).order_by(WebhookDelivery.id)
    return list(db.session.execute(query).scalars())


def published_meeting(event, slot: int = 0, table: int = 0) -> Meeting:  # type: ignore[no-untyped-def]
    meeting = Meeting(event_id=event.id, government_id=create_participant(event).id,
                      partner_id=create_participant(event, "partner").id, slot_index=slot,
                      table_number=table, status="published")  # fmt: skip
    db.session.add(meeting)
    db.session.flush()
    return meeting


# Where webhooks may go ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("http://127.0.0.1/hooks", "private"),
        ("http://127.0.0.1:8080/hooks", "private"),
        ("https://10.1.2.3/hooks", "private"),
        ("http://192.168.0.10/", "private"),
        ("http://169.254.169.254/latest/meta-data/", "private"),  # cloud metadata
        ("http://[::1]/hooks", "private"),
        ("http://[::ffff:127.0.0.1]/hooks", "private"),  # loopback inside IPv6
        ("http://[fe80::1]/hooks", "private"),
        ("http://0.0.0.0/hooks", "private"),
        ("http://224.0.0.1/hooks", "private"),
        ("http://localhost:9000/hooks", "private"),  # a name resolving to loopback
        ("ftp://93.184.216.34/hooks", "scheme"),
        ("file:///etc/passwd", "scheme"),
        ("https://user:pass@93.184.216.34/hooks", "credentials"),
        ("https:///hooks", "malformed"),
        ("https://93.184.216.34:99999/", "malformed"),
        ("https://93.184.216.34/a b", "malformed"),
        ("https://no-such-host.invalid/hooks", "unresolvable"),
    ],
)
def test_only_public_http_addresses_are_accepted(url: str, code: str) -> None:
    with pytest.raises(UnsafeUrl) as refused:
        check_url(url)
    assert refused.value.code == code


def test_private_addresses_are_accepted_when_the_setting_allows_them() -> None:
    for url in ("http://127.0.0.1:8080/hooks", "http://[::1]/x", "http://localhost/x",
                "http://10.0.0.5/x", "http://169.254.169.254/"):  # fmt: skip
        assert check_url(url, allow_private=True).addresses
    target = check_url(PUBLIC + "?a=1")
    assert (target.scheme, target.host, target.port, target.path) == (
        "https", "93.184.216.34", 443, "/hooks?a=1")  # fmt: skip
    with pytest.raises(UnsafeUrl):
        check_url("ftp://127.0.0.1/", allow_private=True)  # the scheme still matters


def test_registration_refuses_a_private_address_and_says_which_field(app_ctx: Flask) -> None:
    event = create_event()
    with pytest.raises(EndpointRejected) as refused:
        endpoint_for(event, "http://127.0.0.1:5000/hooks")
    assert (refused.value.field, refused.value.code) == ("url", "private")
    with pytest.raises(EndpointRejected) as refused:
        endpoint_for(event, kinds=[])
    assert refused.value.field == "kinds"
    with pytest.raises(EndpointRejected):
        endpoint_for(event, kinds=["meeting.booked", "meeting.exploded"])
    app_ctx.config["WEBHOOKS_ALLOW_PRIVATE"] = True
    assert endpoint_for(event, "http://127.0.0.1:5000/hooks").id


def test_a_delivery_is_refused_at_sending_time_too(local: Flask, receiver: Receiver) -> None:
    """DNS or the setting may change after registration: each attempt checks again."""
    with local.app_context():
        endpoint = endpoint_for(create_event(), receiver.url)
        db.session.commit()
        local.config["WEBHOOKS_ALLOW_PRIVATE"] = False
        webhooks.send_test(endpoint)
        outgoing = webhook_delivery.claim(deliveries()[0].id)
        assert outgoing is not None
        outcome = webhook_delivery.post(outgoing, local.config)
    assert outcome.status is None and outcome.error == "refused: private"
    assert receiver.requests == []


# Endpoints ---------------------------------------------------------------------------------


def test_endpoints_get_a_secret_and_adding_and_removing_are_logged(app_ctx: Flask) -> None:
    event = create_event()
    first = endpoint_for(event, kinds=["meeting.moved", "meeting.booked", "meeting.booked"])
    second = endpoint_for(event, description="  CRM   de la  organización ")
    assert first.kinds == ["meeting.booked", "meeting.moved"]  # known order, once each
    assert second.description == "CRM de la organización"
    assert first.secret.startswith("whsec_") and len(first.secret) > 40
    assert first.secret != second.secret
    webhooks.delete_endpoint(first, actor=None)
    db.session.commit()
    assert webhooks.list_endpoints(event) == [second]
    entries = db.session.execute(db.select(AuditEntry).order_by(AuditEntry.id)).scalars().all()
    assert [e.action for e in entries] == ["webhook.added", "webhook.added", "webhook.removed"]
    assert all(first.secret not in repr(e.details) for e in entries)


# News --------------------------------------------------------------------------------------


def test_news_goes_to_each_active_endpoint_that_wants_it_after_the_commit(
    app_ctx: Flask, tasks: Tasks
) -> None:
    event, other = create_event(), create_event()
    wants = endpoint_for(event, kinds=["meeting.cancelled"])
    endpoint_for(event, kinds=["meeting.moved"])  # another kind
    endpoint_for(event, kinds=["meeting.cancelled"], active=False)
    endpoint_for(other, kinds=["meeting.cancelled"])  # another event
    meeting = published_meeting(event, slot=3, table=4)
    db.session.commit()
    assert cancellations.cancel_meeting(meeting, "Vuelo cancelado")
    assert tasks["deliver_webhooks"].calls == []  # not before the commit
    db.session.commit()
    assert tasks["deliver_webhooks"].calls == [(wants.id,)]
    [delivery] = deliveries()
    assert (delivery.endpoint_id, delivery.kind, delivery.state) == (
        wants.id, "meeting.cancelled", "pending")  # fmt: skip
    body = delivery.payload
    assert body["id"] == delivery.uuid and body["type"] == "meeting.cancelled"
    assert body["event_id"] == event.id and body["created_at"]
    data = body["data"]
    assert data["id"] == meeting.id and data["status"] == "cancelled"
    assert (data["slot"], data["table"], data["cancel_reason"]) == (3, 5, "Vuelo cancelado")
    assert data["start"] == event.calendar().slots[3].start.isoformat()
    assert data["government"] == {"id": meeting.government_id, "name": meeting.government.name,
                                  "organisation": meeting.government.organisation}  # fmt: skip


def test_a_rolled_back_change_sends_nothing(app_ctx: Flask, tasks: Tasks) -> None:
    event = create_event()
    endpoint_for(event)
    meeting = published_meeting(event)
    db.session.commit()
    cancellations.cancel_meeting(meeting, "")
    db.session.rollback()
    assert deliveries() == [] and tasks.sent == []


def test_a_draft_meeting_cancelled_or_moved_is_no_news(app_ctx: Flask, tasks: Tasks) -> None:
    event = create_event()
    endpoint_for(event)
    meeting = published_meeting(event)
    meeting.status = "draft"
    scheduling.move_meeting(meeting, 5)
    cancellations.cancel_meeting(meeting)
    db.session.commit()
    assert deliveries() == []


def test_a_published_meeting_moved_is_news_with_its_new_place(app_ctx: Flask, tasks: Tasks):
    event = create_event(num_tables=2)
    endpoint_for(event, kinds=["meeting.moved"])
    meeting = published_meeting(event, slot=0, table=1)
    scheduling.move_meeting(meeting, 4)
    db.session.commit()
    [moved] = deliveries()
    assert moved.kind == "meeting.moved"
    assert (moved.payload["data"]["slot"], moved.payload["data"]["table"]) == (4, 1)
    assert moved.payload["data"]["start"] == event.calendar().slots[4].start.isoformat()


def test_publishing_writes_all_its_news_in_one_insert_and_one_task_per_endpoint(
    app_ctx: Flask, tasks: Tasks
) -> None:
    event = create_event(num_tables=10)
    endpoints = [endpoint_for(event), endpoint_for(event, kinds=["schedule.published"])]
    for n in range(30):
        published_meeting(event, slot=n // 10, table=n % 10).status = "draft"
    db.session.commit()
    inserts: list[str] = []

    def count(conn, clause, *_args):  # type: ignore[no-untyped-def]
        if isinstance(clause, sa.Insert) and clause.table.name == "webhook_delivery":
            inserts.append(str(clause))

    sa.event.listen(db.engine, "before_execute", count)
    try:
        published = scheduling.publish_schedule(event)
        db.session.commit()
    finally:
        sa.event.remove(db.engine, "before_execute", count)
    assert len(published) == 30
    assert len(inserts) == 2  # one per kind, whatever the meetings and endpoints
    assert sorted(tasks["deliver_webhooks"].calls) == sorted((e.id,) for e in endpoints)
    kinds = [(d.endpoint_id, d.kind) for d in deliveries()]
    assert kinds.count((endpoints[0].id, "meeting.booked")) == 30
    assert {(e.id, "schedule.published") for e in endpoints} <= set(kinds)
    assert len(kinds) == 32
    assert len({d.uuid for d in deliveries()}) == 32
    assert deliveries()[-1].payload["data"] == {"meetings": 30}


def test_requests_are_news_when_made_and_answered(app_ctx: Flask, tasks: Tasks) -> None:
    event = create_event()
    endpoint = endpoint_for(event, kinds=["request.created", "request.answered"])
    official, partner = create_participant(event), create_participant(event, "partner")
    request = requests.create_request(official, partner, "¿Nos vemos?")
    requests.answer_request(request, partner, accept=True)
    db.session.commit()
    made, answered = deliveries()
    assert (made.kind, answered.kind) == ("request.created", "request.answered")
    assert made.payload["data"]["status"] == "pending"
    assert answered.payload["data"] | {"answered_at": None} == {
        "id": request.id, "event_id": event.id, "status": "accepted",
        "requester_id": official.id, "recipient_id": partner.id,
        "government_id": official.id, "partner_id": partner.id, "message": "¿Nos vemos?",
        "created_at": as_utc(request.created_at).isoformat(),
        "expires_at": as_utc(request.expires_at).isoformat(), "answered_at": None,
    }  # fmt: skip
    assert tasks["deliver_webhooks"].calls == [(endpoint.id,)]  # one task for both


# Attempts ----------------------------------------------------------------------------------


def test_an_attempt_is_signed_and_a_2xx_marks_it_delivered(local: Flask, receiver: Receiver):
    with local.app_context():
        endpoint = endpoint_for(create_event(), receiver.url)
        delivery = webhooks.send_test(endpoint)
        db.session.commit()
        outgoing = webhook_delivery.claim(delivery.id)
        assert webhook_delivery.claim(delivery.id) is None  # claimed: nobody else sends it
        db.session.commit()
        outcome = webhook_delivery.post(outgoing, local.config)
        assert outcome.ok and outcome.status == 200 and outcome.elapsed_ms >= 0
        assert webhook_delivery.record(outgoing, outcome) is None
        db.session.commit()
        [received] = receiver.requests
        assert received.verify(endpoint.secret)
        assert received.path == "/hooks" and received.kind == "ping"
        assert received.delivery == delivery.uuid == received.json["id"]
        assert received.json["data"] == {"endpoint_id": endpoint.id}
        assert received.headers["Content-Type"] == "application/json"
        db.session.refresh(delivery)
        assert (delivery.state, delivery.attempts, delivery.last_status) == ("delivered", 1, 200)
        assert delivery.next_attempt_at is None and delivery.delivered_at is not None


def test_failures_wait_longer_each_time_then_fail(local: Flask, receiver: Receiver,
                                                  tasks: Tasks) -> None:  # fmt: skip
    local.config.update(WEBHOOKS_MAX_ATTEMPTS=3, WEBHOOKS_RETRY_SECONDS=30,
                        WEBHOOKS_RETRY_MAX_SECONDS=45)  # fmt: skip
    receiver.statuses = [500, 302, 503]
    receiver.headers = {"Location": "http://10.0.0.1/"}  # a redirect is not followed
    with local.app_context():
        endpoint = endpoint_for(create_event(), receiver.url)
        delivery, waiting = webhooks.send_test(endpoint), webhooks.send_test(endpoint)
        db.session.commit()
        waits = []
        for _attempt in range(3):
            db.session.execute(sa.update(WebhookDelivery).values(next_attempt_at=utcnow()))
            outgoing = webhook_delivery.claim(delivery.id)
            outcome = webhook_delivery.post(outgoing, local.config)
            assert not outcome.ok
            waits.append(webhook_delivery.record(outgoing, outcome))
            db.session.commit()
            db.session.refresh(waiting)
            if waits[-1]:  # the endpoint's other delivery waits as long
                assert as_utc(waiting.next_attempt_at) >= utcnow() + timedelta(seconds=25)
        assert waits == [30.0, 45.0, None]  # 30 s, then 60 s capped at 45; then failed
        assert [r.status for r in receiver.requests] == [500, 302, 503]
        db.session.refresh(delivery)
        assert (delivery.state, delivery.attempts, delivery.last_status) == ("failed", 3, 503)
        assert delivery.last_error.startswith("HTTP 503") and delivery.next_attempt_at is None
        assert tasks["deliver_webhooks"].calls[-2:] == [(endpoint.id,), (endpoint.id,)]
        assert [t.countdown for t in tasks.sent[-2:]] == [30.0, 45.0]
        webhooks.resend(delivery)  # by hand: one more attempt
        db.session.commit()
        outgoing = webhook_delivery.claim(delivery.id)
        webhook_delivery.record(outgoing, webhook_delivery.post(outgoing, local.config))
        db.session.commit()
        db.session.refresh(delivery)
        assert (delivery.state, delivery.attempts) == ("delivered", 4)


def test_no_answer_in_time_is_a_timeout(local: Flask, receiver: Receiver) -> None:
    local.config["WEBHOOKS_TIMEOUT"] = 0.5
    receiver.hold = True
    with local.app_context():
        endpoint = endpoint_for(create_event(), receiver.url)
        outgoing = webhook_delivery.claim(webhooks.send_test(endpoint).id)
    outcome = webhook_delivery.post(outgoing, local.config)
    receiver.release()
    assert (outcome.status, outcome.error) == (None, "timeout")
    assert 400 <= outcome.elapsed_ms < 5000


def test_nobody_listening_is_a_failure_not_an_error(local: Flask) -> None:
    with local.app_context():
        endpoint = endpoint_for(create_event(), "http://127.0.0.1:9/hooks")  # discard: closed
        outgoing = webhook_delivery.claim(webhooks.send_test(endpoint).id)
    outcome = webhook_delivery.post(outgoing, local.config)
    assert outcome.status is None and "Connection" in outcome.error


def test_an_inactive_endpoint_keeps_its_deliveries_until_it_is_active_again(
    app_ctx: Flask, tasks: Tasks
) -> None:
    event = create_event()
    endpoint = endpoint_for(event)
    webhooks.send_test(endpoint)
    webhooks.update_endpoint(endpoint, ["meeting.booked"], "", False, actor=None)
    db.session.commit()
    assert webhook_delivery.list_due(endpoint.id) == []
    assert webhooks.notify_meetings(event.id, "meeting.booked", [published_meeting(event)]) == 0
    webhooks.update_endpoint(endpoint, ["meeting.booked"], "", True, actor=None)
    db.session.commit()
    assert len(webhook_delivery.list_due(endpoint.id)) == 1
    assert tasks["deliver_webhooks"].calls[-1] == (endpoint.id,)
    assert "webhook.changed" in db.session.execute(db.select(AuditEntry.action)).scalars().all()


def test_the_sweep_finds_deliveries_whose_task_was_lost(app_ctx: Flask) -> None:
    event = create_event()
    endpoint = endpoint_for(event)
    webhooks.send_test(endpoint)
    db.session.commit()
    grace = timedelta(minutes=2)
    assert webhook_delivery.list_endpoints_due(grace) == []  # its task may still come
    later = utcnow() + timedelta(minutes=3)
    assert webhook_delivery.list_endpoints_due(grace, now=later) == [endpoint.id]
    outgoing = webhook_delivery.claim(deliveries()[0].id)  # a worker took it...
    db.session.commit()
    assert outgoing is not None
    assert webhook_delivery.list_endpoints_due(grace, now=later) == []  # ...for a while
    much_later = later + timedelta(seconds=app_ctx.config["WEBHOOKS_TIMEOUT"] + 60)
    assert webhook_delivery.list_endpoints_due(grace, now=much_later) == [endpoint.id]


def test_backoff_doubles_up_to_its_cap() -> None:
    assert [webhook_delivery.backoff(n, 30, 3600) for n in range(1, 9)] == [
        30, 60, 120, 240, 480, 960, 1920, 3600]  # fmt: skip
