"""The organisers' form for a new API token: its name, and the account it acts as."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional

from matchmaker.organiser.forms import _one_line

#: The longest name a token keeps (its column's size).
NAME_MAX = 200


class ApiTokenForm(FlaskForm):
    """Checks the shape only; whether the account exists is the view's question."""

    name = StringField(
        _l("Nombre de la clave"),
        description=_l("Para qué es, p. ej. «Sistema de registro»."),
        validators=[DataRequired(_l("Ponle un nombre.")), Length(max=NAME_MAX), _one_line],
    )
    account = EmailField(
        _l("Cuenta con la que actúa (correo)"),
        description=_l("Vacío: tu propia cuenta."),
        validators=[Optional(), Email(_l("Escribe un correo válido.")), Length(max=254)],
    )
