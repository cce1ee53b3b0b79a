"""A participant's side: their suggestions page, and meeting requests (officials) and
partnership proposals (partners): ask, see, accept, decline, withdraw.

The rules are the web's (``participant/views_requests.py``) through the same service
(``services.requests``): officials ask partners and partners ask officials of their event, one
open request per pair, none once the event is over; only the recipient answers and only the
requester withdraws; someone else's request does not exist. As on the web, each change has
the suggestions recomputed and, for a new request or an answer, the other side told by mail.
"""

from __future__ import annotations

from typing import Any, NoReturn

import marshmallow as ma
from flask import url_for
from flask_smorest import abort
from marshmallow.validate import OneOf
from sqlalchemy.exc import IntegrityError

from matchmaker.api.core import api_blueprint, require_participant
from matchmaker.api.schemas import StrictSchema
from matchmaker.api.suggestions import (
    STRENGTHS,
    SuggestionPersonSchema,
    SuggestionReasonsSchema,
    doc,
    id_field,
    person,
    reasons_data,
    text_field,
)
from matchmaker.domain.vocabulary import THEMES
from matchmaker.extensions import db
from matchmaker.models import MeetingRequest, Participant
from matchmaker.models.matching import REQUEST_STATUSES
from matchmaker.orm import as_utc
from matchmaker.participant import enqueue_request_notices
from matchmaker.participant.views_requests import REFUSALS
from matchmaker.services import interest_marks
from matchmaker.services import requests as service
from matchmaker.services.matching import request_recompute
from matchmaker.services.suggestions import counterpart, participant_suggestions, stored_strength

blp = api_blueprint(
    "requests", __name__,
    "A participant's own suggestions, and their meeting requests and partnership proposals.",
)  # fmt: skip

#: Refusals that are about the state of things (409); anything else is the recipient (422).
CONFLICTS = ("pending", "accepted", "expired", "answered", "event-over")


# Schemas -----------------------------------------------------------------------------------


class MySuggestionSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    status = ma.fields.String(required=True, validate=OneOf(("suggested", "approved")))
    strength = ma.fields.String(required=True, allow_none=True, validate=OneOf(STRENGTHS))
    counterpart = ma.fields.Nested(SuggestionPersonSchema, required=True)
    reasons = ma.fields.Nested(SuggestionReasonsSchema, required=True)
    request_state = ma.fields.String(required=True, allow_none=True,
                                     validate=OneOf(("sent", "received", "accepted")),
                                     metadata=doc("your live requests with them"))  # fmt: skip
    mark = ma.fields.String(required=True, allow_none=True,
                            validate=OneOf(("must-meet", "not-interested")),
                            metadata=doc("your own mark on them"))  # fmt: skip


class MySuggestionsSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(MySuggestionSchema), required=True)
    weak_left_out = ma.fields.Integer(required=True, metadata=doc(
        "weak pairs not listed: a short list of real fits reads better"))  # fmt: skip


class MySuggestionArgs(ma.Schema):
    theme = ma.fields.String(validate=OneOf(list(THEMES)),
                             metadata=doc("only counterparts working on it"))  # fmt: skip


class MeetingRequestSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    direction = ma.fields.String(required=True, validate=OneOf(("incoming", "outgoing")))
    requester = ma.fields.Nested(SuggestionPersonSchema, required=True)
    recipient = ma.fields.Nested(SuggestionPersonSchema, required=True)
    message = ma.fields.String(required=True)
    status = ma.fields.String(required=True, validate=OneOf(REQUEST_STATUSES), metadata=doc(
        "as people see it: a pending request past its expiry is expired"))  # fmt: skip
    created_at = ma.fields.AwareDateTime(required=True)
    expires_at = ma.fields.AwareDateTime(required=True, allow_none=True)
    answered_at = ma.fields.AwareDateTime(required=True, allow_none=True)


class MyRequestsSchema(ma.Schema):
    incoming = ma.fields.List(ma.fields.Nested(MeetingRequestSchema), required=True)
    outgoing = ma.fields.List(ma.fields.Nested(MeetingRequestSchema), required=True)


class NewRequestSchema(StrictSchema):
    recipient_id = id_field(required=True, metadata=doc("a partner for officials, an official for "
                                                   "partners, of your event"))  # fmt: skip
    message = text_field(service.MESSAGE_MAX, load_default="")


# Suggestions -------------------------------------------------------------------------------


@blp.route("/me/suggestions")
@blp.arguments(MySuggestionArgs, location="query")
@blp.response(200, MySuggestionsSchema)
@blp.problems(403, 422)
def my_suggestions(args: dict[str, Any]) -> dict[str, Any]:
    """Your suggestions page: best first, weak pairs left out unless approved or asked for,
    with your requests and your mark on each counterpart."""
    participant = require_participant()
    listed = participant_suggestions(participant, args.get("theme"))
    others = [counterpart(s, participant) for s in listed.shown]
    states = service.request_states(participant)
    marks = interest_marks.marks_of(participant, [other.id for other in others])
    items = []
    for suggestion, other in zip(listed.shown, others, strict=True):
        strength = stored_strength(suggestion)
        items.append({
            "id": suggestion.id, "status": suggestion.status,
            "strength": strength.value if strength else None,
            "counterpart": person(other), "reasons": reasons_data(suggestion),
            "request_state": states.get(other.id), "mark": marks.get(other.id),
        })  # fmt: skip
    return {"items": items, "weak_left_out": listed.weak_left_out}


