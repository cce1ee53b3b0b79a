"""Events (read): the calendar a client needs to read slots and meeting times."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from matchmaker.api.core import api_blueprint, current_account, visible_event
from matchmaker.api.pagination import PageArgs, page_schema, paged
from matchmaker.extensions import db
from matchmaker.models import Event
from matchmaker.services.matching import recompute_is_due

blp = api_blueprint("events", __name__, "Events and their calendars (read only).")


class BreakSchema(ma.Schema):
    start = ma.fields.String(required=True, metadata={"example": "11:00"})
    end = ma.fields.String(required=True, metadata={"example": "11:20"})
    label = ma.fields.String()


class SlotSchema(ma.Schema):
    index = ma.fields.Integer(required=True)
    start = ma.fields.AwareDateTime(required=True)
    end = ma.fields.AwareDateTime(required=True)


class EventSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    venue = ma.fields.String(required=True)
    time_zone = ma.fields.String(required=True, metadata={"example": "America/Mexico_City"})
    days = ma.fields.List(ma.fields.String(), required=True,
                          metadata={"description": "ISO dates of the meeting days"})  # fmt: skip
    day_start = ma.fields.String(required=True)
    day_end = ma.fields.String(required=True)
    slot_minutes = ma.fields.Integer(required=True)
    breaks = ma.fields.List(ma.fields.Nested(BreakSchema), required=True)
    num_tables = ma.fields.Integer(required=True)
    default_max_meetings = ma.fields.Integer(required=True)
    request_expiry_hours = ma.fields.Integer(required=True)
    slots = ma.fields.List(ma.fields.Nested(SlotSchema), required=True)
    suggestions_up_to_date = ma.fields.Boolean(
        required=True,
        metadata={
            "description": "false while a worker ranks the pairs again after profiles "
            "changed (e.g. after an import): wait for true before reading suggestions"
        },
    )
    suggestions_computed_at = ma.fields.AwareDateTime(required=True, allow_none=True)

    @ma.pre_dump
    def with_slots(self, event: Event, **_kwargs: Any) -> dict[str, Any]:
        values = {name: getattr(event, name) for name in self.fields if name not in DERIVED}
        slots = event.slots()
        values["suggestions_up_to_date"] = not recompute_is_due(event)
        return {**values, "slots": [{"index": s.index, "start": s.start, "end": s.end}
                                    for s in slots]}  # fmt: skip


#: Fields that are not columns of the event.
DERIVED = ("slots", "suggestions_up_to_date")
EventPage = page_schema(EventSchema, "EventPage")


@blp.route("/events")
@blp.arguments(PageArgs, location="query")
@blp.response(200, EventPage)
@blp.problems()
def list_events(args: dict[str, Any]) -> dict[str, Any]:
    """The events this token may see: every event for organisers, one's own for participants."""
    query = db.select(Event)
    account = current_account()
    if not account.is_organiser:
        own = account.participant.event_id if account.participant else 0
        query = query.where(Event.id == own)
    return paged(query, Event.id, args)


@blp.route("/events/<int:event_id>")
@blp.etag
@blp.response(200, EventSchema)
@blp.problems(404)
def get_event(event_id: int) -> Event:
    """One event with its slots (times in ISO 8601 with the event's offset)."""
    return visible_event(event_id)
