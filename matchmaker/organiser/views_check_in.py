"""Check-in by QR code at the meeting area: the staff's scan page (camera, photo or typed
code, decoded in the browser) and the check-in link a code holds (a phone's camera app opens
it: a confirm page, since a GET changes nothing). The codes and their rules:
``matchmaker.services.check_in_codes`` and ``matchmaker.services.live``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import current_app, jsonify, render_template, request
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from matchmaker.auth.access import organiser_required
from matchmaker.dates import meeting_time
from matchmaker.extensions import db
from matchmaker.labels import kind_label
from matchmaker.organiser import bp
from matchmaker.organiser.common import actor
from matchmaker.organiser.forms import ActionForm
from matchmaker.organiser.views_live import live_refusal
from matchmaker.orm import utcnow
from matchmaker.services import check_in_codes, live
from matchmaker.services.check_in_codes import CodeTarget
from matchmaker.services.live import LiveError


@dataclass
class ScanResult:
    """What the staff member reads after a scan: an outcome code, a headline, a detail, and
    the person and table the code named (when it named any)."""

    outcome: str  # checked-in, already, invalid, outside-slot, not-checkable, expired-form
    headline: str
    detail: str = ""
    person: dict[str, Any] = field(default_factory=dict)

    @property
    def status(self) -> int:
        if self.outcome in ("checked-in", "already"):
            return 200
        return 409 if self.outcome in ("outside-slot", "not-checkable") else 400


def _describe(target: CodeTarget) -> dict[str, Any]:
    meeting, person = target.meeting, target.participant
    slots = live.event_slots(person.event)
    slot = slots[meeting.slot_index] if meeting.slot_index < len(slots) else None
    return {"name": person.name, "organisation": person.organisation,
            "side": kind_label(person.kind), "table": meeting.table_number + 1,
            "table_text": _("Mesa %(n)s", n=meeting.table_number + 1),
            "when": meeting_time(slot.start, slot.end) if slot else "",
            "meeting": meeting.id}  # fmt: skip


def _invalid() -> ScanResult:
    return ScanResult("invalid", _("Código no válido"),
                      _("Este código no corresponde a ninguna reunión. Pide a la persona su "
                        "agenda o registra la llegada desde el tablero."))  # fmt: skip


def _check_in(code: str) -> ScanResult:
    """Check in the side ``code`` names (the view commits or rolls back)."""
    target = check_in_codes.resolve_code(code, current_app.config["SECRET_KEY"])
    if target is None:
        return _invalid()
    person = _describe(target)
    try:
        recorded = check_in_codes.check_in_with_code(target, utcnow(), actor())
    except LiveError as refused:
        if refused.code == "outside-slot":
            return ScanResult("outside-slot", _("Fuera de horario"), live_refusal(refused), person)
        return ScanResult("not-checkable", _("No se registró"), live_refusal(refused), person)
    if not recorded:
        return ScanResult("already", _("Su llegada ya estaba registrada"), "", person)
    return ScanResult("checked-in", _("Llegada registrada"), "", person)


def _settle(result: ScanResult) -> ScanResult:
    if result.status == 200:
        db.session.commit()
    else:
        db.session.rollback()  # refused: nothing changes
    return result


def _expired_form() -> ScanResult:
    return ScanResult("expired-form", _("No se registró"),
                      _("El formulario caducó: inténtalo de nuevo."))  # fmt: skip


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _answer(result: ScanResult) -> tuple[Response | str, int]:
    if _wants_json():
        body = {"outcome": result.outcome, "headline": result.headline,
                "detail": result.detail, **result.person}  # fmt: skip
        return jsonify(body), result.status
    return render_template("organiser/check_in_result.html", result=result,
                           form=ActionForm()), result.status  # fmt: skip


@bp.route("/live/scan")
@organiser_required
def scan_page() -> str:
    """The phone page at the meeting area: camera preview, photo, or typed code."""
    return render_template("organiser/check_in_scan.html", form=ActionForm())


@bp.post("/live/scan")
@organiser_required
def scan_code() -> tuple[Response | str, int]:
    """A scanned, photographed or typed code (form field ``code``: a token or a link);
    JSON for the scan page's script, a result page without it."""
    if not ActionForm().validate_on_submit():
        return _answer(_expired_form())
    return _answer(_settle(_check_in(request.form.get("code", ""))))


@bp.route("/live/check-in/<token>")
@organiser_required
def check_in_link(token: str) -> tuple[str, int]:
    """What a check-in QR code opens: who and which table, and a button (a GET changes
    nothing: link previews and prefetching must not check anyone in)."""
    target = check_in_codes.resolve_code(token, current_app.config["SECRET_KEY"])
    if target is None:
        return render_template("organiser/check_in_result.html", result=_invalid(),
                               form=ActionForm()), 400  # fmt: skip
    return render_template("organiser/check_in_confirm.html", person=_describe(target),
                           token=token, form=ActionForm()), 200  # fmt: skip


@bp.post("/live/check-in/<token>")
@organiser_required
def check_in_link_post(token: str) -> tuple[Response | str, int]:
    if not ActionForm().validate_on_submit():
        return _answer(_expired_form())
    return _answer(_settle(_check_in(token)))
