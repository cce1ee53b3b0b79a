"""Webhooks (organisers' tokens): register receivers, read their deliveries, send one again.

What a receiver gets is described in the blueprint's description below (it is the spec's
tag text, so the documentation page shows it), and ``matchmaker.domain.webhook_signing``
holds the signature check receivers run. The same service and audit log as the organisers'
page (``matchmaker.services.webhooks``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

import marshmallow as ma
from flask import url_for
from flask_babel import gettext as _
from flask_smorest import abort

from matchmaker.api.core import api_blueprint, current_account, get_or_404, organiser_event
from matchmaker.api.pagination import PageArgs, page_schema, paged
from matchmaker.api.schemas import StrictSchema
from matchmaker.models import WebhookDelivery, WebhookEndpoint
from matchmaker.models.webhooks import DELIVERY_STATES
from matchmaker.organiser.webhook_words import describe_rejection
from matchmaker.orm import as_utc
from matchmaker.services import webhooks
from matchmaker.services.webhook_delivery import URL_MAX

DESCRIPTION = """\
Webhooks: the event's receivers, and what was sent to them (organisers' tokens).

Each piece of news is POSTed as JSON to every active endpoint that wants its kind
(meeting.booked, meeting.cancelled, meeting.moved, request.created, request.answered,
schedule.published, participants.imported; and a test "ping" sent on request):
`{"id": "<uuid>", "type": "<kind>", "created_at": "<ISO 8601>", "event_id": <id>,
"data": {...}}`. `data` is a meeting (id, event_id, status, slot, start, end, table
numbered from 1, government and partner with id, name and organisation, interpreter with id
and name or null, cancel_reason: null unless cancelled) for the meeting kinds; a request
(id, event_id, status, requester_id, recipient_id, government_id, partner_id, message,
created_at, expires_at, answered_at) for the request kinds; `{"meetings": n}` for
schedule.published; `{"created", "updated", "unchanged", "officials",
"partners"}` counts for participants.imported; `{"endpoint_id": n}` for ping.

Headers: `Matchmaker-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret,
"<t>.<raw body>")>` with the endpoint's secret, `Matchmaker-Delivery: <uuid>` (the same on
every attempt: handle each id once) and `Matchmaker-Event: <kind>`. Refuse a signature whose
timestamp is more than 5 minutes from your clock. Answer 2xx within 10 s; anything else is
retried with a growing wait (30 s, 1 min, 2 min...) up to 8 attempts. Only public http(s)
addresses are accepted."""

blp = api_blueprint("webhooks", __name__, DESCRIPTION)

EVENT_WEBHOOKS = "/events/<int:event_id>/webhooks"
ONE_WEBHOOK = EVENT_WEBHOOKS + "/<int:webhook_id>"
DELIVERIES = ONE_WEBHOOK + "/deliveries"
LOCATION = {"Location": {"description": "The new webhook's address.",
                         "schema": {"type": "string"}}}  # fmt: skip
STATES = [str(state) for state in DELIVERY_STATES]
KINDS = [*webhooks.EVENT_KINDS, webhooks.PING]


class UtcDateTime(ma.fields.AwareDateTime):
    """A stored moment with its offset (SQLite hands them back without one)."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        return super()._serialize(as_utc(value) if value is not None else None, attr, obj,
                                  **kwargs)  # fmt: skip


# Schemas -----------------------------------------------------------------------------------


class WebhookSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    event_id = ma.fields.Integer(required=True)
    url = ma.fields.String(required=True)
    kinds = ma.fields.List(ma.fields.String(validate=ma.validate.OneOf(webhooks.EVENT_KINDS)),
                           required=True)  # fmt: skip
    description = ma.fields.String(required=True)
    active = ma.fields.Boolean(required=True)
    secret = ma.fields.String(required=True, metadata={
        "description": "signs every delivery (Matchmaker-Signature): keep it secret"})  # fmt: skip
    created_at = UtcDateTime(required=True)


WebhookPage = page_schema(WebhookSchema, "WebhookPage")


class NewWebhookSchema(StrictSchema):
    url = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=URL_MAX),
                           metadata={"description": "a public http(s) address"})  # fmt: skip
    kinds = ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf(webhooks.EVENT_KINDS)),
        required=True,
        validate=ma.validate.Length(min=1, max=len(webhooks.EVENT_KINDS)),
    )
    description = ma.fields.String(
        load_default="", validate=ma.validate.Length(max=webhooks.DESCRIPTION_MAX)
    )
    active = ma.fields.Boolean(load_default=True)


class DeliverySchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    uuid = ma.fields.String(required=True, metadata={
        "description": "sent as Matchmaker-Delivery, and as the body's id"})  # fmt: skip
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(KINDS))
    state = ma.fields.String(required=True, validate=ma.validate.OneOf(STATES))
    attempts = ma.fields.Integer(required=True)
    next_attempt_at = UtcDateTime(required=True, allow_none=True, metadata={
        "description": "when a pending delivery is tried (again); null once done"})  # fmt: skip
    last_status = ma.fields.Integer(required=True, allow_none=True, metadata={
        "description": "the receiver's last status code; null: no answer"})  # fmt: skip
    last_response_ms = ma.fields.Integer(required=True, allow_none=True)
    last_error = ma.fields.String(required=True)
    created_at = UtcDateTime(required=True)
    delivered_at = UtcDateTime(required=True, allow_none=True)
    payload = ma.fields.Dict(required=True, metadata={"description": "the body as sent"})


