"""Meetings: the organisers' list, cancel and move; a participant's own agenda.

Slots are the indexes of the event's ``slots`` (``GET /events/{id}``); tables are numbered
from 1, as the venue's signs, the agendas and the mails number them. Cancelling and moving go
through the services the organisers' pages use, with the same log entries and mails.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import wraps
from typing import Any, TypeVar

import marshmallow as ma
from flask_babel import gettext as _
from flask_smorest import abort
from sqlalchemy import false, or_
from sqlalchemy.exc import IntegrityError

from matchmaker.api.core import (
    api_blueprint,
    current_account,
    get_or_404,
    organiser_event,
    require_organiser,
    require_participant,
)
from matchmaker.api.pagination import PageArgs, page_schema, paged
from matchmaker.api.schemas import StrictSchema
from matchmaker.domain.calendar import Slot
from matchmaker.extensions import db
from matchmaker.ids import MAX_ID
from matchmaker.models import Event, Meeting, Participant
from matchmaker.models.meeting import MEETING_PEOPLE, MEETING_STATUSES, MOVABLE, MeetingStatus
from matchmaker.orm import as_utc
from matchmaker.services import cancellations, live, scheduling
from matchmaker.services.agendas import agenda_meetings
from matchmaker.services.interpreters import is_unstaffed
from matchmaker.services.live import event_slots

blp = api_blueprint("meetings", __name__, "Meetings: list, cancel and move them (organisers); "
                                          "one's own agenda (participants).")  # fmt: skip
F = TypeVar("F", bound=Callable[..., Any])
STATUSES = [str(status) for status in MEETING_STATUSES]


def organiser_only(view: F) -> F:
    """Refuses participants' tokens (403) before the request's arguments are read: who may
    call is answered before what was sent."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        require_organiser()
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


# Schemas -----------------------------------------------------------------------------------


class PersonSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    organisation = ma.fields.String(required=True)


class InterpreterSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)


class WhenSchema(ma.Schema):
    """Where and when a meeting is: its slot, that slot's times, its table."""

    slot = ma.fields.Integer(
        required=True,
        metadata={"description": "index into the event's slots (GET /events/{event_id})"},
    )
    start = ma.fields.AwareDateTime(
        required=True,
        allow_none=True,
        metadata={
            "description": "on the event's clock; null if the calendar no longer has the slot"
        },
    )
    end = ma.fields.AwareDateTime(required=True, allow_none=True)
    table = ma.fields.Integer(required=True, metadata={
        "description": "numbered from 1, as at the venue"})  # fmt: skip


class MeetingSchema(WhenSchema):
    id = ma.fields.Integer(required=True)
    event_id = ma.fields.Integer(required=True)
    status = ma.fields.String(required=True, validate=ma.validate.OneOf(STATUSES))
    government = ma.fields.Nested(PersonSchema, required=True)
    partner = ma.fields.Nested(PersonSchema, required=True)
    interpreter = ma.fields.Nested(InterpreterSchema, required=True, allow_none=True)
    needs_interpreter = ma.fields.Boolean(required=True, metadata={
        "description": "the pair shares no language and no interpreter is booked"})  # fmt: skip
    cancel_reason = ma.fields.String(required=True, allow_none=True, metadata={
        "description": "null unless cancelled (empty when no reason was given)"})  # fmt: skip
    cancelled_by = ma.fields.String(
        required=True, allow_none=True,
        validate=ma.validate.OneOf(["organisers", "government", "partner"]),
        metadata={"description": "who called it off; null unless cancelled"},
    )  # fmt: skip
    government_checked_in_at = ma.fields.AwareDateTime(required=True, allow_none=True)
    partner_checked_in_at = ma.fields.AwareDateTime(required=True, allow_none=True)
    outcome = ma.fields.String(required=True)
    updated_at = ma.fields.AwareDateTime(required=True)


MeetingPage = page_schema(MeetingSchema, "MeetingPage")


class MeetingListArgs(PageArgs):
    participant_id = ma.fields.Integer(validate=ma.validate.Range(min=1, max=MAX_ID), metadata={
        "description": "meetings of this participant (either side)"})  # fmt: skip
    day = ma.fields.Date(metadata={"description": "meetings on this date (ISO 8601)"})
    status = ma.fields.String(validate=ma.validate.OneOf(STATUSES))
    slot = ma.fields.Integer(validate=ma.validate.Range(min=0, max=MAX_ID))


class CancelSchema(StrictSchema):
    reason = ma.fields.String(
        load_default="",
        validate=ma.validate.Length(max=cancellations.MAX_REASON),
        metadata={"description": "told to both sides, if they knew"},
    )


class MoveSchema(StrictSchema):
    slot = ma.fields.Integer(required=True, strict=True,
                             validate=ma.validate.Range(min=0, max=MAX_ID))  # fmt: skip
    table = ma.fields.Integer(load_default=None, allow_none=True, strict=True,
                              validate=ma.validate.Range(min=1, max=MAX_ID),
                              metadata={"description": "from 1; the first open one if "
                                                       "left out"})  # fmt: skip


