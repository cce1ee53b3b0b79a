"""The transparency register as JSON: the rows of the organisers' CSV download.

One row per meeting between an official and a partner that both sides were told of (held,
missed or still to come) or that was called off: when, who on each side, the themes, the
status and the outcome, as lobbying-transparency registers publish them. Like the CSV, it is
for organisers, who decide what to publish; codes stand where the CSV has words.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from matchmaker.api.core import api_blueprint, organiser_event
from matchmaker.api.meetings import organiser_only
from matchmaker.api.pagination import PageArgs, page_schema, paged
from matchmaker.domain.vocabulary import ORGANISATION_TYPES, THEMES
from matchmaker.models import Meeting
from matchmaker.models.meeting import ON_RECORD
from matchmaker.services import exports
from matchmaker.services.live import event_slots

blp = api_blueprint("register", __name__, "The transparency register (organisers).")

TYPES = sorted({code for codes in ORGANISATION_TYPES.values() for code in codes})


class OfficialSchema(ma.Schema):
    name = ma.fields.String(required=True)
    role_title = ma.fields.String(required=True)
    organisation = ma.fields.String(required=True, metadata={"description": "the institution"})
    country = ma.fields.String(required=True, metadata={"description": "ISO 3166-1 alpha-2"})


class PartnerSchema(ma.Schema):
    name = ma.fields.String(required=True, metadata={"description": "the representative"})
    organisation = ma.fields.String(required=True)
    organisation_type = ma.fields.String(required=True, validate=ma.validate.OneOf(TYPES))


class RegisterRowSchema(ma.Schema):
    id = ma.fields.Integer(required=True, metadata={"description": "the meeting's id"})
    date = ma.fields.Date(required=True, allow_none=True)
    start = ma.fields.AwareDateTime(required=True, allow_none=True)
    end = ma.fields.AwareDateTime(required=True, allow_none=True)
    time_zone = ma.fields.String(required=True, metadata={"example": "America/Mexico_City"})
    government = ma.fields.Nested(OfficialSchema, required=True)
    partner = ma.fields.Nested(PartnerSchema, required=True)
    themes = ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf(list(THEMES))),
        required=True,
        metadata={"description": "the themes both declared (the official's if none is shared)"},
    )
    status = ma.fields.String(
        required=True, validate=ma.validate.OneOf([str(status) for status in ON_RECORD])
    )
    outcome = ma.fields.String(required=True)


RegisterPage = page_schema(RegisterRowSchema, "RegisterPage")


@blp.route("/events/<int:event_id>/register")
@organiser_only
@blp.arguments(PageArgs, location="query")
@blp.response(200, RegisterPage)
@blp.problems(403, 404)
def list_register(args: dict[str, Any], event_id: int) -> dict[str, Any]:
    """The event's transparency register, a page at a time (in meeting id order)."""
    event = organiser_event(event_id)
    slots = event_slots(event)
    page = paged(exports.meetings_query(event, ON_RECORD), Meeting.id, args)
    rows = []
    for meeting in page["items"]:
        government, partner = meeting.government, meeting.partner
        slot = slots[meeting.slot_index] if 0 <= meeting.slot_index < len(slots) else None
        rows.append({
            "id": meeting.id,
            "date": slot.start.date() if slot else None,
            "start": slot.start if slot else None, "end": slot.end if slot else None,
            "time_zone": event.time_zone,
            "government": {"name": government.name, "role_title": government.role_title,
                           "organisation": government.organisation,
                           "country": government.country},
            "partner": {"name": partner.name, "organisation": partner.organisation,
                        "organisation_type": partner.organisation_type},
            "themes": exports.meeting_themes(government, partner),
            "status": meeting.status, "outcome": meeting.outcome,
        })  # fmt: skip
    return {**page, "items": rows}
