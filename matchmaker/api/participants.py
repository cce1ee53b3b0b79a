"""Participants (organisers' tokens): the list, one participant, add, change, remove, import.

Every change goes through the services the organisers' pages use, so a participant the API
adds, changes or imports passes exactly the checks an imported file's row does (the domain's
``parse_record``/``parse_records`` and the import's rules against the stored event), and the
audit log records it as it does for the web. A refused change answers 422 with a pointer to
each field at fault (``#/email``; ``#/57/email`` for the 58th item of an import).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC
from functools import wraps
from typing import Any, NoReturn

import marshmallow as ma
from flask import current_app, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_smorest import abort
from sqlalchemy.exc import IntegrityError

from matchmaker import background
from matchmaker.api.core import api_blueprint, current_account, get_or_404, organiser_event
from matchmaker.api.pagination import PageArgs, page_schema, paged
from matchmaker.api.schemas import StrictSchema
from matchmaker.domain.import_errors import ImportRejected, RowError
from matchmaker.domain.importing import COUNTRY_CODES, MAX_LENGTHS, MAX_MEETINGS, MAX_SLOTS
from matchmaker.domain.vocabulary import (
    KINDS,
    LANGUAGE_CODES,
    LANGUAGES,
    ORGANISATION_TYPES,
    THEMES,
)
from matchmaker.extensions import db
from matchmaker.models import Event, Participant
from matchmaker.organiser.import_errors import describe
from matchmaker.orm import as_utc
from matchmaker.services import participant_admin, participants
from matchmaker.services.cancellations import MAX_REASON
from matchmaker.services.participant_admin import ParticipantFilters

blp = api_blueprint("participants", __name__,
                    "The event's participants: list, read, add, change, remove and import "
                    "(organisers' tokens).")  # fmt: skip

#: The file's columns by their names here: the file's ``id`` is ``external_id``.
FIELD_OF_COLUMN = {"id": "external_id"}
COLUMN_OF_FIELD = {field: column for column, field in FIELD_OF_COLUMN.items()}
ALL_ORGANISATION_TYPES = tuple(t for kind in KINDS for t in ORGANISATION_TYPES[kind])


# Schemas -----------------------------------------------------------------------------------


def _text(column: str, description: str, **kwargs: Any) -> ma.fields.String:
    limit = MAX_LENGTHS.get(column)
    # Documented, not enforced here: a blank value gets the import's own message.
    metadata = {"description": description, "minLength": 1}
    metadata |= {"maxLength": limit} if limit else {}
    metadata |= {"format": "email"} if column == "email" else {}
    return ma.fields.String(metadata=metadata, **kwargs)


def _codes(values: Iterable[str], description: str, **kwargs: Any) -> ma.fields.List:
    item = ma.fields.String(validate=ma.validate.OneOf(sorted(values)))
    return ma.fields.List(item, metadata={"description": description, "minItems": 1}, **kwargs)


def _person_fields(required: bool) -> dict[str, ma.fields.Field]:
    """The fields a client sends: the participants file's columns, typed."""
    must = {"required": True} if required else {}
    return {
        "external_id": _text("id", "The organisers' own id (the file's id column): unique "
                                   "in the event; an import updates the participant with it.",
                             **must),
        "kind": ma.fields.String(validate=ma.validate.OneOf(KINDS), **must,
                                 metadata={"description": "Never changes once given."}),
        "name": _text("name", "Full name.", **must),
        "organisation": _text("organisation", "Organisation.", **must),
        "organisation_type": ma.fields.String(
            validate=ma.validate.OneOf(ALL_ORGANISATION_TYPES), **must,
            metadata={"description": "government: " + ", ".join(ORGANISATION_TYPES["government"])
                      + "; partner: " + ", ".join(ORGANISATION_TYPES["partner"])}),
        "role_title": _text("role_title", "Position.", **must),
        "email": _text("email", "Unique in the event.", **must),
        "country": ma.fields.String(validate=ma.validate.OneOf(sorted(COUNTRY_CODES)), **must,
                                    metadata={"description": "ISO 3166-1 alpha-2, e.g. MX"}),
        "city": _text("city", "City.", **must),
        "languages": _codes(LANGUAGE_CODES, "ISO 639-1 codes, at least one.", **must),
        "themes": _codes(THEMES, "Theme codes, at least one.", **must),
        "description": _text("description", "The challenge (government) or the offering "
                                             "(partner), in any language.", **must),
        "unavailable": ma.fields.List(
            ma.fields.Integer(strict=True, validate=ma.validate.Range(0, MAX_SLOTS - 1)),
            metadata={"description": "Indexes of the event's slots the participant cannot "
                                     "attend (see the event's slots)."}),
        "max_meetings": ma.fields.Integer(
            strict=True, allow_none=True, validate=ma.validate.Range(0, MAX_MEETINGS),
            metadata={"description": "The participant's cap; null: the event's default."}),
    }  # fmt: skip