class FreeSlotSchema(ma.Schema):
    index = ma.fields.Integer(required=True)
    start = ma.fields.AwareDateTime(required=True)
    end = ma.fields.AwareDateTime(required=True)


class FreeSlotsSchema(ma.Schema):
    slots = ma.fields.List(ma.fields.Nested(FreeSlotSchema), required=True)


class CounterpartSchema(PersonSchema):
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(["government", "partner"]))
    role_title = ma.fields.String(required=True)


class AgendaItemSchema(WhenSchema):
    id = ma.fields.Integer(required=True)
    status = ma.fields.String(required=True, validate=ma.validate.OneOf(STATUSES))
    counterpart = ma.fields.Nested(CounterpartSchema, required=True)
    interpreter = ma.fields.Nested(InterpreterSchema, required=True, allow_none=True)
    outcome = ma.fields.String(required=True)
    cancel_reason = ma.fields.String(required=True, allow_none=True)
    checked_in = ma.fields.Boolean(required=True, metadata={
        "description": "whether you checked in at the table"})  # fmt: skip


class AgendaSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(AgendaItemSchema), required=True,
                           metadata={"description": "in time order"})  # fmt: skip


# What a meeting looks like -----------------------------------------------------------------


def _when(meeting: Meeting, slots: Sequence[Slot]) -> dict[str, Any]:
    slot = slots[meeting.slot_index] if 0 <= meeting.slot_index < len(slots) else None
    return {"slot": meeting.slot_index, "table": meeting.table_number + 1,
            "start": slot.start if slot else None, "end": slot.end if slot else None}  # fmt: skip


def _person(person: Participant) -> dict[str, Any]:
    return {"id": person.id, "name": person.name, "organisation": person.organisation}


def _interpreter(meeting: Meeting) -> dict[str, Any] | None:
    interpreter = meeting.interpreter
    return {"id": interpreter.id, "name": interpreter.name} if interpreter else None


def _moment(value: Any) -> Any:
    return as_utc(value) if value is not None else None


def meeting_data(meeting: Meeting, slots: Sequence[Slot]) -> dict[str, Any]:
    """The meeting as the API shows it to organisers."""
    cancelled = meeting.status == MeetingStatus.CANCELLED
    by = None
    if cancelled:
        by = {None: "organisers", meeting.government_id: "government",
              meeting.partner_id: "partner"}.get(meeting.cancelled_by_id, "organisers")  # fmt: skip
    return {
        "id": meeting.id, "event_id": meeting.event_id, "status": meeting.status,
        **_when(meeting, slots),
        "government": _person(meeting.government), "partner": _person(meeting.partner),
        "interpreter": _interpreter(meeting), "needs_interpreter": is_unstaffed(meeting),
        "cancel_reason": meeting.cancel_reason if cancelled else None, "cancelled_by": by,
        "government_checked_in_at": _moment(meeting.government_checked_in_at),
        "partner_checked_in_at": _moment(meeting.partner_checked_in_at),
        "outcome": meeting.outcome, "updated_at": _moment(meeting.updated_at),
    }  # fmt: skip


def _event_meeting(event_id: int, meeting_id: int) -> tuple[Event, Meeting]:
    event = organiser_event(event_id)
    return event, get_or_404(Meeting, meeting_id, event=event)


# Organisers --------------------------------------------------------------------------------


@blp.route("/events/<int:event_id>/meetings")
@organiser_only
@blp.arguments(MeetingListArgs, location="query")
@blp.response(200, MeetingPage)
@blp.problems(403, 404)
def list_meetings(args: dict[str, Any], event_id: int) -> dict[str, Any]:
    """The event's meetings of every status, in id order, filtered as asked."""
    event = organiser_event(event_id)
    slots = event_slots(event)
    query = db.select(Meeting).where(Meeting.event_id == event.id).options(*MEETING_PEOPLE)
    if args.get("participant_id") is not None:
        who = args["participant_id"]
        query = query.where(or_(Meeting.government_id == who, Meeting.partner_id == who))
    if args.get("status") is not None:
        query = query.where(Meeting.status == args["status"])
    if args.get("slot") is not None:
        query = query.where(Meeting.slot_index == args["slot"])
    if args.get("day") is not None:
        on_day = [slot.index for slot in slots if slot.start.date() == args["day"]]
        query = query.where(Meeting.slot_index.in_(on_day) if on_day else false())
    page = paged(query, Meeting.id, args)
    return {**page, "items": [meeting_data(m, slots) for m in page["items"]]}


@blp.route("/events/<int:event_id>/meetings/<int:meeting_id>")
@blp.etag
@blp.response(200, MeetingSchema)
@blp.problems(403, 404)
def get_meeting(event_id: int, meeting_id: int) -> dict[str, Any]:
    """One meeting (with an ETag)."""
    event, meeting = _event_meeting(event_id, meeting_id)
    return meeting_data(meeting, event_slots(event))


