"""The decision history in sentences: each log entry said in the reader's language, with
names, tables numbered from 1 and times on the event's clock, never internal codes.

The log stores codes and ids (``matchmaker.services.audit``); this is the only place that
words them. An action this module does not know is shown as its code, so a new kind of entry
is never hidden.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from matchmaker.dates import event_moment
from matchmaker.models import AuditEntry, Event, Participant
from matchmaker.services.audit import Subjects

#: Entries about one pair: the sentence, with %(pair)s for "official ↔ organisation".
PAIR_ACTIONS = {
    "suggestion.approved": _l("Aprobó el par %(pair)s."),
    "suggestion.rejected": _l("Rechazó el par %(pair)s."),
    "suggestion.suggested": _l("Volvió a dejar sin decidir el par %(pair)s."),
    "suggestion.added": _l("Añadió a mano el par %(pair)s."),
    "pair.blocked": _l("Bloqueó el par %(pair)s."),
    "pair.unblocked": _l("Desbloqueó el par %(pair)s."),
    "thread.reported": _l("Se reportó un problema en la conversación %(pair)s."),
    "pair.not-booked": _l(
        "El par %(pair)s, aprobado con la agenda ya publicada, no tiene un turno en que ambos "
        "estén libres con mesa: sigue sin reunión."
    ),
}
#: Entries about one meeting: %(pair)s, and where it was: %(table)s and %(when)s.
MEETING_ACTIONS = {
    "meeting.booked-late": _l(
        "Reservó la reunión %(pair)s (aprobada con la agenda ya publicada): mesa %(table)s, "
        "%(when)s."
    ),
    "meeting.moved": _l(
        "Pidió mover la reunión %(pair)s, que estaba en la mesa %(table)s, %(when)s."
    ),
    "meeting.cancelled": _l("Canceló la reunión %(pair)s de la mesa %(table)s, %(when)s."),
    # One of the two sides, from their agenda (matchmaker.services.meeting_changes).
    "meeting.cancelled-by-participant": _l(
        "Canceló desde su agenda la reunión %(pair)s de la mesa %(table)s, %(when)s."
    ),
    "meeting.move-asked": _l(
        "Pidió desde su agenda mover la reunión %(pair)s (mesa %(table)s, %(when)s)."
    ),
    "meeting.move-accepted": _l(
        "Aceptó mover la reunión %(pair)s, que estaba en la mesa %(table)s, %(when)s."
    ),
    "meeting.move-declined": _l("Rechazó mover la reunión %(pair)s (mesa %(table)s, %(when)s)."),
    # The live meeting area (matchmaker.services.live and .standby).
    "meeting.checked-in": _l(
        "Registró una llegada a la reunión %(pair)s (mesa %(table)s, %(when)s)."
    ),
    "meeting.no-show": _l(
        "La reunión %(pair)s (mesa %(table)s, %(when)s) quedó como no celebrada: solo llegó "
        "una de las partes."
    ),
    "standby.offered": _l(
        "Ofreció una reunión de reemplazo a quien sí llegó a la reunión %(pair)s (mesa "
        "%(table)s, %(when)s)."
    ),
    "standby.accepted": _l("Se aceptó la reunión de reemplazo %(pair)s: mesa %(table)s, %(when)s."),
    "standby.declined": _l(
        "Se rechazó una reunión de reemplazo ofrecida tras la reunión %(pair)s (mesa "
        "%(table)s, %(when)s)."
    ),
}
#: Entries about the event or the work on it.
EVENT_ACTIONS = {
    "event.created": _l("Creó el evento."),
    "event.settings": _l("Cambió la configuración del evento."),
    "suggestions.recompute": _l("Pidió recalcular las sugerencias."),
    "schedule.started": _l("Pidió generar la agenda."),
    "schedule.publish": _l("Publicó la agenda."),
    "agendas.requested": _l("Pidió las agendas de todos en PDF."),
    "invitations.retried": _l("Volvió a intentar las invitaciones que no se enviaron."),
    "job.retried": _l("Volvió a enviar una tarea que no llegó a los trabajadores."),
    "participants.imported": _l("Importó el archivo de participantes %(file)s."),
}
#: Entries about a person the organisers manage: %(name)s, as it was when logged.
NAMED_ACTIONS = {
    "participant.created": _l("Añadió a %(name)s a los participantes."),
    "participant.updated": _l("Cambió los datos de %(name)s."),
    "participant.removed": _l(
        "Quitó a %(name)s de los participantes, con sus reuniones y solicitudes."
    ),
    "interpreter.added": _l("Añadió al intérprete %(name)s."),
    "interpreter.changed": _l("Cambió los datos del intérprete %(name)s."),
    "interpreter.removed": _l("Quitó al intérprete %(name)s."),
}
#: Entries about an account: %(email)s.
ACCOUNT_ACTIONS = {
    "account.created": _l("Creó la cuenta de organización de %(email)s."),
    "account.activated": _l("Reactivó la cuenta de %(email)s."),
    "account.deactivated": _l("Desactivó la cuenta de %(email)s."),
}
#: Entries about an API token: its %(name)s and the %(account)s it acts as, as when logged.
TOKEN_ACTIONS = {
    "api_token.created": _l("Creó la clave de API «%(name)s» para %(account)s."),
    "api_token.revoked": _l("Revocó la clave de API «%(name)s» de %(account)s."),
}
#: Entries about a webhook: its %(url)s, as when logged.
WEBHOOK_ACTIONS = {
    "webhook.added": _l("Añadió el webhook %(url)s."),
    "webhook.changed": _l("Cambió qué recibe el webhook %(url)s."),
    "webhook.removed": _l("Quitó el webhook %(url)s."),
}


def describe(entry: AuditEntry, subjects: Subjects, event: Event) -> str:
    """The entry as one sentence in the reader's language."""
    details: dict[str, Any] = entry.details or {}
    action = entry.action
    if action in PAIR_ACTIONS:
        return str(PAIR_ACTIONS[action]) % {"pair": _pair_of(entry, subjects)}
    if action in MEETING_ACTIONS:
        meeting = subjects.meetings.get(entry.target_id or 0)
        pair = _pair(meeting.government, meeting.partner) if meeting else _("(ya no existe)")
        sentence = str(MEETING_ACTIONS[action]) % {
            "pair": pair,
            "table": int(details.get("table", 0)) + 1,  # people count tables from 1
            "when": _slot_time(event, details.get("slot")),
        }
        if details.get("reason"):
            sentence += " " + _("Motivo: %(reason)s", reason=details["reason"])
        return sentence
    if action in ACCOUNT_ACTIONS:
        user = subjects.users.get(entry.target_id or 0)
        return str(ACCOUNT_ACTIONS[action]) % {"email": user.email if user else "?"}
    if action in TOKEN_ACTIONS:
        named = {"name": details.get("name") or "?", "account": details.get("account") or "?"}
        return str(TOKEN_ACTIONS[action]) % named
    if action in WEBHOOK_ACTIONS:
        return str(WEBHOOK_ACTIONS[action]) % {"url": details.get("url") or "?"}
    if action in NAMED_ACTIONS:
        return str(NAMED_ACTIONS[action]) % {"name": details.get("name") or "?"}
    if action in EVENT_ACTIONS:
        return str(EVENT_ACTIONS[action]) % {"file": details.get("filename") or "?"}
    return _counted(action, details) or action