#: A new participant (every column of the file but the optional ones is required).
ParticipantCreateSchema = type("ParticipantCreate", (StrictSchema,), _person_fields(True))
#: Changes to a participant: only the fields sent change.
ParticipantPatchSchema = type("ParticipantPatch", (StrictSchema,), _person_fields(False))


class ParticipantSchema(ma.Schema):
    id = ma.fields.Integer(required=True, metadata={"description": "The API's id."})
    external_id = ma.fields.String(required=True)
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(KINDS))
    name = ma.fields.String(required=True)
    organisation = ma.fields.String(required=True)
    organisation_type = ma.fields.String(
        required=True, validate=ma.validate.OneOf(ALL_ORGANISATION_TYPES)
    )
    role_title = ma.fields.String(required=True)
    email = ma.fields.String(required=True)
    country = ma.fields.String(required=True)
    city = ma.fields.String(required=True)
    languages = ma.fields.List(ma.fields.String(), required=True)
    themes = ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf(list(THEMES))), required=True
    )
    description = ma.fields.String(required=True)
    unavailable = ma.fields.List(ma.fields.Integer(), required=True)
    max_meetings = ma.fields.Integer(required=True, allow_none=True)
    updated_at = ma.fields.AwareDateTime(required=True)

    @ma.pre_dump
    def in_utc(self, participant: Participant, **_kwargs: Any) -> dict[str, Any]:
        values = {name: getattr(participant, name) for name in self.fields}
        # SQLite hands back naive UTC, PostgreSQL the session's zone: always UTC here, so
        # that the same row always dumps (and hashes into an ETag) the same.
        return values | {"updated_at": as_utc(participant.updated_at).astimezone(UTC)}


class ParticipantArgs(PageArgs):
    kind = ma.fields.String(validate=ma.validate.OneOf(KINDS))
    theme = ma.fields.String(validate=ma.validate.OneOf(list(THEMES)))
    language = ma.fields.String(validate=ma.validate.OneOf(LANGUAGES))
    updated_since = ma.fields.AwareDateTime(
        metadata={"description": "Only participants changed at or after this moment."},
        error_messages={"invalid_awareness": _l("Indica la zona horaria (p. ej. "
                                                "2027-03-10T09:00:00-06:00).")},
    )  # fmt: skip


class RemovalArgs(ma.Schema):
    reason = ma.fields.String(load_default="", validate=ma.validate.Length(max=MAX_REASON),
                              metadata={"description": "Told to the other side of each "
                                                       "cancelled meeting."})  # fmt: skip
    force = ma.fields.Boolean(load_default=False,
                              metadata={"description": "Remove even though cancellation "
                                                       "notices are still going out."})  # fmt: skip


class RemovalStartedSchema(ma.Schema):
    cancelled = ma.fields.Integer(
        required=True, metadata={"description": "Published meetings cancelled."}
    )
    detail = ma.fields.String(required=True)


class ImportedSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    external_id = ma.fields.String(required=True)


class ImportSummarySchema(ma.Schema):
    created = ma.fields.Integer(required=True)
    updated = ma.fields.Integer(required=True)
    unchanged = ma.fields.Integer(required=True)
    officials = ma.fields.Integer(required=True, metadata={"description": "Officials given."})
    partners = ma.fields.Integer(required=True, metadata={"description": "Partners given."})
    participants = ma.fields.List(ma.fields.Nested(ImportedSchema), required=True,
                                  metadata={"description": "In the order given."})  # fmt: skip


