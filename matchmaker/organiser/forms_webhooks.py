"""The organisers' webhook forms: a new receiver, and what an existing one receives."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField
from wtforms.validators import Length

from matchmaker.organiser.webhook_words import kind_label
from matchmaker.participant.forms import CheckboxesField
from matchmaker.services.webhook_delivery import URL_MAX
from matchmaker.services.webhooks import DESCRIPTION_MAX, EVENT_KINDS


class WebhookKindsForm(FlaskForm):
    """What an endpoint receives. Only the shape is checked here: the service checks the
    meaning (and names the field at fault), so the API and this page follow one rule."""

    kinds = CheckboxesField(_l("Avisos que recibe"))
    description = StringField(
        _l("Descripción (opcional)"),
        description=_l("Para reconocerlo, p. ej. «CRM de la organización»."),
        validators=[Length(max=DESCRIPTION_MAX)],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kinds.choices = [(code, kind_label(code)) for code in EVENT_KINDS]


class NewWebhookForm(WebhookKindsForm):
    url = StringField(
        _l("Dirección (URL) que recibe los avisos"),
        description=_l("Una dirección pública que empiece con https://."),
        validators=[Length(max=URL_MAX)],
    )


class EditWebhookForm(WebhookKindsForm):
    active = BooleanField(_l("Activo: recibe avisos"))
