"""What every organiser view needs: the chosen event, the acting user, local times, labels."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import current_app, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response

from matchmaker.dates import duration_words, reader_locale
from matchmaker.domain.vocabulary import theme_label
from matchmaker.ids import parse_id
from matchmaker.labels import MEETING_STATUSES, label_of, organisation_type_label
from matchmaker.models import Event, User
from matchmaker.organiser import bp, figures
from matchmaker.participant.reasons import describe_reason, strength_words
from matchmaker.services import worker_health
from matchmaker.services.events import EventNotFound, get_event
from matchmaker.services.matching import recompute_is_due
from matchmaker.services.suggestions import stored_strength
from matchmaker.urls import has_public_address, safe_redirect_target

SESSION_KEY = "organiser_event_id"


def current_event() -> Event:
    """``?event=ID`` (remembered in the session), else the remembered one, else the only one.

    An ``?event=`` that names no possible event is an unknown event, like a deleted one."""
    raw = request.args.get("event")
    if raw:
        chosen = parse_id(raw)
        if chosen is None:
            raise EventNotFound(f"no event with id {raw!r}")
        event = get_event(chosen)
        session[SESSION_KEY] = event.id
        return event
    remembered = session.get(SESSION_KEY)
    if remembered is not None:
        try:
            return get_event(int(remembered))
        except EventNotFound:
            session.pop(SESSION_KEY, None)
    return get_event()


def back_within(prefix: str, fallback: str) -> Response:
    """To the page the form came from (its ``next`` field, filters kept) when it lies under
    ``prefix`` on this site, else to the ``fallback`` endpoint: never an open redirect."""
    return redirect(safe_redirect_target(request.form.get("next"), fallback, prefix=prefix))


def actor() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


#: Labels of job codes, translated when shown (stored codes: matchmaker.labels).
JOB_KINDS = {"schedule": _l("Agenda"), "publish": _l("Publicar"), "suggestions": _l("Sugerencias"),
             "agendas": _l("Agendas en PDF")}  # fmt: skip
JOB_STATES = {
    "queued": _l("En cola"),
    "running": _l("En curso"),
    "done": _l("Terminada"),
    "failed": _l("Fallida"),
}


#: What the organiser reads for each step the work reports (``matchmaker.domain.progress``),
#: its numbers filled in by name.
JOB_STEPS = {
    "reading": _l("Leyendo los datos"),
    "choosing_pairs": _l("Eligiendo qué pares se reúnen"),
    "placing": _l("Colocando las reuniones en turnos y mesas"),
    "improving": _l("Mejorando la agenda (ronda %(round)s)"),
    "exact": _l("Buscando una agenda mejor"),
    "reporting": _l("Redactando el informe"),
    "done": _l("Hecho"),
    "encoding_officials": _l("Analizando los retos de los funcionarios/as"),
    "encoding_partners": _l("Analizando las ofertas de los socios"),
    "ranking": _l("Calculando la afinidad de cada par"),
    "storing": _l("Guardando las sugerencias"),
    "rendering_agendas": _l("Preparando las agendas"),
    "agendas_ready": _l("Agendas listas para descargar"),
    "scheduled": _l("Reuniones en el borrador: %(meetings)s"),
    "published": _l("Reuniones publicadas: %(meetings)s"),
    "suggestions_ready": _l("Funcionarios/as con sugerencias: %(officials)s"),
}


def job_step(step: str, counts: Mapping[str, Any] | None = None) -> str:
    """A job's step in the reader's language with its numbers (so many of so many, for any
    step that has them); nothing for a job from before steps were recorded."""
    text = JOB_STEPS.get(step)
    numbers = dict(counts or {})
    try:
        words = str(text) % numbers if text is not None else ""
    except (KeyError, TypeError, ValueError):  # a step without its numbers: say nothing wrong
        return ""
    if words and "done" in numbers and "total" in numbers:
        words = _("%(step)s: %(done)s de %(total)s", step=words, done=numbers["done"],
                  total=numbers["total"])  # fmt: skip
    return words


#: Seconds a page shows the same count of waiting tasks (one broker call per process at most).
WAITING_FRESH_FOR = 2.0


def worker_status() -> worker_health.WorkerStatus:
    """Live workers and waiting tasks, asked once per request and only by the pages that show
    them (templates/organiser/_worker_status.html): it costs a query and a broker call."""
    if "worker_status" not in g:
        g.worker_status = worker_health.worker_status(waiting_fresh_for=WAITING_FRESH_FOR)
    status: worker_health.WorkerStatus = g.worker_status
    return status


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {
        "theme_label": lambda slug: theme_label(slug, reader_locale()),
        "type_label": organisation_type_label,
        "meeting_status_label": lambda code: label_of(MEETING_STATUSES, code),
        "job_kind_label": lambda code: label_of(JOB_KINDS, code),
        "job_state_label": lambda code: label_of(JOB_STATES, code),
        "job_step": job_step,
        "worker_status": worker_status,
        "suggestions_due": recompute_is_due,
        "describe_reason": lambda reason: describe_reason(reason, reader_locale()),
        "strength_of": stored_strength,
        "strength_words": strength_words,
        "percent": figures.percent,
        "share_text": figures.share_text,
        "duration_words": duration_words,
        "public_address_missing": not has_public_address(),
        "mail_without_address": bool(current_app.config["SMTP_URL"]) and not has_public_address(),
    }


@bp.errorhandler(EventNotFound)
def _no_event(error: EventNotFound) -> Response:
    session.pop(SESSION_KEY, None)
    flash(_("Elige o crea primero el evento."), "warning")
    return redirect(url_for("organiser.index"))