DeliveryPage = page_schema(DeliverySchema, "WebhookDeliveryPage")


class DeliveryArgs(PageArgs):
    state = ma.fields.String(validate=ma.validate.OneOf(STATES))


# Views -------------------------------------------------------------------------------------


def organisers_first(view: Callable[..., Any]) -> Callable[..., Any]:
    """Who may call, and whether the webhook and delivery are the event's, are answered
    before the body is read: 403 or 404 first, not 422."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        _owned(kwargs["event_id"], kwargs.get("webhook_id"), kwargs.get("delivery_id"))
        return view(*args, **kwargs)

    return wrapped


def _owned(event_id: int, webhook_id: int | None = None,
           delivery_id: int | None = None) -> tuple[Any, Any, Any]:  # fmt: skip
    event = organiser_event(event_id)
    endpoint = (get_or_404(WebhookEndpoint, webhook_id, event=event)
                if webhook_id is not None else None)  # fmt: skip
    delivery = None
    if endpoint is not None and delivery_id is not None:
        delivery = get_or_404(WebhookDelivery, delivery_id)
        if delivery.endpoint_id != endpoint.id:
            abort(404)
    return event, endpoint, delivery


@blp.route(EVENT_WEBHOOKS)
@organisers_first
@blp.arguments(PageArgs, location="query")
@blp.response(200, WebhookPage)
@blp.problems(403, 404)
def list_webhooks(args: dict[str, Any], event_id: int) -> dict[str, Any]:
    """The event's webhooks, in the order they were added."""
    event, _endpoint, _delivery = _owned(event_id)
    query = webhooks.endpoints_query(event)
    return paged(query, WebhookEndpoint.id, args)


@blp.route(EVENT_WEBHOOKS, methods=["POST"])
@organisers_first
@blp.arguments(NewWebhookSchema)
@blp.response(201, WebhookSchema, headers=LOCATION)
@blp.problems(403, 404)
@blp.idempotent
def create_webhook(values: dict[str, Any], event_id: int) -> Any:
    """Register a receiver: its secret comes back in the answer (and in every read)."""
    event, _endpoint, _delivery = _owned(event_id)
    try:
        endpoint = webhooks.create_endpoint(event, values["url"], values["kinds"],
                                            values["description"], actor=current_account(),
                                            active=values["active"])  # fmt: skip
    except webhooks.EndpointRejected as rejected:
        abort(422, errors=[{"pointer": f"#/{rejected.field}",
                            "detail": describe_rejection(rejected)}])  # fmt: skip
    location = url_for(".get_webhook", event_id=event.id, webhook_id=endpoint.id)
    return endpoint, 201, {"Location": location}


@blp.route(ONE_WEBHOOK)
@organisers_first
@blp.etag
@blp.response(200, WebhookSchema)
@blp.problems(403, 404)
def get_webhook(event_id: int, webhook_id: int) -> WebhookEndpoint:
    """One webhook."""
    return _owned(event_id, webhook_id)[1]


@blp.route(ONE_WEBHOOK, methods=["DELETE"])
@organisers_first
@blp.response(204)
@blp.problems(403, 404)
def delete_webhook(event_id: int, webhook_id: int) -> None:
    """Remove a webhook and its deliveries (those pending are never sent)."""
    webhooks.delete_endpoint(_owned(event_id, webhook_id)[1], actor=current_account())


@blp.route(DELIVERIES)
@organisers_first
@blp.arguments(DeliveryArgs, location="query")
@blp.response(200, DeliveryPage)
@blp.problems(403, 404)
def list_deliveries(args: dict[str, Any], event_id: int, webhook_id: int) -> dict[str, Any]:
    """The webhook's deliveries, oldest first, with each one's latest attempt."""
    endpoint = _owned(event_id, webhook_id)[1]
    return paged(webhooks.deliveries_query(endpoint, args.get("state")), WebhookDelivery.id,
                 args)  # fmt: skip


@blp.route(DELIVERIES + "/<int:delivery_id>/resend", methods=["POST"])
@organisers_first
@blp.response(200, DeliverySchema)
@blp.problems(403, 404, 409)
def resend_delivery(event_id: int, webhook_id: int, delivery_id: int) -> WebhookDelivery:
    """Send a delivery again, as one more attempt, with the same id (whatever its state)."""
    _event, endpoint, delivery = _owned(event_id, webhook_id, delivery_id)
    if not endpoint.active:
        abort(409, message=_("Este webhook está desactivado: actívalo para volver a enviar."))
    webhooks.resend(delivery)
    return delivery
