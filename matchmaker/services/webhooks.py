"""Webhooks: organisers register receivers for an event; the services say what happened with
``notify`` (or ``notify_meetings``), and workers deliver it (``webhook_delivery``).

A delivery is a row written in the caller's transaction, and the task that sends it is queued
for after the commit (``background.enqueue``): a change that is rolled back sends nothing,
and a task lost with the broker is queued again by the periodic sweep, since the rows say
what is due. One task per endpoint per transaction, however many deliveries it wrote (a
published schedule writes thousands, in one insert): each task sends a batch of its
endpoint's due deliveries and queues the next.

Every delivery's body::

    {"id": "<uuid, also in Matchmaker-Delivery>", "type": "meeting.booked",
     "created_at": "2027-03-10T15:00:00+00:00", "event_id": 1, "data": {...}}

``data`` is a meeting (``meetings_data``: id, event_id, status, slot, start, end, table
counted from 1, government and partner with id, name and organisation, interpreter, and
cancel_reason, null unless cancelled) for the meeting kinds; a request (``request_data``)
for the request kinds; ``{"meetings": n}`` for schedule.published; the counts of an import
(``ImportSummary.counts``) for participants.imported; ``{"endpoint_id": n}`` for a ping.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import Select

from matchmaker import background
from matchmaker.extensions import db
from matchmaker.models import (
    Event,
    Interpreter,
    Meeting,
    MeetingRequest,
    Participant,
    User,
    WebhookDelivery,
    WebhookEndpoint,
)
from matchmaker.models.webhooks import DeliveryState
from matchmaker.orm import as_utc, utcnow
from matchmaker.services import audit
from matchmaker.services.webhook_delivery import TASK, UnsafeUrl, check_url

#: What an endpoint may subscribe to.
EVENT_KINDS = (
    "meeting.booked",
    "meeting.cancelled",
    "meeting.moved",
    "request.created",
    "request.answered",
    "schedule.published",
    "participants.imported",
)
#: The test event an organiser sends by hand; every endpoint gets it, whatever its kinds.
PING = "ping"
DESCRIPTION_MAX = 200
#: How many deliveries the organiser's page shows per endpoint, newest first.
RECENT_DELIVERIES = 50


class EndpointRejected(ValueError):
    """Why an endpoint cannot be saved: ``field`` (url, kinds, description) and ``code``
    (for url, UnsafeUrl's codes; ``empty``, ``unknown`` or ``too-long`` otherwise)."""

    def __init__(self, field: str, code: str) -> None:
        super().__init__(f"{field}: {code}")
        self.field = field
        self.code = code


# Endpoints ---------------------------------------------------------------------------------


def new_secret() -> str:
    """A signing secret: 32 random bytes, marked so people can tell what it is."""
    return "whsec_" + secrets.token_urlsafe(32)


def clean_kinds(kinds: Iterable[str]) -> list[str]:
    """The kinds asked for, in EVENT_KINDS order (EndpointRejected if none or unknown)."""
    wanted = set(kinds)
    if not wanted:
        raise EndpointRejected("kinds", "empty")
    if wanted - set(EVENT_KINDS):
        raise EndpointRejected("kinds", "unknown")
    return [kind for kind in EVENT_KINDS if kind in wanted]


def _clean_description(description: str) -> str:
    text = " ".join(description.split())
    if len(text) > DESCRIPTION_MAX:
        raise EndpointRejected("description", "too-long")
    return text


def check_endpoint_url(url: str) -> str:
    """The URL, stripped, if webhooks may go there (EndpointRejected otherwise)."""
    url = url.strip()
    try:
        check_url(url, bool(current_app.config["WEBHOOKS_ALLOW_PRIVATE"]))
    except UnsafeUrl as unsafe:
        raise EndpointRejected("url", unsafe.code) from unsafe
    return url


def create_endpoint(
    event: Event, url: str, kinds: Iterable[str], description: str = "", *,
    actor: User | None, active: bool = True,
) -> WebhookEndpoint:  # fmt: skip
    """Register a receiver with a new secret; logged (never with the secret)."""
    endpoint = WebhookEndpoint(
        event_id=event.id, url=check_endpoint_url(url), kinds=clean_kinds(kinds),
        description=_clean_description(description), secret=new_secret(), active=active,
    )  # fmt: skip
    db.session.add(endpoint)
    db.session.flush()
    audit.record("webhook.added", actor=actor, event_id=event.id, target=endpoint,
                 url=endpoint.url, kinds=endpoint.kinds)  # fmt: skip
    return endpoint


def update_endpoint(
    endpoint: WebhookEndpoint, kinds: Iterable[str], description: str, active: bool, *,
    actor: User | None,
) -> None:  # fmt: skip
    """Change what an endpoint receives, or turn it off (its pending deliveries then wait)
    or on again (they go out)."""
    endpoint.kinds = clean_kinds(kinds)
    endpoint.description = _clean_description(description)
    reactivated = active and not endpoint.active
    endpoint.active = active
    db.session.flush()
    audit.record("webhook.changed", actor=actor, event_id=endpoint.event_id, target=endpoint,
                 url=endpoint.url, kinds=endpoint.kinds, active=active)  # fmt: skip
    if reactivated:
        queue_deliveries([endpoint.id])


def delete_endpoint(endpoint: WebhookEndpoint, *, actor: User | None) -> None:
    """Remove an endpoint and its deliveries; logged."""
    audit.record("webhook.removed", actor=actor, event_id=endpoint.event_id, target=endpoint,
                 url=endpoint.url)  # fmt: skip
    db.session.execute(db.delete(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id))
    db.session.delete(endpoint)
    db.session.flush()


def endpoints_query(event: Event) -> Select[Any]:
    return db.select(WebhookEndpoint).where(WebhookEndpoint.event_id == event.id)


def list_endpoints(event: Event) -> list[WebhookEndpoint]:
    query = endpoints_query(event).order_by(WebhookEndpoint.id)
    return list(db.session.execute(query).scalars())


def deliveries_query(endpoint: WebhookEndpoint, state: str | None = None) -> Select[Any]:
    """The endpoint's deliveries (in one state, if given)."""
    query = db.select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
    return query.where(WebhookDelivery.state == state) if state else query


def get_endpoint(event: Event, endpoint_id: int) -> WebhookEndpoint | None:
    """The event's endpoint with this id, else None."""
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    return endpoint if endpoint is not None and endpoint.event_id == event.id else None


def delivery_counts(endpoints: Sequence[WebhookEndpoint]) -> dict[int, dict[str, int]]:
    """For each endpoint: how many of its deliveries are in each state (every state listed)."""
    counts = {e.id: {state.value: 0 for state in DeliveryState} for e in endpoints}
    if counts:
        query = (
            db.select(WebhookDelivery.endpoint_id, WebhookDelivery.state, db.func.count())
            .where(WebhookDelivery.endpoint_id.in_(counts))
            .group_by(WebhookDelivery.endpoint_id, WebhookDelivery.state)
        )
        for endpoint_id, state, count in db.session.execute(query):
            counts[endpoint_id][state] = count
    return counts


def list_recent_deliveries(
    endpoint: WebhookEndpoint, limit: int = RECENT_DELIVERIES
) -> list[WebhookDelivery]:
    """The endpoint's latest deliveries, newest first."""
    query = deliveries_query(endpoint).order_by(WebhookDelivery.id.desc()).limit(limit)
    return list(db.session.execute(query).scalars())


def get_delivery(endpoint: WebhookEndpoint, delivery_id: int) -> WebhookDelivery | None:
    """The endpoint's delivery with this id, else None."""
    delivery = db.session.get(WebhookDelivery, delivery_id)
    return delivery if delivery is not None and delivery.endpoint_id == endpoint.id else None


def send_test(endpoint: WebhookEndpoint) -> WebhookDelivery:
    """A ping for the endpoint, sent after the commit whatever kinds it wants."""
    [key] = _insert([endpoint], endpoint.event_id, PING, [{"endpoint_id": endpoint.id}])
    query = db.select(WebhookDelivery).where(WebhookDelivery.uuid == key)
    return db.session.execute(query).scalar_one()


def resend(delivery: WebhookDelivery) -> None:
    """Send a delivery again now, as one more attempt (the same id: receivers that handled
    it already know it). A failed one that fails again stays failed."""
    delivery.state = DeliveryState.PENDING.value
    delivery.next_attempt_at = utcnow()
    delivery.delivered_at = None
    db.session.flush()
    queue_deliveries([delivery.endpoint_id])


# News --------------------------------------------------------------------------------------


def notify(event_id: int, kind: str, data: dict[str, Any]) -> None:
    """Queue a delivery of ``kind`` with ``data`` to every endpoint of the event that wants it
    (rows in this transaction; sent by a worker after the commit)."""
    notify_many(event_id, kind, [data])


def notify_many(event_id: int, kind: str, items: Sequence[dict[str, Any]]) -> int:
    """``notify`` for many pieces of news of one kind, in one insert; how many rows."""
    endpoints = subscribed(event_id, kind)
    return len(_insert(endpoints, event_id, kind, items)) if items else 0


def notify_meetings(event_id: int, kind: str, meetings: Sequence[Meeting]) -> int:
    """``notify`` for meetings (their data built only when an endpoint wants ``kind``)."""
    endpoints = subscribed(event_id, kind)
    if not endpoints or not meetings:
        return 0
    return len(_insert(endpoints, event_id, kind, meetings_data(event_id, meetings)))


def subscribed(event_id: int, kind: str) -> list[WebhookEndpoint]:
    """The event's active endpoints that want ``kind``."""
    if kind not in EVENT_KINDS:
        raise ValueError(f"unknown webhook kind {kind!r}")
    query = db.select(WebhookEndpoint).where(
        WebhookEndpoint.event_id == event_id, WebhookEndpoint.active.is_(True)
    )
    return [e for e in db.session.execute(query).scalars() if kind in e.kinds]


def _insert(endpoints: Sequence[WebhookEndpoint], event_id: int, kind: str,
            items: Sequence[dict[str, Any]]) -> list[str]:  # fmt: skip
    """One pending delivery per endpoint and item, in one insert; their uuids."""
    if not endpoints:
        return []
    now = utcnow()
    rows: list[dict[str, Any]] = []
    for endpoint in endpoints:
        for data in items:
            key = str(uuid.uuid4())
            payload = {"id": key, "type": kind, "created_at": now.isoformat(),
                       "event_id": event_id, "data": data}  # fmt: skip
            rows.append({"endpoint_id": endpoint.id, "kind": kind, "payload": payload,
                         "uuid": key, "state": DeliveryState.PENDING.value, "attempts": 0,
                         "next_attempt_at": now, "last_error": "", "created_at": now})  # fmt: skip
    db.session.execute(db.insert(WebhookDelivery), rows)
    queue_deliveries([e.id for e in endpoints])
    return [row["uuid"] for row in rows]


def queue_deliveries(endpoint_ids: Iterable[int]) -> None:
    """Queue each endpoint's task once per transaction: one run sends all its due deliveries
    (in batches), so a second task asked for by the same change would find nothing to do."""
    session = db.session()
    pending = session.info.get(background.PENDING, []) if session.in_transaction() else []
    queued = {task.args for task in pending if task.name == TASK and task.countdown is None}
    for endpoint_id in endpoint_ids:
        if (endpoint_id,) not in queued:
            background.enqueue(TASK, endpoint_id)
            queued.add((endpoint_id,))


# What a delivery says ----------------------------------------------------------------------


def meetings_data(event_id: int, meetings: Sequence[Meeting]) -> list[dict[str, Any]]:
    """Meetings as webhooks send them, with a few queries whatever their number."""
    event = db.session.get_one(Event, event_id)
    slots = event.slots()
    people = {
        row.id: {"id": row.id, "name": row.name, "organisation": row.organisation}
        for row in db.session.execute(
            db.select(Participant.id, Participant.name, Participant.organisation)
            .where(Participant.event_id == event_id)
        )
    }  # fmt: skip
    interpreters = {
        row.id: {"id": row.id, "name": row.name}
        for row in db.session.execute(
            db.select(Interpreter.id, Interpreter.name).where(Interpreter.event_id == event_id)
        )
    }
    data = []
    for meeting in meetings:
        slot = slots[meeting.slot_index] if 0 <= meeting.slot_index < len(slots) else None
        data.append({
            "id": meeting.id,
            "event_id": meeting.event_id,
            "status": meeting.status,
            "slot": meeting.slot_index,
            "start": slot.start.isoformat() if slot else None,
            "end": slot.end.isoformat() if slot else None,
            "table": meeting.table_number + 1,  # as people read it
            "government": people.get(meeting.government_id),
            "partner": people.get(meeting.partner_id),
            "interpreter": interpreters.get(meeting.interpreter_id or 0),
            "cancel_reason": meeting.cancel_reason if meeting.status == "cancelled" else None,
        })  # fmt: skip
    return data


def request_data(request: MeetingRequest) -> dict[str, Any]:
    """A meeting request as webhooks send it."""

    def moment(value: datetime | None) -> str | None:
        return as_utc(value).isoformat() if value is not None else None

    return {
        "id": request.id,
        "event_id": request.event_id,
        "status": request.status,
        "requester_id": request.requester_id,
        "recipient_id": request.recipient_id,
        "government_id": request.government_id,
        "partner_id": request.partner_id,
        "message": request.message,
        "created_at": moment(request.created_at),
        "expires_at": moment(request.expires_at),
        "answered_at": moment(request.answered_at),
    }