def _counted(action: str, details: dict[str, Any]) -> str:
    """Entries that say how many: worded with the plural their number needs."""
    if action == "suggestions.approved-above":
        return ngettext(
            "Aprobó %(num)d par con puntuación de al menos %(score)s.",
            "Aprobó %(num)d pares con puntuación de al menos %(score)s.",
            int(details.get("count", 0)),
            score=details.get("min_score", "?"),
        )
    if action == "standby.expired":
        return ngettext(
            "Caducó %(num)d oferta de reunión de reemplazo sin respuesta.",
            "Caducaron %(num)d ofertas de reunión de reemplazo sin respuesta.",
            int(details.get("count", 0)),
        )
    if action == "accounts.invited":
        return ngettext(
            "Invitó a %(num)d persona a elegir su contraseña.",
            "Invitó a %(num)d personas a elegir su contraseña.",
            int(details.get("invited", 0)),
        )
    return ""


def _pair_of(entry: AuditEntry, subjects: Subjects) -> str:
    """The pair an entry is about: its suggestion's, else the people its details name."""
    suggestion = subjects.suggestions.get(entry.target_id or 0)
    if entry.target_type == "matchsuggestion" and suggestion is not None:
        return _pair(suggestion.government, suggestion.partner)
    details = entry.details or {}
    government = subjects.participants.get(details.get("government_id") or 0) or (
        subjects.by_external_id.get(details.get("government") or "")
    )
    partner = subjects.participants.get(details.get("partner_id") or 0) or (
        subjects.by_external_id.get(details.get("partner") or "")
    )
    if government is None or partner is None:
        return _("(ya no existe)")
    return _pair(government, partner)


def _pair(government: Participant, partner: Participant) -> str:
    return f"{government.name} ↔ {partner.organisation}"


def _slot_time(event: Event, slot: Any) -> str:
    slots = event.slots()
    if not isinstance(slot, int) or not 0 <= slot < len(slots):
        return "?"
    return event_moment(slots[slot].start, event)
