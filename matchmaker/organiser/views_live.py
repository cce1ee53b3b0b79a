"""The live board of the meeting area: the current and next slot, table by table, with staff
check-in; the page follows the board's JSON and reloads when something changed."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from matchmaker.auth.access import organiser_required
from matchmaker.extensions import db
from matchmaker.models import Meeting
from matchmaker.organiser import bp
from matchmaker.organiser.common import actor, current_event
from matchmaker.organiser.forms import ActionForm
from matchmaker.orm import utcnow
from matchmaker.services import live
from matchmaker.services.live import BoardSlot, LiveError

#: The page asks the server for changes this often (milliseconds).
POLL_MS = 15_000


@bp.route("/live")
@organiser_required
def live_board() -> str:
    event = current_event()
    slots = live.board(event, utcnow())
    return render_template("organiser/live.html", event=event, slots=slots,
                           fingerprint=live.board_fingerprint(slots), poll_ms=POLL_MS,
                           action_form=ActionForm())  # fmt: skip


@bp.route("/live.json")
@organiser_required
def live_board_json() -> Response:
    """The board as data: what the page compares, and what a display could draw."""
    slots = live.board(current_event(), utcnow())
    return jsonify(
        {"fingerprint": live.board_fingerprint(slots), "slots": [_slot(s) for s in slots]}
    )


def _slot(board_slot: BoardSlot) -> dict[str, Any]:
    return {
        "slot": board_slot.slot.index,
        "current": board_slot.current,
        "start": board_slot.slot.start.isoformat(),
        "meetings": [
            {"id": row.meeting.id, "table": row.meeting.table_number + 1, "state": row.state,
             "government": {"name": row.meeting.government.name, "state": row.government},
             "partner": {"name": row.meeting.partner.name, "state": row.partner},
             "offers": [{"id": o.id, "state": o.state} for o in row.offers]}
            for row in board_slot.rows
        ],
    }  # fmt: skip


@bp.post("/meetings/<int:meeting_id>/check-in")
@organiser_required
def staff_check_in(meeting_id: int) -> Response:
    """Staff mark one side of a meeting as arrived (form field ``side``)."""
    meeting = db.session.get(Meeting, meeting_id)
    event = current_event()
    if meeting is None or meeting.event_id != event.id:
        abort(404)
    if not ActionForm().validate_on_submit():
        flash(_("El formulario caducó: inténtalo de nuevo."), "error")
        return redirect(url_for("organiser.live_board"))
    try:
        live.check_in(meeting, request.form.get("side", ""), utcnow(), actor(), by_staff=True)
    except LiveError as refused:
        db.session.rollback()
        if refused.code == "bad-side":
            abort(400)
        flash(live_refusal(refused), "error")
        return redirect(url_for("organiser.live_board"))
    db.session.commit()
    flash(_("Llegada registrada."), "success")
    return redirect(url_for("organiser.live_board"))


def live_refusal(refused: LiveError) -> str:
    """A refused live action in the reader's words."""
    if refused.code == "outside-slot":
        return _("La llegada se registra desde 15 minutos antes del turno hasta su final.")
    if refused.code == "not-checkable":
        return _("Esta reunión ya no admite registrar llegadas.")
    if refused.code == "closed":
        return _("Esta oferta ya no está abierta: otra persona respondió antes.")
    if refused.code == "expired":
        return _("Esta oferta caducó: su turno ya terminó.")
    return _("No se pudo registrar: revisa los datos.")