# Requests ----------------------------------------------------------------------------------


def request_data(request: MeetingRequest, participant: Participant) -> dict[str, Any]:
    """A request as ``MeetingRequestSchema`` dumps it, seen by ``participant``."""
    return {
        "id": request.id,
        "direction": "incoming" if request.recipient_id == participant.id else "outgoing",
        "requester": person(request.requester), "recipient": person(request.recipient),
        "message": request.message, "status": service.effective_status(request),
        "created_at": as_utc(request.created_at),
        "expires_at": as_utc(request.expires_at) if request.expires_at else None,
        "answered_at": as_utc(request.answered_at) if request.answered_at else None,
    }  # fmt: skip


def _refuse(error: service.RequestError) -> NoReturn:
    """The service's refusal as a problem: a conflict with what exists, or a bad recipient."""
    detail = str(REFUSALS.get(error.code, REFUSALS["not-allowed"]))
    if error.code in CONFLICTS:
        abort(409, message=detail)
    abort(422, message=detail, errors=[{"pointer": "#/recipient_id", "detail": detail}])


def _own_request(request_id: int) -> tuple[Participant, MeetingRequest]:
    """The participant and their request (sent or received), else 404."""
    participant = require_participant()
    found = service.get_request_for(participant, request_id)
    if found is None:
        abort(404)
    return participant, found


@blp.route("/me/requests")
@blp.response(200, MyRequestsSchema)
@blp.problems(403)
def list_requests() -> dict[str, Any]:
    """Requests you received and sent, newest first, each with its status as you see it."""
    participant = require_participant()
    return {
        "incoming": [request_data(r, participant) for r in service.list_incoming(participant)],
        "outgoing": [request_data(r, participant) for r in service.list_outgoing(participant)],
    }


@blp.route("/me/requests/<int:request_id>")
@blp.response(200, MeetingRequestSchema)
@blp.problems(403, 404)
def get_request(request_id: int) -> dict[str, Any]:
    """One of your requests, sent or received."""
    participant, found = _own_request(request_id)
    return request_data(found, participant)


@blp.route("/me/requests", methods=["POST"])
@blp.arguments(NewRequestSchema)
@blp.response(201, MeetingRequestSchema)
@blp.problems(400, 403, 409, 422)
@blp.idempotent
def create_request(body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Ask to meet someone of the other side: 409 when a request between you is open or was
    accepted, or the event is over; 422 for someone you cannot ask (a blocked pair too)."""
    participant = require_participant()
    recipient = db.session.get(Participant, body["recipient_id"])
    if recipient is None or not service.can_address(participant, recipient):
        _refuse(service.RequestError("not-allowed"))
    assert recipient is not None  # for the type checker: refused above

    def create() -> MeetingRequest:
        return service.create_request(participant, recipient, body["message"])

    try:
        try:
            made = create()
        except IntegrityError:  # another call opened one for the pair first: now "pending"
            db.session.rollback()
            made = create()
    except service.RequestError as error:
        _refuse(error)
    request_recompute(participant.event)
    enqueue_request_notices()
    location = url_for("requests.get_request", request_id=made.id)
    return request_data(made, participant), {"Location": location}


def _answer(request_id: int, accept: bool) -> dict[str, Any]:
    participant, found = _own_request(request_id)
    if found.recipient_id != participant.id:
        abort(404)  # only the recipient answers; the requester may withdraw instead
    try:
        service.answer_request(found, participant, accept)
    except service.RequestError as error:
        _refuse(error)
    request_recompute(participant.event)
    enqueue_request_notices()
    return request_data(found, participant)


@blp.route("/me/requests/<int:request_id>/accept", methods=["POST"])
@blp.response(200, MeetingRequestSchema)
@blp.problems(403, 404, 409)
def accept_request(request_id: int) -> dict[str, Any]:
    """Accept a pending request you received (409 once answered or expired); the organisers
    then approve the pair and it is scheduled."""
    return _answer(request_id, accept=True)


@blp.route("/me/requests/<int:request_id>/decline", methods=["POST"])
@blp.response(200, MeetingRequestSchema)
@blp.problems(403, 404, 409)
def decline_request(request_id: int) -> dict[str, Any]:
    """Decline a pending request you received (409 once answered or expired)."""
    return _answer(request_id, accept=False)


@blp.route("/me/requests/<int:request_id>/withdraw", methods=["POST"])
@blp.response(200, MeetingRequestSchema)
@blp.problems(403, 404, 409)
def withdraw_request(request_id: int) -> dict[str, Any]:
    """Take back a request you sent while nobody has answered it (409 afterwards)."""
    participant, found = _own_request(request_id)
    if found.requester_id != participant.id:
        abort(404)
    try:
        service.withdraw_request(found, participant)
    except service.RequestError as error:
        _refuse(error)
    request_recompute(participant.event)
    return request_data(found, participant)