ParticipantPage = page_schema(ParticipantSchema, "ParticipantPage")


# Views -------------------------------------------------------------------------------------

EVENT_PARTICIPANTS = "/events/<int:event_id>/participants"
ONE_PARTICIPANT = EVENT_PARTICIPANTS + "/<int:participant_id>"
LOCATION = {"Location": {"description": "The new participant's address.",
                         "schema": {"type": "string"}}}  # fmt: skip


def organisers_first(view: Callable[..., Any]) -> Callable[..., Any]:
    """Who may call, and whether the participant is the event's, are answered before
    If-Match and the body are looked at: 403 or 404 first, not 428 or 422."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        event = organiser_event(kwargs["event_id"])
        if "participant_id" in kwargs:
            get_or_404(Participant, kwargs["participant_id"], event=event)
        return view(*args, **kwargs)

    return wrapped


@blp.route(EVENT_PARTICIPANTS)
@organisers_first
@blp.arguments(ParticipantArgs, location="query")
@blp.response(200, ParticipantPage)
@blp.problems(403, 404)
def list_participants(args: dict[str, Any], event_id: int) -> dict[str, Any]:
    """The event's participants in pages, filtered in the database."""
    filters = ParticipantFilters(kind=args.get("kind", ""), theme=args.get("theme", ""),
                                 language=args.get("language", ""),
                                 updated_since=args.get("updated_since"))  # fmt: skip
    query = participant_admin.filtered_participants(organiser_event(event_id), filters)
    return paged(query, Participant.id, args)


@blp.route(ONE_PARTICIPANT)
@organisers_first
@blp.etag
@blp.response(200, ParticipantSchema)
@blp.problems(403, 404)
def get_participant(event_id: int, participant_id: int) -> Participant:
    """One participant, with an ETag to send back in If-Match when changing them."""
    return get_or_404(Participant, participant_id, event=organiser_event(event_id))


@blp.route(EVENT_PARTICIPANTS, methods=["POST"])
@organisers_first
@blp.arguments(ParticipantCreateSchema)
@blp.response(201, ParticipantSchema, headers=LOCATION)
@blp.problems(400, 403, 404, 409)
@blp.idempotent
def create_participant(values: dict[str, Any], event_id: int) -> Any:
    """Add a participant, checked as a row of the participants file is."""
    event = organiser_event(event_id)
    participant = _save(event, None, columns(values))
    location = url_for(".get_participant", event_id=event.id, participant_id=participant.id)
    return participant, 201, {"Location": location}


@blp.route(ONE_PARTICIPANT, methods=["PATCH"])
@organisers_first
@blp.etag
@blp.arguments(ParticipantPatchSchema)
@blp.response(200, ParticipantSchema)
@blp.problems(400, 403, 404, 409)
def update_participant(values: dict[str, Any], event_id: int, participant_id: int) -> Any:
    """Change the fields sent (If-Match: the participant's ETag); the result is checked as a
    row of the participants file is. The kind never changes."""
    event = organiser_event(event_id)
    participant = get_or_404(Participant, participant_id, event=event)
    blp.check_etag(participant, ParticipantSchema)
    return _save(event, participant, participant_admin.columns_of(participant) | columns(values))


@blp.route(ONE_PARTICIPANT, methods=["DELETE"])
@organisers_first
@blp.etag
@blp.arguments(RemovalArgs, location="query")
@blp.response(204)
@blp.alt_response(202, schema=RemovalStartedSchema,
                  description="Published meetings cancelled, notices going out: call again "
                              "to remove the participant once they have gone.")  # fmt: skip
@blp.problems(403, 404, 409)
def delete_participant(args: dict[str, Any], event_id: int, participant_id: int) -> Any:
    """Remove a participant with their account, meetings, requests and suggestions (If-Match).

    As on the organisers' page: when mail is on, their published meetings are cancelled first
    and both sides are mailed (202); the participant goes on a later call, once the notices
    have gone out (409 until then, unless ``force``)."""
    event = organiser_event(event_id)
    participant = get_or_404(Participant, participant_id, event=event)
    blp.check_etag(participant, ParticipantSchema)
    actor = current_account()
    if current_app.config["SMTP_URL"]:
        cancelled = participant_admin.cancel_published(participant, args["reason"], actor)
        if cancelled:
            return {"cancelled": cancelled, "detail": _(
                "Se cancelaron sus reuniones publicadas y se avisa por correo a las dos partes. "
                "Cuando salgan los avisos, vuelve a pedir la eliminación.")}, 202  # fmt: skip
        if participant_admin.notices_pending(participant) and not args["force"]:
            abort(409, message=_("Aún no han salido todos los avisos de cancelación: vuelve a "
                                 "pedir la eliminación más tarde (o con force=true)."))  # fmt: skip
    participant_admin.remove_participant(participant, args["reason"], actor)
    background.enqueue("recompute_event_stats", event.id)
    return None


