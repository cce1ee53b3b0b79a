"""The organisers' forms (Flask-WTF: every one carries a CSRF token)."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, time
from functools import cache
from typing import Any
from zoneinfo import available_timezones

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from markupsafe import Markup
from wtforms import (
    BooleanField,
    EmailField,
    FloatField,
    HiddenField,
    IntegerField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional
from wtforms.validators import ValidationError as FieldError

from matchmaker.services.event_settings import FIRST_DAY, LAST_DAY

_BREAK = re.compile(r"^\s*(\d{1,2}:\d{2})\s*[-–]\s*(\d{1,2}:\d{2})\s*(.*)$")


def parse_days(text: str) -> list[date]:
    """ISO dates separated by new lines, commas or spaces, within FIRST_DAY..LAST_DAY."""
    days = []
    for token in re.split(r"[\s,;]+", text.strip()):
        if not token:
            continue
        try:
            day = date.fromisoformat(token)
        except ValueError as exc:
            raise FieldError(_l("«%(value)s» no es una fecha AAAA-MM-DD.", value=token)) from exc
        if not FIRST_DAY <= day <= LAST_DAY:
            raise FieldError(
                _l("«%(value)s» está fuera de los años admitidos (%(first)s–%(last)s).",
                   value=token, first=FIRST_DAY.year, last=LAST_DAY.year)
            )  # fmt: skip
        days.append(day)
    if not days:
        raise FieldError(_l("Indica al menos un día."))
    if len(set(days)) != len(days):
        raise FieldError(_l("Hay días repetidos."))
    return sorted(days)


def parse_breaks(text: str) -> list[tuple[time, time, str]]:
    """One break a line: ``11:00-11:20 Café``."""
    breaks = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = _BREAK.match(line)
        try:
            if match is None or _has_control_characters(line):
                raise ValueError(line)
            start, end = (
                time.fromisoformat(match[1].zfill(5)),
                time.fromisoformat(match[2].zfill(5)),
            )
        except ValueError as exc:
            raise FieldError(
                _l("Línea %(n)s: escribe «HH:MM-HH:MM descripción».", n=number)
            ) from exc
        if end <= start:
            raise FieldError(
                _l("Línea %(n)s: la pausa debe terminar después de empezar.", n=number)
            )
        breaks.append((start, end, match[3].strip()))
    return breaks


def _range(low: float, high: float) -> NumberRange:
    return NumberRange(low, high, message=_l("Debe estar entre %(min)s y %(max)s."))


def _has_control_characters(text: str) -> bool:
    """Control characters and line or paragraph separators: a one-line value holds none."""
    return any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in text)


def _one_line(_form: Any, field: Any) -> None:
    if _has_control_characters(field.data or ""):
        raise FieldError(_l("Escribe una sola línea, sin caracteres de control."))


@cache
def _known_time_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def _time_zone(_form: Any, field: Any) -> None:
    # Only names from the time zone database: ZoneInfo opens files, and some names ("America",
    # a very long one) make it raise errors other than "not found".
    if (field.data or "") not in _known_time_zones():
        raise FieldError(_l("Zona horaria desconocida (p. ej. America/Mexico_City)."))


def _days(_form: Any, field: Any) -> None:
    parse_days(field.data or "")


def _breaks(_form: Any, field: Any) -> None:
    parse_breaks(field.data or "")


class EventSettingsForm(FlaskForm):
    name = StringField(
        _l("Nombre del evento"), validators=[DataRequired(), Length(max=200), _one_line]
    )
    venue = StringField(_l("Sede"), validators=[Optional(), Length(max=200), _one_line])
    time_zone = StringField(_l("Zona horaria"), validators=[DataRequired(), _time_zone])
    days = TextAreaField(
        _l("Días de reuniones (AAAA-MM-DD, uno por línea)"), validators=[DataRequired(), _days]
    )
    day_start = TimeField(_l("Inicio de la jornada"), validators=[InputRequired()])
    day_end = TimeField(_l("Fin de la jornada"), validators=[InputRequired()])
    slot_minutes = IntegerField(
        _l("Duración de cada reunión (minutos)"),
        validators=[InputRequired(), _range(5, 240)],
    )
    breaks = TextAreaField(
        _l("Pausas diarias (una por línea: 11:00-11:20 Café)"), validators=[_breaks]
    )
    num_tables = IntegerField(_l("Mesas"), validators=[InputRequired(), _range(1, 1000)])
    default_max_meetings = IntegerField(
        _l("Máximo de reuniones por participante"),
        validators=[InputRequired(), _range(1, 200)],
    )
    request_expiry_hours = IntegerField(
        _l("Caducidad de las solicitudes (horas)"),
        validators=[InputRequired(), _range(1, 24 * 90)],
    )
    # Optional: left empty, the event keeps its value (10 minutes for a new event).
    no_show_minutes = IntegerField(
        _l("Minutos de espera antes de dar una reunión por no celebrada"),
        validators=[Optional(), _range(1, 240)],
    )

    def validate_day_end(self, field: Any) -> None:
        start, end = self.day_start.data, field.data
        if start is not None and end is not None and end <= start:
            raise FieldError(_l("La jornada debe terminar después de empezar."))


class UploadForm(FlaskForm):
    file = FileField(
        _l("Archivo de participantes (CSV)"),
        validators=[FileRequired(_l("Elige un archivo.")),
                    FileAllowed(["csv", "txt"], _l("Sube un archivo .csv."))],
    )  # fmt: skip


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""

    def hidden_tag(self, *fields: Any) -> Markup:
        """The CSRF field, rendered once per form: pages repeat it in every row's buttons
        (accounts, a participant's agenda), and rendering a field is slow next to a copy."""
        if fields:
            return super().hidden_tag(*fields)
        if self._hidden is None:
            self._hidden = super().hidden_tag()
        return self._hidden

    _hidden: Markup | None = None


class ApproveAboveForm(FlaskForm):
    min_score = FloatField(_l("Puntuación mínima"), validators=[InputRequired(), _range(0, 100)])


class PairForm(FlaskForm):
    """Both sides of a pair, each a searchable picker (matchmaker/organiser/pickers.py): the
    text typed or picked, and the id the picker's list chose (empty without JavaScript)."""

    government = HiddenField()
    government_query = StringField(_l("Funcionario/a"), validators=[Length(max=300)])
    partner = HiddenField()
    partner_query = StringField(_l("Socio"), validators=[Length(max=300)])


class AddPairForm(PairForm):
    score = FloatField(
        _l("Puntuación (peso al agendar)"),
        validators=[Optional(), _range(0, 100)],
    )


class BlockPairForm(PairForm):
    reason = TextAreaField(_l("Motivo"), validators=[DataRequired(), Length(max=2000)])


class ScheduleForm(FlaskForm):
    unbooked_only = BooleanField(_l("Solo los pares aún sin reunión (no mover las existentes)"))
    min_meetings = IntegerField(
        _l("Mínimo de reuniones por funcionario/a (si es posible)"),
        default=0,
        validators=[Optional(), _range(0, 50)],
    )


class OrganiserAccountForm(FlaskForm):
    email = EmailField(
        _l("Correo de la nueva persona organizadora"),
        validators=[DataRequired(), Email(_l("Escribe un correo válido.")), Length(max=254)],
    )
