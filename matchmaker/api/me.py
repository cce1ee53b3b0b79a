"""One's own profile (participants' tokens): read it, and change what the profile page lets a
participant change: themes, description, languages, the slots they cannot attend and their
cap. Nothing else (kind, email, name, id: the organisers' to change) is accepted.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

import marshmallow as ma
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_smorest import abort

from matchmaker.api.core import api_blueprint, require_participant
from matchmaker.api.participants import ParticipantSchema
from matchmaker.api.schemas import StrictSchema
from matchmaker.domain.vocabulary import LANGUAGE_CODES, LANGUAGES, THEMES, ordered_languages
from matchmaker.models import Participant
from matchmaker.services.profiles import (
    DESCRIPTION_MAX,
    ProfileChanges,
    ProfileError,
    update_profile,
)

blp = api_blueprint("me", __name__, "One's own profile (participants' tokens).")

#: The profile page's highest cap (its form's limit).
MAX_MEETINGS = 200
#: The service's field names as this API names them.
FIELD_OF = {"present": "unavailable"}


class ProfilePatchSchema(StrictSchema):
    """What a participant may change; fields not sent stay as they are."""

    themes = ma.fields.List(ma.fields.String(validate=ma.validate.OneOf(list(THEMES))),
                            metadata={"description": "At least one."})  # fmt: skip
    description = ma.fields.String(metadata={"description": "Your challenge (government) or "
                                                            "offering (partner).",
                                             "maxLength": DESCRIPTION_MAX})  # fmt: skip
    languages = ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf(sorted(LANGUAGE_CODES))),
        metadata={"description": "At least one: " + ", ".join(LANGUAGES) + ", or the other "
                                 "languages your profile already has."},
    )  # fmt: skip
    unavailable = ma.fields.List(ma.fields.Integer(strict=True, validate=ma.validate.Range(0)),
                                 metadata={"description": "Indexes of the event's slots you "
                                                          "cannot attend."})  # fmt: skip
    max_meetings = ma.fields.Integer(
        strict=True, allow_none=True, validate=ma.validate.Range(0, MAX_MEETINGS),
        metadata={"description": "Your cap; null: the event's default."},
    )  # fmt: skip


def participants_first(view: Callable[..., Any]) -> Callable[..., Any]:
    """An organiser's token is refused (403) before If-Match is looked at."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        require_participant()
        return view(*args, **kwargs)

    return wrapped


@blp.route("/me")
@participants_first
@blp.etag
@blp.response(200, ParticipantSchema)
@blp.problems(403)
def get_me() -> Participant:
    """Your own profile, with an ETag to send back in If-Match when changing it."""
    return require_participant()


@blp.route("/me", methods=["PATCH"])
@participants_first
@blp.etag
@blp.arguments(ProfilePatchSchema)
@blp.response(200, ParticipantSchema)
@blp.problems(400, 403)
def update_me(values: dict[str, Any]) -> Participant:
    """Change your profile as its page does (If-Match: the profile's ETag)."""
    participant = require_participant()
    blp.check_etag(participant, ParticipantSchema)
    num_slots = participant.event.calendar().num_slots
    _check_offered(participant, values, num_slots)
    unavailable = set(values.get("unavailable", participant.unavailable))
    changes = ProfileChanges(
        themes=values.get("themes", participant.themes),
        description=values.get("description", participant.description),
        languages=values.get("languages", participant.languages),
        present_slots=[i for i in range(num_slots) if i not in unavailable],
        max_meetings=values.get("max_meetings", participant.max_meetings),
    )
    try:
        update_profile(participant, changes)
    except ProfileError as error:
        field = FIELD_OF.get(error.field, error.field)
        abort(422, errors=[{"pointer": f"#/{field}", "detail": _reason(field)}])
    return participant


def _check_offered(participant: Participant, values: dict[str, Any], num_slots: int) -> None:
    """Only what the profile page offers: the working languages and one's own, and the
    event's slots (or slots one already had marked beyond them, kept as they are)."""
    errors = []
    offered = set(ordered_languages((*LANGUAGES, *participant.languages)))
    if set(values.get("languages", ())) - offered:
        errors.append({"pointer": "#/languages", "detail": _(
            "Elige entre %(languages)s.", languages=", ".join(sorted(offered)))})  # fmt: skip
    slots = set(values.get("unavailable", ()))
    if {i for i in slots if i >= num_slots} - set(participant.unavailable):
        errors.append({"pointer": "#/unavailable", "detail": ngettext(
            "El evento tiene %(num)d turno: el 0.", "El evento tiene %(num)d turnos: del 0 al "
            "%(last)d.", num_slots, last=num_slots - 1) if num_slots else _(
            "El evento aún no tiene turnos.")})  # fmt: skip
    if errors:
        abort(422, errors=errors)


def _reason(field: str) -> str:
    if field in ("themes", "languages"):
        return _("Elige al menos una opción.")
    if field == "description":
        return _("Escribe entre 1 y %(max)d caracteres.", max=DESCRIPTION_MAX)
    return _("Valor no válido.")