@blp.route("/events/<int:event_id>/meetings/<int:meeting_id>/cancel", methods=["POST"])
@organiser_only
@blp.arguments(CancelSchema, required=False)
@blp.response(200, MeetingSchema)
@blp.problems(403, 404, 409)
def cancel_meeting(args: dict[str, Any], event_id: int, meeting_id: int) -> dict[str, Any]:
    """Call a meeting off.

    Its slot and table are free at once, and both sides are mailed if it had been published
    (as from the schedule page). 409 if it is already cancelled or took place.
    """
    event, meeting = _event_meeting(event_id, meeting_id)
    if meeting.status not in MOVABLE:
        abort(409, message=_("Esta reunión ya está cancelada o ya tuvo lugar: no se puede "
                             "cancelar."))  # fmt: skip
    cancellations.cancel_by_organiser(meeting, args["reason"], current_account())
    return meeting_data(meeting, event_slots(event))


@blp.route("/events/<int:event_id>/meetings/<int:meeting_id>/free-slots")
@blp.response(200, FreeSlotsSchema)
@blp.problems(403, 404)
def free_slots(event_id: int, meeting_id: int) -> dict[str, Any]:
    """The slots a meeting could move to.

    Those where both sides are present and free and a table is open: nobody else moves.
    """
    event, meeting = _event_meeting(event_id, meeting_id)
    slots = event_slots(event)
    free = scheduling.free_slots_for(meeting) if meeting.status in MOVABLE else []
    return {"slots": [{"index": slots[i].index, "start": slots[i].start, "end": slots[i].end}
                      for i in free]}  # fmt: skip


@blp.route("/events/<int:event_id>/meetings/<int:meeting_id>/move", methods=["POST"])
@organiser_only
@blp.arguments(MoveSchema)
@blp.response(200, MeetingSchema)
@blp.problems(403, 404, 409)
def move_meeting(args: dict[str, Any], event_id: int, meeting_id: int) -> dict[str, Any]:
    """Move a meeting to another slot.

    To a slot where both sides are free (see free-slots), at the given table or the first
    open one; nobody else moves. A published meeting's invitation is sent again with the new
    time. 409 when the slot or the table is not free.
    """
    event, meeting = _event_meeting(event_id, meeting_id)
    slot, table = args["slot"], args["table"]
    slots = event_slots(event)
    if slot >= len(slots):
        abort(422, errors=[{"pointer": "#/slot", "detail": _no_such_slot(len(slots))}])
    if table is not None and table > event.num_tables:
        abort(422, errors=[{"pointer": "#/table", "detail": _(
            "El evento no tiene esa mesa: sus mesas van de la 1 a la %(last)d.",
            last=event.num_tables)}])  # fmt: skip
    if meeting.status not in MOVABLE:
        abort(409, message=_("Solo se puede mover una reunión que no se ha cancelado ni ha "
                             "tenido lugar."))  # fmt: skip
    if slot not in scheduling.free_slots_for(meeting):
        abort(409, message=_("Ese turno no está libre para las dos partes o no queda mesa: "
                             "elige uno de sus turnos libres (free-slots)."))  # fmt: skip
    try:
        scheduling.move_by_organiser(meeting, slot, current_account(),
                                     table - 1 if table is not None else None)  # fmt: skip
    except scheduling.SlotTaken:
        abort(409, message=_("Esa mesa ya está ocupada en ese turno: elige otra o deja que "
                             "se asigne la primera libre."))  # fmt: skip
    except IntegrityError:  # another booking took the slot or table since we looked
        db.session.rollback()
        abort(409, message=_("Otra solicitud cambió esto al mismo tiempo. Vuelve a leerlo e "
                             "inténtalo de nuevo."))  # fmt: skip
    return meeting_data(meeting, slots)


def _no_such_slot(count: int) -> str:
    if not count:
        return _("El evento aún no tiene turnos.")
    return _("El evento no tiene ese turno: sus turnos van del 0 al %(last)d.", last=count - 1)


# Participants ------------------------------------------------------------------------------


@blp.route("/me/agenda")
@blp.response(200, AgendaSchema)
@blp.problems(403)
def my_agenda() -> dict[str, Any]:
    """Your agenda.

    What your agenda page shows: your published meetings (and those held or missed), and
    those one side called off, in time order.
    """
    participant = require_participant()
    slots = event_slots(participant.event)
    items = []
    for meeting in agenda_meetings(participant):
        other = meeting.partner if participant.is_government else meeting.government
        side = live.side_of(meeting, participant) or "government"
        cancelled = meeting.status == MeetingStatus.CANCELLED
        items.append({
            "id": meeting.id, "status": meeting.status, **_when(meeting, slots),
            "counterpart": {**_person(other), "kind": other.kind, "role_title": other.role_title},
            "interpreter": _interpreter(meeting), "outcome": meeting.outcome,
            "cancel_reason": meeting.cancel_reason if cancelled else None,
            "checked_in": live.checked_in_at(meeting, side) is not None,
        })  # fmt: skip
    return {"items": items}
