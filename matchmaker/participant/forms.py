"""Forms of the participant area (Flask-WTF, CSRF on every POST)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from babel import Locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, IntegerField, RadioField, SelectMultipleField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from matchmaker.domain.vocabulary import LANGUAGES, THEMES, ordered_languages, theme_label
from matchmaker.services.outcomes import OUTCOME_MAX
from matchmaker.services.profiles import DESCRIPTION_MAX
from matchmaker.services.requests import MESSAGE_MAX

LANGUAGE_NAMES = {"es": _l("Español"), "en": _l("Inglés"), "pt": _l("Portugués")}


def language_name(code: str, locale: str) -> str:
    """The event's languages by our own labels, any other by CLDR's name in ``locale``."""
    if code in LANGUAGE_NAMES:
        return str(LANGUAGE_NAMES[code])
    return (Locale.parse(code).get_display_name(locale) or code).capitalize()


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
