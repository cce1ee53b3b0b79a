from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, Field, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from matchmaker.domain.passwords import Weakness
from matchmaker.models import User
from matchmaker.services.accounts import MIN_PASSWORD_LENGTH, check_password_strength

#: What the person reads next to the password field for each weakness (never zxcvbn's own
#: English feedback).
WEAKNESS_MESSAGES = {
    Weakness.TOO_SHORT: _l("Usa al menos %(n)s caracteres.", n=MIN_PASSWORD_LENGTH),
    Weakness.TOO_COMMON: _l("Es una de las contraseñas más usadas: se adivina enseguida. "
                            "Elige otra."),
    Weakness.PERSONAL: _l("Se basa en tu nombre, tu correo o tu organización: es fácil de "
                          "adivinar. Elige otra."),
    Weakness.PREDICTABLE: _l("Es demasiado predecible (secuencias, repeticiones, fechas o una "
                             "sola palabra). Prueba con varias palabras poco comunes."),
}  # fmt: skip


class StrongPassword:
    """Refuses common and guessable passwords for the form's account, with the reason."""

    def __init__(self) -> None:
        self.field_flags = {"minlength": MIN_PASSWORD_LENGTH}

    def __call__(self, form: PasswordSettingForm, field: Field) -> None:
        account = form.account
        email = account.email if account is not None else ""
        participant = account.participant if account is not None else None
        weakness = check_password_strength(field.data or "", email, participant)
        if weakness is not None:
            raise ValidationError(str(WEAKNESS_MESSAGES[weakness]))


class PasswordSettingForm(FlaskForm):
    """A form that sets the password of ``account`` (its details make guessable passwords)."""

    def __init__(self, *args: Any, account: User | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.account = account


class LoginForm(FlaskForm):
    email = EmailField(_l("Correo electrónico"), validators=[DataRequired()])
    password = PasswordField(_l("Contraseña"), validators=[DataRequired()])


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("Correo electrónico"), validators=[DataRequired(), Length(max=254)])


class ChangePasswordForm(PasswordSettingForm):
    current = PasswordField(_l("Contraseña actual"), validators=[DataRequired()])
    new = PasswordField(_l("Nueva contraseña"), validators=[DataRequired(), StrongPassword()])
    confirm = PasswordField(
        _l("Repite la nueva contraseña"),
        validators=[DataRequired(), EqualTo("new", message=_l("Las contraseñas no coinciden."))],
    )


class SetPasswordForm(PasswordSettingForm):
    """The first password of an invited account."""

    new = PasswordField(_l("Elige tu contraseña"), validators=[DataRequired(), StrongPassword()])
    confirm = PasswordField(
        _l("Repite la contraseña"),
        validators=[DataRequired(), EqualTo("new", message=_l("Las contraseñas no coinciden."))],
    )
