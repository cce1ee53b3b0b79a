"""Meeting requests and partnership proposals: ask, see, accept, decline, withdraw."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from matchmaker.auth.access import current_participant, participant_required
from matchmaker.dates import event_moment, reader_locale
from matchmaker.domain.vocabulary import theme_label
from matchmaker.extensions import db
from matchmaker.models import MeetingRequest, Participant
from matchmaker.models.meeting import ANNOUNCED
from matchmaker.orm import utcnow
from matchmaker.page_cache import kept_page
from matchmaker.participant import bp, enqueue_request_notices
from matchmaker.participant.forms import ActionForm, RequestForm
from matchmaker.services import requests as service
from matchmaker.services.agendas import participant_agenda
from matchmaker.services.decisions import schedule_is_published
from matchmaker.services.matching import request_recompute
from matchmaker.transactions import commit_or_rerun

#: Why a request cannot be sent, by the service's refusal code.
REFUSALS = {
    "pending": _l("Ya hay una solicitud abierta entre ustedes."),
    "accepted": _l("Ya acordaron reunirse."),
    "expired": _l("La solicitud ha caducado."),
    "answered": _l("La solicitud ya no está pendiente."),
    "not-allowed": _l("No es posible enviar esta solicitud."),
    "event-over": _l("El evento ya terminó: ya no se pueden enviar solicitudes."),
}


def _error_message(code: str) -> str:
    return str(REFUSALS.get(code, REFUSALS["not-allowed"]))


def _counterpart_or_404(participant: Participant, other_id: int) -> Participant:
    other = db.session.get(Participant, other_id)
    if other is None or not service.can_address(participant, other):
        abort(404)
    return other


@bp.route("/requests/new/<int:participant_id>", methods=["GET", "POST"])
@participant_required
def new_request(participant_id: int) -> str | Response:
    participant = current_participant()
    other = _counterpart_or_404(participant, participant_id)
    form = RequestForm()
    if form.validate_on_submit():
        sent = _("Solicitud enviada.") if participant.is_government else _("Propuesta enviada.")
        return _change_interest(
            participant,
            lambda: service.create_request(participant, other, form.message.data or ""),
            sent,
            notify=True,
        )
    language = reader_locale()
    event, now = participant.event, utcnow()
    return render_template(
        "participant/new_request.html",
        participant=participant,
        other=other,
        form=form,
        event_over=service.event_is_over(event, now),
        # The deadline a request sent now would get: the delay, cut at the event's end.
        deadline=event_moment(service.request_deadline(event, now), event),
        theme_label=lambda slug: theme_label(slug, language),
    )


@bp.route("/requests")
@kept_page
@participant_required
def requests() -> str:
    participant = current_participant()
    meetings = participant_agenda(participant, ANNOUNCED)
    # Overdue requests show as expired (effective_status); the periodic expire_requests
    # task marks them and has the suggestions recomputed.
    return render_template(
        "participant/requests.html",
        participant=participant,
        incoming=service.list_incoming(participant),
        outgoing=service.list_outgoing(participant),
        status=service.effective_status,
        local=lambda moment: event_moment(moment, participant.event),
        # An accepted request says what happens next: booked already, or to be scheduled.
        booked={m.partner_id if participant.is_government else m.government_id for m in meetings},
        published=schedule_is_published(participant.event_id),
    )


def _change_interest(
    participant: Participant, change: Callable[[], object], done: str, notify: bool = False
) -> Response:
    """Apply a change to expressed interest; on success, suggestions are recomputed (and with
    ``notify`` the other side is told by mail).

    A request racing another for the same pair loses at the database's unique index; run
    again, the service finds the winner and refuses like it refuses any second request."""

    def work() -> None:
        change()
        request_recompute(participant.event)

    try:
        commit_or_rerun(work)
    except service.RequestError as exc:
        db.session.rollback()
        flash(_error_message(exc.code), "warning")
        return redirect(url_for("participant.requests"))
    if notify:
        enqueue_request_notices()
    flash(done, "success")
    return redirect(url_for("participant.requests"))


def _own_request_or_404(request_id: int) -> tuple[Participant, MeetingRequest]:
    participant = current_participant()
    found = service.get_request_for(participant, request_id)
    if found is None:
        abort(404)
    return participant, found


def _answer(request_id: int, accept: bool) -> Response:
    participant, found = _own_request_or_404(request_id)
    if found.recipient_id != participant.id:
        abort(404)  # only the recipient may answer; the sender may withdraw instead
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        service.answer_request(found, participant, accept)
        request_recompute(participant.event)
    except service.RequestError as exc:
        db.session.rollback()
        flash(_error_message(exc.code), "warning")
        return redirect(url_for("participant.requests"))
    enqueue_request_notices()
    db.session.commit()
    flash(_accepted_words(participant) if accept else _("Solicitud rechazada."), "success")
    return redirect(url_for("participant.requests"))


def _accepted_words(participant: Participant) -> str:
    """What happens after a yes: the organisers approve the pair; it is booked into a free
    slot at once if the schedule is out (``decisions.book_late_approvals``), else with the
    next schedule. The same two sentences as templates/participant/_scheduling.html."""
    if schedule_is_published(participant.event_id):
        then = _(
            "La agenda ya está publicada: cuando la organización apruebe la reunión, se "
            "reservará en un turno libre y aparecerá en tu agenda."
        )
    else:
        then = _(
            "La organización incluirá la reunión en el calendario; aparecerá en tu agenda "
            "cuando se publique."
        )
    accepted = _("Solicitud aceptada.")
    return f"{accepted} {then}"


@bp.route("/requests/<int:request_id>/accept", methods=["POST"])
@participant_required
def accept_request(request_id: int) -> Response:
    return _answer(request_id, accept=True)


@bp.route("/requests/<int:request_id>/decline", methods=["POST"])
@participant_required
def decline_request(request_id: int) -> Response:
    return _answer(request_id, accept=False)


@bp.route("/requests/<int:request_id>/withdraw", methods=["POST"])
@participant_required
def withdraw_request(request_id: int) -> Response:
    participant, found = _own_request_or_404(request_id)
    if found.requester_id != participant.id:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    return _change_interest(
        participant, lambda: service.withdraw_request(found, participant), _("Solicitud retirada.")
    )
