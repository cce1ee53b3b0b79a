"""One's agenda: the published meetings, as a page, a print page, .ics and PDF; outcomes."""

from __future__ import annotations

from flask import Response, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from matchmaker.auth.access import current_participant, participant_required
from matchmaker.extensions import db
from matchmaker.models import Event, Meeting, Participant
from matchmaker.models.meeting import ANNOUNCED, OUTCOMES
from matchmaker.participant import bp
from matchmaker.participant.forms import OutcomeForm
from matchmaker.services.agenda_pdf import render_agendas_pdf
from matchmaker.services.agendas import agenda_item, participant_agenda, participant_ics
from matchmaker.services.outcomes import (
    OutcomeError,
    get_meeting_for,
    meeting_has_ended,
    record_outcome,
)


def _rows(event: Event, participant: Participant) -> list[dict[str, object]]:
    rows = []
    for meeting in participant_agenda(participant, ANNOUNCED):
        item = agenda_item(event, meeting)
        rows.append(
            {
                "meeting": meeting,
                "start": item.start,
                "end": item.end,
                "table": meeting.table_number + 1,
                "other": meeting.partner if participant.is_government else meeting.government,
                "ended": meeting_has_ended(event, meeting),
            }
        )
    return rows


def _filename(participant: Participant, extension: str) -> str:
    safe = "".join(c if c.isalnum() else "-" for c in participant.external_id)
    return f"agenda-{safe}.{extension}"


@bp.route("/agenda")
@participant_required
def agenda() -> str:
    return _render_agenda("participant/agenda.html")


@bp.route("/agenda/print")
@participant_required
def agenda_print() -> str:
    return _render_agenda("participant/agenda_print.html")


def _render_agenda(template: str) -> str:
    """The agenda page and its printable twin show the same rows."""
    participant = current_participant()
    event = participant.event
    rows = _rows(event, participant)
    return render_template(template, participant=participant, event=event, rows=rows)


@bp.route("/agenda.ics")
@participant_required
def agenda_ics() -> Response:
    participant = current_participant()
    body = participant_ics(participant.event, participant, current_app.config["MAIL_FROM"])
    return Response(
        body,
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="{_filename(participant, "ics")}"'},
    )


@bp.route("/agenda.pdf")
@participant_required
def agenda_pdf() -> Response:
    participant = current_participant()
    body = render_agendas_pdf(participant.event, [participant])
    return Response(
        body,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{_filename(participant, "pdf")}"'},
    )


def _meeting_or_404(participant: Participant, meeting_id: int) -> Meeting:
    meeting = get_meeting_for(participant, meeting_id)
    if meeting is None:
        abort(404)
    return meeting


@bp.route("/meetings/<int:meeting_id>/outcome", methods=["GET", "POST"])
@participant_required
def meeting_outcome(meeting_id: int) -> str | BaseResponse:
    participant = current_participant()
    event = participant.event
    meeting = _meeting_or_404(participant, meeting_id)
    ended = meeting_has_ended(event, meeting)
    form = OutcomeForm()
    if not form.is_submitted() and meeting.status in OUTCOMES:
        form.status.data = meeting.status
        form.outcome.data = meeting.outcome
    if ended and form.validate_on_submit():
        try:
            record_outcome(meeting, participant, form.status.data or "", form.outcome.data or "")
        except OutcomeError:
            db.session.rollback()
            abort(400)
        db.session.commit()
        flash(_("Resultado guardado."), "success")
        return redirect(url_for("participant.agenda"))
    item = agenda_item(event, meeting)
    return render_template(
        "participant/outcome.html",
        participant=participant,
        event=event,
        meeting=meeting,
        other=meeting.partner if participant.is_government else meeting.government,
        start=item.start,
        end=item.end,
        ended=ended,
        form=form,
    )
