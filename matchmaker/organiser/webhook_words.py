"""Webhooks in the reader's words: the kinds of news, the states of a delivery, and why an
address or a choice was refused (for the organisers' page and the API's problems)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from matchmaker.labels import label_of
from matchmaker.services.webhooks import DESCRIPTION_MAX, EndpointRejected

#: Each kind of news an endpoint may want, as organisers choose it.
KINDS = {
    "meeting.booked": _l("Se confirma una reunión (al publicar la agenda, o después)"),
    "meeting.cancelled": _l("Se cancela una reunión"),
    "meeting.moved": _l("Una reunión cambia de horario"),
    "request.created": _l("Alguien envía una solicitud de reunión"),
    "request.answered": _l("Se acepta o rechaza una solicitud de reunión"),
    "schedule.published": _l("Se publica la agenda"),
    "participants.imported": _l("Se importan participantes"),
    "ping": _l("Prueba"),
}
STATES = {
    "pending": _l("Pendiente"),
    "delivered": _l("Entregado"),
    "failed": _l("Fallido"),
}
URL_REFUSALS = {
    "malformed": _l("Escribe una dirección web completa, como https://ejemplo.org/avisos."),
    "scheme": _l("La dirección debe empezar con https:// o http://."),
    "credentials": _l("La dirección no puede llevar usuario ni contraseña."),
    "unresolvable": _l("No se encontró ese servidor: revisa la dirección."),
    "private": _l(
        "Esa dirección es local o de una red privada: los webhooks solo se envían a "
        "direcciones públicas de internet."
    ),
}


def kind_label(code: str) -> str:
    return label_of(KINDS, code)


def state_label(code: str) -> str:
    return label_of(STATES, code)


def describe_rejection(rejected: EndpointRejected) -> str:
    """Why the service refused an endpoint, in the reader's language."""
    if rejected.field == "url":
        return str(URL_REFUSALS.get(rejected.code, URL_REFUSALS["malformed"]))
    if rejected.field == "kinds" and rejected.code == "empty":
        return _("Elige al menos un tipo de aviso.")
    if rejected.field == "kinds":
        return _("Tipo de aviso desconocido.")
    return _("La descripción admite hasta %(max)d caracteres.", max=DESCRIPTION_MAX)
