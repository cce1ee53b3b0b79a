"""Changing one's own published meeting from the agenda: call it off with a reason, or ask the
other side to move it to a free slot; the other side accepts or declines, the asker may
withdraw. Only the meeting's two sides reach these pages: anyone else gets 404."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from matchmaker import background
from matchmaker.auth.access import current_participant, participant_required
from matchmaker.dates import event_moment
from matchmaker.extensions import db
from matchmaker.models import Event, Meeting, MoveRequest, Participant, User
from matchmaker.participant import bp
from matchmaker.participant.forms import ActionForm
from matchmaker.participant.forms_meetings import CancelMeetingForm, MoveMeetingForm
from matchmaker.services import meeting_changes as changes
from matchmaker.services.cancellations import MAX_REASON
from matchmaker.services.live import event_slots
from matchmaker.services.outcomes import get_meeting_for


def _refusal(code: str) -> str:
    """What a refusal (``ChangeError.code``) says to the reader."""
    messages = {
        "not-changeable": _("Esta reunión ya no se puede cambiar: ya empezó o ya no está "
                            "confirmada."),
        "already-asked": _("Ya hay una petición para mover esta reunión: espera la respuesta."),
        "slot-not-free": _("Ese horario ya no está libre para las dos partes: elige otro."),
        "not-open": _("Esta petición ya fue respondida o retirada."),
        "stale": _("Ese horario ya no está libre para las dos partes, o la reunión cambió: la "
                   "petición queda sin efecto. Puedes pedir otro horario."),
    }  # fmt: skip
    return messages.get(code, _("No se pudo cambiar la reunión."))


def _actor() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _own_meeting(participant: Participant, meeting_id: int) -> Meeting:
    meeting = get_meeting_for(participant, meeting_id)
    if meeting is None:
        abort(404)
    return meeting


def _to_agenda(message: str, category: str) -> Response:
    flash(message, category)
    return redirect(url_for("participant.agenda"))


@bp.route("/meetings/<int:meeting_id>/cancel", methods=["GET", "POST"])
@participant_required
def cancel_own_meeting(meeting_id: int) -> str | Response | tuple[str, int]:
    """A confirmation page with a required reason; confirmed, the meeting is off."""
    participant = current_participant()
    meeting = _own_meeting(participant, meeting_id)
    event = participant.event
    if not changes.can_change(event, meeting):
        return _to_agenda(_refusal("not-changeable"), "error")
    form = CancelMeetingForm()
    if form.validate_on_submit():
        changes.cancel_own_meeting(meeting, participant, form.reason.data or "", _actor())
        db.session.commit()
        return _to_agenda(_("Reunión cancelada. Avisamos a la otra parte y a la organización."),
                          "success")  # fmt: skip
    page = render_template("participant/cancel_meeting.html", event=event, meeting=meeting,
                           other=changes.other_side(meeting, participant), form=form,
                           when=_when(event, meeting.slot_index),
                           max_reason=MAX_REASON)  # fmt: skip
    return (page, 400) if form.is_submitted() else page


@bp.route("/meetings/<int:meeting_id>/move", methods=["GET", "POST"])
@participant_required
def ask_to_move(meeting_id: int) -> str | Response | tuple[str, int]:
    """The slots where both sides are free and a table is open; one chosen, the other side
    is asked to confirm."""
    participant = current_participant()
    meeting = _own_meeting(participant, meeting_id)
    event = participant.event
    if not changes.can_change(event, meeting):
        return _to_agenda(_refusal("not-changeable"), "error")
    form = MoveMeetingForm()
    pending = changes.get_open_request(meeting)
    if pending is not None and form.is_submitted():
        return _to_agenda(_refusal("already-asked"), "warning")
    form.slot.choices = [(s, _when(event, s)) for s in changes.list_move_slots(meeting)]
    if form.validate_on_submit():
        try:
            changes.ask_to_move(meeting, participant, int(form.slot.data), _actor())
            db.session.commit()
        except changes.ChangeError as refused:
            db.session.rollback()
            return _to_agenda(_refusal(refused.code), "error")
        except IntegrityError:  # the other side asked at the same moment
            db.session.rollback()
            return _to_agenda(_refusal("already-asked"), "warning")
        other = changes.other_side(meeting, participant)
        return _to_agenda(_("Pedimos a %(name)s que confirme el nuevo horario.",
                            name=other.name), "success")  # fmt: skip
    page = render_template("participant/move_meeting.html", event=event, meeting=meeting,
                           other=changes.other_side(meeting, participant), form=form,
                           pending=pending, action_form=ActionForm(),
                           when=_when(event, meeting.slot_index))  # fmt: skip
    return (page, 400) if form.is_submitted() else page


def _when(event: Event, slot: int) -> str:
    slots = event_slots(event)
    return event_moment(slots[slot].start, event) if 0 <= slot < len(slots) else "?"


def _own_request(participant: Participant, request_id: int) -> MoveRequest:
    """The request, if the form is genuine and the participant a side of its meeting."""
    request = changes.get_request_for(participant, request_id)
    if request is None:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    return request


@bp.post("/move-requests/<int:move_request_id>/accept")
@participant_required
def accept_move(move_request_id: int) -> Response:
    """The other side accepts: the meeting moves, both are invited again with the new time.
    A slot taken meanwhile (checked, or lost at the unique indexes) leaves the request stale."""
    participant = current_participant()
    request = _own_request(participant, move_request_id)
    if participant.id == request.asked_by_id:
        abort(404)  # only the other side answers
    event_id = request.event_id
    try:
        meeting = changes.accept_move(request, participant, _actor())
        background.enqueue("send_invitations", event_id)
        db.session.commit()
    except (changes.ChangeError, IntegrityError) as failed:
        db.session.rollback()
        code = failed.code if isinstance(failed, changes.ChangeError) else "stale"
        if code == "stale":
            changes.mark_stale(move_request_id)
            db.session.commit()
        return _to_agenda(_refusal(code), "error")
    return _to_agenda(_("Reunión movida: ahora es el %(when)s, mesa %(table)s.",
                        when=_when(participant.event, meeting.slot_index),
                        table=meeting.table_number + 1), "success")  # fmt: skip


@bp.post("/move-requests/<int:move_request_id>/decline")
@participant_required
def decline_move(move_request_id: int) -> Response:
    participant = current_participant()
    request = _own_request(participant, move_request_id)
    if participant.id == request.asked_by_id:
        abort(404)
    try:
        changes.decline_move(request, participant, _actor())
        db.session.commit()
    except changes.ChangeError as refused:
        db.session.rollback()
        return _to_agenda(_refusal(refused.code), "error")
    return _to_agenda(_("Rechazaste el cambio: la reunión sigue en su horario."), "success")


@bp.post("/move-requests/<int:move_request_id>/withdraw")
@participant_required
def withdraw_move(move_request_id: int) -> Response:
    participant = current_participant()
    request = _own_request(participant, move_request_id)
    if participant.id != request.asked_by_id:
        abort(404)  # only the asker withdraws
    try:
        changes.withdraw_move(request, participant)
        db.session.commit()
    except changes.ChangeError as refused:
        db.session.rollback()
        return _to_agenda(_refusal(refused.code), "error")
    return _to_agenda(_("Retiraste la petición de cambio."), "success")
