from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from matchmaker.services.accounts import MIN_PASSWORD_LENGTH


class LoginForm(FlaskForm):
    email = EmailField(_l("Correo electrónico"), validators=[DataRequired()])
    password = PasswordField(_l("Contraseña"), validators=[DataRequired()])


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("Correo electrónico"), validators=[DataRequired(), Length(max=254)])


class ChangePasswordForm(FlaskForm):
    current = PasswordField(_l("Contraseña actual"), validators=[DataRequired()])
    new = PasswordField(
        _l("Nueva contraseña"), validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH)]
    )
    confirm = PasswordField(
        _l("Repite la nueva contraseña"),
        validators=[DataRequired(), EqualTo("new", message=_l("Las contraseñas no coinciden."))],
    )


class SetPasswordForm(FlaskForm):
    """The first password of an invited account."""

    new = PasswordField(
        _l("Elige tu contraseña"), validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH)]
    )
    confirm = PasswordField(
        _l("Repite la contraseña"),
        validators=[DataRequired(), EqualTo("new", message=_l("Las contraseñas no coinciden."))],
    )
