"""One's agenda: the published meetings, as a page, a print page, .ics and PDF; outcomes."""

from __future__ import annotations

from datetime import datetime

from flask import Response, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response as BaseResponse

from matchmaker.auth.access import current_participant, participant_required
from matchmaker.extensions import db
from matchmaker.models import Event, Meeting, Participant
from matchmaker.models.meeting import OUTCOMES
from matchmaker.orm import utcnow
from matchmaker.page_cache import kept_page
from matchmaker.participant import bp
from matchmaker.participant.forms import ActionForm, OutcomeForm
from matchmaker.participant.now_next import agenda_top
from matchmaker.services import live, meeting_changes
from matchmaker.services.agenda_pdf import render_agendas_pdf
from matchmaker.services.agendas import agenda_item, agenda_meetings, participant_ics
from matchmaker.services.check_in_codes import CheckInLinks
from matchmaker.services.decisions import schedule_is_published
from matchmaker.services.outcomes import (
    OutcomeError,
    get_feedback,
    get_meeting_for,
    meeting_has_ended,
    meeting_has_started,
    record_outcome,
)
from matchmaker.services.requests import list_agreed_counterparts


def _check_in(
    event: Event, meeting: Meeting, participant: Participant, now: datetime
) -> dict[str, object]:
    """Whether the "I'm at my table" button shows (the meeting is in its check-in window and
    this side has not checked in yet), and whether this side has."""
    side = live.side_of(meeting, participant) or "government"
    arrived = live.checked_in_at(meeting, side) is not None
    slots = live.event_slots(event)
    window = meeting.slot_index < len(slots) and live.check_in_open(slots[meeting.slot_index], now)
    return {"arrived": arrived, "can_check_in": window and not arrived
            and meeting.status == "published"}  # fmt: skip


def _rows(event: Event, participant: Participant) -> list[dict[str, object]]:
    rows = []
    now = utcnow()
    for meeting in agenda_meetings(participant):
        item = agenda_item(event, meeting)
        rows.append(
            {
                "meeting": meeting,
                "start": item.start,
                "end": item.end,
                "table": meeting.table_number + 1,
                "other": meeting.partner if participant.is_government else meeting.government,
                "ended": meeting_has_ended(event, meeting),
                "started": meeting_has_started(event, meeting, now),
                "can_change": meeting_changes.can_change(event, meeting, now),
                **_check_in(event, meeting, participant, now),
            }
        )
    return rows


def _filename(participant: Participant, extension: str) -> str:
    safe = "".join(c if c.isalnum() else "-" for c in participant.external_id)
    return f"agenda-{safe}.{extension}"


@bp.route("/agenda")
@kept_page
@participant_required
def agenda() -> str:
    return _render_agenda("participant/agenda.html")


@bp.route("/agenda/print")
@kept_page
@participant_required
def agenda_print() -> str:
    return _render_agenda("participant/agenda_print.html")


def _render_agenda(template: str) -> str:
    """The agenda page and its printable twin show the same rows."""
    participant = current_participant()
    event = participant.event
    rows = _rows(event, participant)
    offers = live.list_open_offers_for(participant, utcnow())
    return render_template(template, participant=participant, event=event, rows=rows,
                           offers=offers, action_form=ActionForm(),
                           move_requests=meeting_changes.list_open_requests(participant),
                           **_still_to_schedule(participant, rows),
                           **agenda_top(event, rows, utcnow()))  # fmt: skip


def _still_to_schedule(
    participant: Participant, rows: list[dict[str, object]]
) -> dict[str, object]:
    """Accepted requests with no meeting yet, and whether the schedule is out: the empty
    agenda says they are waiting for the organisers, not lost."""
    booked = {getattr(row["other"], "id", None) for row in rows}
    agreed = list_agreed_counterparts(participant) - booked
    return {"to_schedule": len(agreed), "published": schedule_is_published(participant.event_id)}


@bp.route("/agenda.ics")
@participant_required
def agenda_ics() -> Response:
    participant = current_participant()
    body = participant_ics(participant.event, participant, current_app.config["MAIL_FROM"],
                           CheckInLinks.from_config(current_app.config))  # fmt: skip
    return Response(
        body,
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="{_filename(participant, "ics")}"'},
    )


@bp.route("/agenda.pdf")
@participant_required
def agenda_pdf() -> Response:
    participant = current_participant()
    links = CheckInLinks.from_config(current_app.config)
    body = render_agendas_pdf(participant.event, [participant], check_in_links=links)
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
def meeting_outcome(meeting_id: int) -> BaseResponse | tuple[str, int]:
    participant = current_participant()
    event = participant.event
    meeting = _meeting_or_404(participant, meeting_id)
    started = meeting_has_started(event, meeting)  # from its start, not only after its end
    form = OutcomeForm()
    if not form.is_submitted():
        _fill_outcome_form(form, meeting, participant)
    if started and form.validate_on_submit():
        try:
            record_outcome(meeting, participant, form.status.data or "", form.outcome.data or "",
                           rating=form.rating.data if form.status.data == "held" else None,
                           would_follow_up=bool(form.would_follow_up.data))  # fmt: skip
            db.session.commit()
        except OutcomeError:
            db.session.rollback()
            abort(400)
        except IntegrityError as clash:
            db.session.rollback()
            if "meeting_feedback" in str(clash.orig):  # saved from two tabs at once
                flash(_("Tu valoración se guardó a la vez desde otra ventana: revísala."),
                      "warning")  # fmt: skip
                return redirect(url_for("participant.meeting_outcome", meeting_id=meeting_id))
            # A standby meeting took the slot of this no-show meanwhile.
            flash(_("Otra reunión ocupa ya este turno: esta reunión queda como no "
                    "celebrada."), "warning")  # fmt: skip
            return redirect(url_for("participant.agenda"))
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
        started=started,
        form=form,
    ), (400 if form.is_submitted() and started else 200)


def _fill_outcome_form(form: OutcomeForm, meeting: Meeting, participant: Participant) -> None:
    """What was said before: the shared status and text, and this side's own feedback."""
    if meeting.status in OUTCOMES:
        form.status.data = meeting.status
        form.outcome.data = meeting.outcome
    feedback = get_feedback(meeting, participant)
    if feedback is not None:
        form.rating.data, form.would_follow_up.data = feedback.rating, feedback.would_follow_up
