"""Forms of a message thread: writing a message, reporting a problem, opening a notification."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField
from wtforms.validators import DataRequired, Length, Regexp

from matchmaker.services.messages import BODY_MAX, NOTE_MAX


def _stripped(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


class MessageForm(FlaskForm):
    body = TextAreaField(
        _l("Mensaje"),
        validators=[
            DataRequired(_l("Escribe un mensaje.")),
            Length(max=BODY_MAX, message=_l("El mensaje es demasiado largo.")),
        ],
        filters=[_stripped],
    )


class ReportForm(FlaskForm):
    note = TextAreaField(
        _l("¿Qué pasó? (lo leerá la organización)"),
        validators=[
            DataRequired(_l("Describe el problema.")),
            Length(max=NOTE_MAX, message=_l("La descripción es demasiado larga.")),
        ],
        filters=[_stripped],
    )


class OpenNotificationForm(FlaskForm):
    """The notification to open (its id), posted from the notifications page."""

    notification = HiddenField(validators=[DataRequired(), Regexp(r"^\d{1,12}$")])
