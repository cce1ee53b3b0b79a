"""Forms for changing one's own meeting: calling it off, asking to move it."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, RadioField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from matchmaker.services.cancellations import MAX_REASON


def _stripped(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


class CancelMeetingForm(FlaskForm):
    reason = TextAreaField(
        _l("Motivo (lo verán la otra parte y la organización)"),
        validators=[
            DataRequired(_l("Escribe el motivo de la cancelación.")),
            Length(max=MAX_REASON, message=_l("El motivo es demasiado largo.")),
        ],
        filters=[_stripped],
    )


class MoveMeetingForm(FlaskForm):
    """The choices are the free slots (``list_move_slots``); anything else, or nothing, is
    refused with a message of ours rather than WTForms' English one."""

    slot = RadioField(
        _l("Nuevo horario"),
        coerce=lambda value: int(value) if str(value).isdigit() else -1,
        validate_choice=False,
    )

    def validate_slot(self, field: Field) -> None:
        if field.data is None:
            raise ValidationError(_l("Elige un horario."))
        if field.data not in {choice[0] for choice in field.choices or []}:
            raise ValidationError(_l("Ese horario ya no está libre para las dos partes: "
                                     "elige otro."))  # fmt: skip
