"""At the congress: "I'm at my table", and answering a standby offer after a no-show."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from matchmaker.auth.access import current_participant, participant_required
from matchmaker.extensions import db
from matchmaker.models import StandbyOffer
from matchmaker.orm import utcnow
from matchmaker.participant import bp
from matchmaker.participant.forms import ActionForm
from matchmaker.services import live, standby
from matchmaker.services.live import LiveError
from matchmaker.services.outcomes import get_meeting_for


def _back() -> Response:
    return redirect(url_for("participant.agenda"))


def _refusal(refused: LiveError) -> str:
    if refused.code == "outside-slot":
        return _("Puedes avisar que llegaste desde 15 minutos antes de la reunión hasta su final.")
    if refused.code == "not-checkable":
        return _("Esta reunión ya no admite avisos de llegada.")
    if refused.code == "expired":
        return _("Esta oferta caducó: su turno ya terminó.")
    return _("Esta oferta ya no está abierta: otra persona respondió antes.")


@bp.post("/meetings/<int:meeting_id>/check-in")
@participant_required
def check_in(meeting_id: int) -> Response:
    """ "Ya estoy en mi mesa": the participant checks in to their own meeting."""
    participant = current_participant()
    meeting = get_meeting_for(participant, meeting_id)
    if meeting is None:
        abort(404)
    if _form_expired():
        return _back()
    try:
        live.check_in_participant(meeting, participant, utcnow(), current_user)
    except LiveError as refused:
        return _refused(refused)
    db.session.commit()
    flash(_("Listo: avisamos que ya estás en tu mesa."), "success")
    return _back()


def _form_expired() -> bool:
    """Whether the action's form is not valid (then the person is told to try again)."""
    if ActionForm().validate_on_submit():
        return False
    flash(_("El formulario caducó: inténtalo de nuevo."), "error")
    return True


def _refused(refused: LiveError) -> Response:
    """Back to the page with why the live rules refused the action; nothing is kept."""
    db.session.rollback()
    flash(_refusal(refused), "error")
    return _back()


def _offer_or_404(offer_id: int) -> StandbyOffer:
    offer = standby.get_offer_for(current_participant(), offer_id)
    if offer is None:
        abort(404)
    return offer


@bp.post("/standby/<int:offer_id>/accept")
@participant_required
def accept_standby(offer_id: int) -> Response:
    """The first of the two people (or of several offers) to accept gets the table."""
    participant = current_participant()
    offer = _offer_or_404(offer_id)
    if _form_expired():
        return _back()
    try:
        meeting = standby.accept_offer(offer, participant, utcnow(), current_user)
        table = meeting.table_number + 1
        db.session.commit()
    except LiveError as refused:
        return _refused(refused)
    except IntegrityError:  # someone accepted another offer for the same table or person first
        db.session.rollback()
        flash(_("Otra persona aceptó antes y la mesa ya está ocupada: no se reservó nada."),
              "warning")  # fmt: skip
        return _back()
    flash(_("Reunión reservada: ve a la mesa %(table)s.", table=table), "success")
    return _back()


@bp.post("/standby/<int:offer_id>/decline")
@participant_required
def decline_standby(offer_id: int) -> Response:
    participant = current_participant()
    offer = _offer_or_404(offer_id)
    if _form_expired():
        return _back()
    try:
        standby.decline_offer(offer, participant, utcnow(), current_user)
    except LiveError as refused:
        return _refused(refused)
    db.session.commit()
    flash(_("Oferta rechazada."), "success")
    return _back()
