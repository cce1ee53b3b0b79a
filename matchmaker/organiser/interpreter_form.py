"""The organisers' form for an interpreter: name, email, languages and presence per slot."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from matchmaker.domain.vocabulary import LANGUAGES
from matchmaker.participant.forms import CheckboxesField, language_name
from matchmaker.services.interpreters import NAME_MAX, InterpreterChanges


class InterpreterForm(FlaskForm):
    """Checks only the shape of the input; the service checks the meaning (and says which
    field is at fault), so the same rules hold for every caller."""

    name = StringField(_l("Nombre"), validators=[Length(max=NAME_MAX)])
    email = EmailField(_l("Correo electrónico (opcional)"), validators=[Optional(),
                       Length(max=254)])  # fmt: skip
    languages = CheckboxesField(_l("Idiomas que interpreta"))
    other_languages = StringField(
        _l("Otros idiomas (códigos ISO 639-1 separados por comas, p. ej. fr, de)"),
        validators=[Length(max=200)],
    )
    present = SelectMultipleField(_l("Presencia"), coerce=int, validate_choice=True)

    def __init__(self, *args: Any, locale: str, num_slots: int, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.languages.choices = [
            SelectChoice(code, language_name(code, locale)) for code in LANGUAGES
        ]
        self.present.choices = [SelectChoice(index, str(index)) for index in range(num_slots)]

    def fill(self, name: str, email: str, languages: Sequence[str], present: list[int]) -> None:
        """Show an interpreter's stored values (the working languages as boxes, the rest
        as codes)."""
        self.name.data, self.email.data = name, email
        self.languages.data = [code for code in languages if code in LANGUAGES]
        self.other_languages.data = ", ".join(c for c in languages if c not in LANGUAGES)
        self.present.data = present

    def changes(self) -> InterpreterChanges:
        """The submitted values for the service."""
        others = [c.strip().lower() for c in re.split(r"[\s,;]+", self.other_languages.data or "")]
        return InterpreterChanges(
            name=self.name.data or "",
            email=self.email.data or "",
            languages=[*(self.languages.data or []), *(c for c in others if c)],
            present_slots=self.present.data or [],
        )