@blp.route(EVENT_PARTICIPANTS + "/import", methods=["POST"])
@organisers_first
@blp.arguments(ParticipantCreateSchema(many=True))
@blp.response(200, ImportSummarySchema)
@blp.problems(400, 403, 404, 409)
@blp.idempotent
def import_participants(items: list[dict[str, Any]], event_id: int) -> dict[str, Any]:
    """Import a list of participants as the participants file is imported: all or nothing
    (one bad item and nothing is written; each bad field is pointed at, ``#/57/email``), and
    an item whose ``external_id`` the event knows updates that participant."""
    event = organiser_event(event_id)
    try:
        summary = participants.import_columns(event, [columns(item) for item in items])
    except ImportRejected as rejected:
        abort(422, message=_("No se importó nada: corrige los elementos señalados."),
              errors=[{"pointer": _pointer(e, str(e.line)), "detail": _reason(e)}
                      for e in rejected.errors])  # fmt: skip
    except IntegrityError:
        _conflict()
    participants.record_import(event, summary, current_account(), "(API)")
    return summary.counts() | {"participants": summary.participants}


# Helpers -----------------------------------------------------------------------------------


def columns(values: Mapping[str, Any]) -> dict[str, str]:
    """A client's fields as the participants file's columns, each as a cell holds it. Lists
    are joined by ";" as a cell's are: the schema let through only codes and numbers, which
    hold no ";", so nothing is split that was one item."""
    cells = {}
    for name, value in values.items():
        column = COLUMN_OF_FIELD.get(name, name)
        if isinstance(value, list):
            cells[column] = ";".join(str(item) for item in value)
        else:
            cells[column] = "" if value is None else str(value)
    return cells


def _save(event: Event, participant: Participant | None, values: Mapping[str, str]) -> Participant:
    try:
        saved, changed = participant_admin.save_participant(event, participant, values,
                                                            current_account())  # fmt: skip
    except ImportRejected as rejected:
        abort(422, message=_("No se guardó nada: corrige los campos señalados."),
              errors=[{"pointer": _pointer(e), "detail": _reason(e)}
                      for e in rejected.errors])  # fmt: skip
    except IntegrityError:
        _conflict()
    if changed:
        background.enqueue("recompute_event_stats", event.id)
    return saved


def _conflict() -> NoReturn:
    """Another call took the id or email between the checks and the write (the unique
    constraints caught it): a conflict, as when that happens at the commit."""
    db.session.rollback()
    abort(409, message=_("Otra solicitud cambió esto al mismo tiempo. Vuelve a leerlo e "
                         "inténtalo de nuevo."))  # fmt: skip


def _pointer(error: RowError, *at: str) -> str:
    """Where in the body the error is: the item (``at``), then the field."""
    if error.code == "no_participants":
        return "#"  # the whole list
    field = FIELD_OF_COLUMN.get(error.column, error.column)
    return "/".join(("#", *at, *([field] if field else [])))


def _reason(error: RowError) -> str:
    """Why, in the reader's language; the file's words where they fit a JSON body too."""
    params = dict(error.params)
    if error.code == "id_taken":
        return _("El id «%(value)s» ya es de otro participante (%(name)s).", **params)
    if error.code == "duplicate_id":
        return _("Id «%(value)s» repetido (aparece primero en el elemento %(first)s).", **params)
    if error.code == "duplicate_email":
        return _("Correo «%(value)s» repetido (aparece primero en el elemento %(first)s).",
                 **params)  # fmt: skip
    if error.code == "no_participants":
        return _("La lista no tiene ningún participante.")
    return describe(error)
