"""The organiser's form for one participant: the participants file's columns, field by field.

The form checks nothing itself beyond its CSRF token: every value goes, as a file's cell would,
through the import's own rules (``services.participant_admin.save_participant``), whose errors
come back to the fields they name. Choices are offered, not enforced, for the same reason.
"""

from __future__ import annotations

from typing import Any

from babel import Locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from matchmaker.domain.importing import COUNTRY_CODES
from matchmaker.domain.vocabulary import KINDS, ORGANISATION_TYPES, THEMES, theme_label
from matchmaker.organiser.common import organisation_type_label
from matchmaker.participant.forms import CheckboxesField

#: Form field -> the import's column it fills.
COLUMNS = {
    "external_id": "id", "kind": "kind", "name": "name", "organisation": "organisation",
    "organisation_type": "organisation_type", "role_title": "role_title", "email": "email",
    "country": "country", "city": "city", "languages": "languages", "themes": "themes",
    "description": "description", "unavailable": "unavailable", "max_meetings": "max_meetings",
}  # fmt: skip
FIELDS = {column: name for name, column in COLUMNS.items()}
KIND_LABELS = {"government": _l("Funcionario/a"), "partner": _l("Socio")}


class ParticipantForm(FlaskForm):
    external_id = StringField(_l("Id (la columna id del archivo)"))
    kind = SelectField(_l("Tipo"), validate_choice=False)
    name = StringField(_l("Nombre"))
    organisation = StringField(_l("Organización"))
    organisation_type = SelectField(_l("Tipo de organización"), validate_choice=False)
    role_title = StringField(_l("Cargo"))
    email = StringField(_l("Correo"))
    country = SelectField(_l("País"), validate_choice=False)
    city = StringField(_l("Ciudad"))
    languages = StringField(_l("Idiomas (códigos ISO 639-1 separados por «;», p. ej. es;en)"))
    themes = CheckboxesField(_l("Temas"), validate_choice=False)
    description = TextAreaField(_l("Reto (funcionario/a) u oferta (socio)"))
    unavailable = StringField(_l("Turnos a los que no asiste (números separados por «;»)"))
    max_meetings = StringField(_l("Máximo de reuniones (vacío: el del evento)"))

    def __init__(self, *args: Any, locale: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = [SelectChoice(k, str(KIND_LABELS[k])) for k in KINDS]
        self.organisation_type.choices = {
            str(KIND_LABELS[kind]): [(slug, organisation_type_label(slug)) for slug in slugs]
            for kind, slugs in ORGANISATION_TYPES.items()
        }
        names = Locale.parse(locale).territories
        countries = sorted(
            ((code, f"{names.get(code, code)} ({code})") for code in COUNTRY_CODES),
            key=lambda choice: choice[1],
        )
        self.country.choices = [("", "—"), *countries]
        self.themes.choices = [SelectChoice(slug, theme_label(slug, locale)) for slug in THEMES]

    def columns(self) -> dict[str, str]:
        """The values as the import's columns (lists joined by «;» as in a file)."""
        values = {}
        for name, column in COLUMNS.items():
            data = getattr(self, name).data
            if isinstance(data, list):
                values[column] = ";".join(str(item) for item in data)
            else:
                values[column] = "" if data is None else str(data)
        return values

    def fill(self, columns: dict[str, str]) -> None:
        """Show a participant's columns (``participant_admin.columns_of``)."""
        for column, value in columns.items():
            field = getattr(self, FIELDS[column])
            field.data = [v for v in value.split(";") if v] if column == "themes" else value
