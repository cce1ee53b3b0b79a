"""Forms of the participant area (Flask-WTF, CSRF on every POST)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
    IntegerField,
    RadioField,
    SelectMultipleField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from matchmaker.domain.vocabulary import LANGUAGES, THEMES, ordered_languages, theme_label
from matchmaker.labels import LANGUAGE_NAMES, language_name  # noqa: F401 (reasons.py reads it)
from matchmaker.services.outcomes import OUTCOME_MAX, RATINGS
from matchmaker.services.profiles import DESCRIPTION_MAX
from matchmaker.services.requests import MESSAGE_MAX


class CheckboxesField(SelectMultipleField):
    """A group of checkboxes (a fieldset in the template)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def at_least_one(form: FlaskForm, field: Field) -> None:
    if not field.data:
        raise ValidationError(_l("Elige al menos una opción."))


class ProfileForm(FlaskForm):
    themes = CheckboxesField(_l("Temas"), validators=[at_least_one])
    description = TextAreaField(
        _l("Descripción"), validators=[DataRequired(), Length(max=DESCRIPTION_MAX)]
    )
    languages = CheckboxesField(_l("Idiomas en los que puedes reunirte"), validators=[at_least_one])
    present = SelectMultipleField(_l("Presencia"), coerce=int, validate_choice=True)
    max_meetings = IntegerField(
        _l("Máximo de reuniones"), validators=[Optional(), NumberRange(min=0, max=200)]
    )

    def __init__(
        self, *args: Any, is_government: bool, locale: str, num_slots: int,
        spoken: Sequence[str] = (), **kw: Any,
    ) -> None:  # fmt: skip
        """``spoken``: the participant's languages; any beyond the event's three (from an
        import) are offered too, so saving the profile keeps them unless unticked."""
        super().__init__(*args, **kw)
        self.description.label.text = (
            _l("Reto de tu ciudad o estado") if is_government else _l("Lo que ofreces")
        )
        self.themes.choices = [SelectChoice(slug, theme_label(slug, locale)) for slug in THEMES]
        self.languages.choices = [
            SelectChoice(code, language_name(code, locale))
            for code in ordered_languages((*LANGUAGES, *spoken))
        ]
        self.present.choices = [SelectChoice(index, str(index)) for index in range(num_slots)]


class RequestForm(FlaskForm):
    message = TextAreaField(_l("Mensaje (opcional)"), validators=[Length(max=MESSAGE_MAX)])


class ActionForm(FlaskForm):
    """A bare POST (accept, decline, withdraw): only the CSRF token."""


class OutcomeForm(FlaskForm):
    status = RadioField(
        _l("¿Se celebró la reunión?"),
        choices=[
            SelectChoice("held", _l("Sí, se celebró")),
            SelectChoice("no-show", _l("No, la otra parte no vino")),
        ],
        validators=[DataRequired()],
    )
    outcome = TextAreaField(
        _l("Resultado o seguimiento acordado"), validators=[Length(max=OUTCOME_MAX)]
    )
    # Garbage reads as no rating, so that the reader gets our message, not a coercion error.
    rating = RadioField(
        _l("¿Qué tan útil fue la reunión? (1 = nada, 5 = mucho)"),
        choices=[SelectChoice(n, str(n)) for n in RATINGS],
        coerce=lambda value: int(value) if str(value).isdigit() else None,
        validate_choice=False,
    )
    would_follow_up = BooleanField(_l("Me gustaría dar seguimiento"))

    def validate_rating(self, field: Field) -> None:
        """A held meeting is rated 1 to 5; a no-show has nothing to rate."""
        if self.status.data == "held" and field.data not in RATINGS:
            raise ValidationError(_l("Valora la reunión del 1 al 5."))
