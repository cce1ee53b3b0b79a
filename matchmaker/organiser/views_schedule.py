"""Scheduling: start a draft, follow the job, the grid, per participant, publish, cancel, move."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from markupsafe import Markup
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from matchmaker import background
from matchmaker.auth.access import organiser_required
from matchmaker.dates import event_moment, reader_locale
from matchmaker.domain.calendar import Slot
from matchmaker.extensions import db
from matchmaker.fragments import fragment_cache
from matchmaker.ids import parse_id
from matchmaker.models import Event, Job, Meeting
from matchmaker.models.meeting import MEETING_STATUSES, MOVABLE, MeetingStatus
from matchmaker.organiser import bp
from matchmaker.organiser.common import actor, back_within, current_event, job_step
from matchmaker.organiser.figures import schedule_outcome
from matchmaker.organiser.forms import ActionForm, ScheduleForm
from matchmaker.services import (
    agendas,
    audit,
    cancellations,
    jobs,
    meeting_mail,
    participants,
    scheduling,
)
from matchmaker.services.events import get_event
from matchmaker.services.interpreters import is_unstaffed, list_unstaffed_meetings, meetings_by_id
from matchmaker.services.schedule_overview import schedule_overview
from matchmaker.services.versions import data_version


@bp.route("/schedule")
@organiser_required
def schedule() -> str:
    return _schedule_page(current_event())


def _schedule_page(event: Event, form: ScheduleForm | None = None) -> str:
    """The schedule page; ``form`` is a rejected scheduling form, shown with its errors."""
    recent = db.session.execute(
        db.select(Job).where(Job.event_id == event.id).order_by(Job.id.desc()).limit(5)
    ).scalars()
    overview = schedule_overview(event)
    counts = overview.counts
    # Once the schedule is out, a new run books the pairs still without a meeting and moves
    # nobody, unless the organiser unticks it.
    form = form or ScheduleForm(unbooked_only=overview.published)
    invitations = meeting_mail.invitation_status_of(
        event, overview.invitations_sent, overview.invitations_waiting,
        overview.failed_invitation_ids,
    )  # fmt: skip
    return render_template("organiser/schedule.html", event=event, counts=counts,
                           unstaffed=meetings_by_id(overview.unstaffed_ids),
                           total=sum(counts.values()), jobs=list(recent), form=form,
                           action_form=ActionForm(), **_invitations(invitations),
                           approved=overview.approved, unbooked=overview.unbooked,
                           unbooked_count=overview.unbooked_count)  # fmt: skip


def _invitations(status: meeting_mail.InvitationStatus) -> dict[str, Any]:
    """What the invitations card (templates/organiser/_invitations.html) shows."""
    return {"invitations": status, "mail_configured": bool(current_app.config["SMTP_URL"])}


@bp.post("/schedule/start")
@organiser_required
def start_schedule() -> Response | tuple[str, int]:
    """Create a job, commit, then hand it to a worker."""
    event = current_event()
    form = ScheduleForm()
    if not form.validate_on_submit():
        flash(_("Revisa las opciones de la agenda."), "error")
        return _schedule_page(event, form), 400
    unbooked_only, min_meetings = bool(form.unbooked_only.data), int(form.min_meetings.data or 0)
    job = scheduling.start_draft(event, actor(), unbooked_only=unbooked_only,
                                 min_meetings=min_meetings)  # fmt: skip
    db.session.commit()
    return redirect(url_for("organiser.job", job_id=job.id))


@bp.post("/schedule/publish")
@organiser_required
def publish() -> Response | str:
    """First what publishing will do, in numbers; then, confirmed, a job for a worker."""
    event = current_event()
    if not ActionForm().validate_on_submit():
        return redirect(url_for("organiser.schedule"))
    if request.form.get("confirmed") != "1":
        return render_template("organiser/confirm_publish.html", event=event,
                               preview=scheduling.publish_preview(event),
                               mail_configured=bool(current_app.config["SMTP_URL"]),
                               action_form=ActionForm())  # fmt: skip
    job = jobs.create_job("publish", event.id)
    audit.record("schedule.publish", actor=actor(), event_id=event.id, target=job)
    background.enqueue("publish_event", job.id, event.id, job_id=job.id)
    db.session.commit()
    return redirect(url_for("organiser.job", job_id=job.id))


def _job(job_id: int) -> Job:
    job = jobs.get_job(job_id)
    if job is None:
        abort(404)
    return job


def job_state(job: Job) -> dict[str, Any]:
    """The job for its page's script: the step in the reader's words, and as data."""
    failed = job.state == "failed"  # its last step is not what happened: the page says why
    return {
        "id": job.id,
        "kind": job.kind,
        "state": job.state,
        "progress": job.progress,
        "message": "" if failed else job_step(job.progress_step, job.progress_counts),
        "step": job.progress_step,
        "counts": job.progress_counts,
        "finished": job.state in ("done", "failed"),
    }


@bp.route("/jobs/<int:job_id>")
@organiser_required
def job(job_id: int) -> str:
    job = _job(job_id)
    event = current_event()
    histogram = {int(k): v for k, v in (job.result.get("meetings_per_official") or {}).items()}
    invitations: dict[str, Any] = {}
    if job.kind == "publish" and job.event_id is not None:
        published = event if event.id == job.event_id else get_event(job.event_id)
        invitations = _invitations(meeting_mail.invitation_status(published))
    unstaffed = list_unstaffed_meetings(event) if job.kind == "schedule" else []
    return render_template("organiser/job.html", job=job, event=event, unstaffed=unstaffed,
                           histogram=dict(sorted(histogram.items())),
                           lead=schedule_outcome(job.result) if job.kind == "schedule"
                           else None,
                           can_retry=jobs.retry_of(job) is not None,
                           action_form=ActionForm(), **invitations)  # fmt: skip


@bp.post("/jobs/<int:job_id>/retry")
@organiser_required
def retry_job(job_id: int) -> Response:
    """Send again a job whose task never reached the workers (the broker was down)."""
    job = _job(job_id)
    retry = jobs.retry_of(job)
    if ActionForm().validate_on_submit() and retry is not None:
        background.retry_job(job.id, retry["task"], *retry["args"])
        audit.record("job.retried", actor=actor(), event_id=job.event_id, target=job)
        db.session.commit()
        if job.state == "failed":  # the broker is still unreachable: the job says so again
            flash(_("La cola de tareas sigue sin responder: inténtalo de nuevo en unos "
                    "minutos."), "error")  # fmt: skip
    return redirect(url_for("organiser.job", job_id=job.id))


@bp.route("/jobs/<int:job_id>.json")
@organiser_required
def job_json(job_id: int) -> Response:
    return jsonify(job_state(_job(job_id)))


@bp.route("/schedule/grid")
@organiser_required
def grid() -> str:
    """One day at a time: slots down, tables across, one cell per meeting; a meeting called
    off there is listed under it, greyed (``_grid_cells``). The table is rendered once per
    version of what it shows (``_grid_table``)."""
    event = current_event()
    every_slot = event.slots()
    days = sorted({slot.day for slot in every_slot})
    chosen = parse_id(request.args.get("day"))
    day = chosen if chosen in days else (days[0] if days else 1)
    empty_slots = request.args.get("empty") == "1"
    table = fragment_cache("grid").get(
        (event.id, reader_locale(), day, empty_slots),
        data_version(event, GRID_DATA),
        lambda: _grid_table(event, [slot for slot in every_slot if slot.day == day], empty_slots),
    )
    day_dates = {slot.day: slot.start.date() for slot in every_slot}
    return render_template("organiser/grid.html", event=event, action_form=ActionForm(),
                           table=Markup(table), days=[(d, day_dates[d]) for d in days],
                           day=day, empty_slots=empty_slots)  # fmt: skip


#: What the grid shows: meetings, both sides' names and languages (whether a meeting needs an
#: interpreter), interpreters' names; the event's settings are in every version.
GRID_DATA = ("meetings", "participants", "interpreters")


def _grid_table(event: Event, slots: list[Slot], empty_slots: bool) -> str:
    """One day's grid table, the same for every reader (matchmaker.fragments)."""
    span = range(slots[0].index, slots[-1].index + 1) if slots else range(0)
    cells, called_off = _grid_cells(
        scheduling.list_meetings(event, MEETING_STATUSES, with_people=True, slots=span)
    )
    return render_template("organiser/_grid_table.html", slots=slots, cells=cells,
                           called_off=called_off,
                           unstaffed={m.id for m in cells.values() if is_unstaffed(m)},
                           tables=range(event.num_tables),
                           empty_slots=empty_slots)  # fmt: skip


Cell = tuple[int, int]


def _grid_cells(meetings: list[Meeting]) -> tuple[dict[Cell, Meeting], dict[Cell, list[Meeting]]]:
    """(slot, table) -> the meeting holding the table, and -> the meetings called off there
    (cancelled, or missed and given to another pair): these are listed under it, greyed, so
    that the meeting that holds the table reads first."""
    cells: dict[Cell, Meeting] = {}
    called_off: dict[Cell, list[Meeting]] = {}
    for meeting in meetings:
        key = (meeting.slot_index, meeting.table_number)
        holder = cells.get(key)
        if meeting.status == MeetingStatus.CANCELLED:
            called_off.setdefault(key, []).append(meeting)
        elif holder is None:
            cells[key] = meeting
        elif holder.status == MeetingStatus.NO_SHOW:
            cells[key] = meeting
            called_off.setdefault(key, []).append(holder)
        else:
            called_off.setdefault(key, []).append(meeting)
    return cells, called_off


@bp.route("/schedule/people")
@organiser_required
def people_agendas() -> str:
    event = current_event()
    chosen_id = parse_id(request.args.get("participant"))
    chosen = participants.find_participant(event, chosen_id) if chosen_id is not None else None
    # Cancelled meetings too, greyed on the page: organisers see what was called off.
    agenda = agendas.participant_agenda(chosen, MEETING_STATUSES) if chosen else []
    options = fragment_cache("people-options").get(
        event.id, data_version(event, PEOPLE_OPTIONS_DATA), lambda: _people_options(event)
    )
    if chosen is not None:  # the one option marked chosen, in this request's copy
        option = f'<option value="{chosen.id}">'
        options = options.replace(option, f'<option value="{chosen.id}" selected>', 1)
    return render_template("organiser/people.html", event=event, options=Markup(options),
                           unstaffed={m.id for m in agenda if is_unstaffed(m)},
                           chosen=chosen, agenda=agenda, slots=event.slots(),
                           action_form=ActionForm())  # fmt: skip


#: What the list of participants shows: names, organisations and meeting counts.
PEOPLE_OPTIONS_DATA = ("participants", "meetings")


def _people_options(event: Event) -> str:
    """Every participant as an option of the page's list, none chosen, with their meetings:
    the same for every reader (a thousand options cost more to render than the rest)."""
    return render_template("organiser/_people_options.html",
                           everyone=participants.list_names(event),
                           counts=agendas.meeting_counts(event))  # fmt: skip


def _own_meeting(meeting_id: int) -> Meeting | None:
    """The event's meeting, if the form is genuine and the meeting is the event's."""
    meeting = db.session.get(Meeting, meeting_id)
    if not ActionForm().validate_on_submit() or meeting is None:
        return None
    return meeting if meeting.event_id == current_event().id else None


def _back_to_schedule() -> Response:
    return back_within("/organiser/schedule", "organiser.grid")


@bp.post("/meetings/<int:meeting_id>/cancel")
@organiser_required
def cancel_meeting(meeting_id: int) -> Response | str:
    """First who is affected and who will be told; then, confirmed, the meeting is off at
    once and both sides are mailed if they knew of it."""
    meeting = _own_meeting(meeting_id)
    if meeting is None or meeting.status not in MOVABLE:
        flash(_("No se pudo cambiar la reunión."), "error")
        return _back_to_schedule()
    event = current_event()
    if request.form.get("confirmed") != "1":
        return render_template("organiser/confirm_cancel.html", event=event, meeting=meeting,
                               when=event_moment(event.calendar().slots[meeting.slot_index]
                                                 .start, event),
                               mail_configured=bool(current_app.config["SMTP_URL"]),
                               max_reason=cancellations.MAX_REASON, action_form=ActionForm(),
                               back=_back_to_schedule().location)  # fmt: skip
    cancellations.cancel_by_organiser(meeting, request.form.get("reason", ""), actor())
    db.session.commit()
    flash(_("Reunión cancelada: el turno y la mesa quedan libres."), "success")
    return _back_to_schedule()


@bp.post("/meetings/<int:meeting_id>/move")
@organiser_required
def move_meeting(meeting_id: int) -> Response | str:
    """First the slots where both sides are free and a table is open; then, one chosen, the
    meeting moves there (nobody else moves)."""
    meeting = _own_meeting(meeting_id)
    if meeting is None:
        flash(_("No se pudo cambiar la reunión."), "error")
        return _back_to_schedule()
    event = current_event()
    chosen = parse_id(request.form.get("slot"))  # slots are numbered from 1 in the form
    if chosen is None:
        return render_template("organiser/move_meeting.html", event=event, meeting=meeting,
                               free=scheduling.free_slots_for(meeting),
                               slots=event.calendar().slots, action_form=ActionForm(),
                               back=request.form.get("next", ""))  # fmt: skip
    slot = chosen - 1
    try:
        scheduling.move_by_organiser(meeting, slot, actor())
        db.session.commit()
    except (scheduling.SlotTaken, IntegrityError):
        db.session.rollback()
        flash(_("Ese turno ya no está libre para las dos partes: elige otro."), "error")
        return _back_to_schedule()
    flash(_("Reunión movida a la mesa %(table)s, %(when)s.", table=meeting.table_number + 1,
            when=event_moment(event.calendar().slots[slot].start, event)), "success")  # fmt: skip
    if is_unstaffed(meeting):
        flash(_("En ese turno no queda ningún intérprete libre para esta reunión, y lo "
                "necesita: no tiene intérprete."), "warning")  # fmt: skip
    return _back_to_schedule()


@bp.post("/schedule/invitations/retry")
@organiser_required
def retry_invitations() -> Response:
    """Give the failed invitations their attempts back and queue the sending again."""
    event = current_event()
    if not ActionForm().validate_on_submit():
        return _back_to_schedule()
    if not current_app.config["SMTP_URL"]:
        flash(_("El correo no está configurado: las invitaciones a las reuniones no se envían "
                "por correo. Cada participante ve su agenda en el sitio."), "warning")  # fmt: skip
        return _back_to_schedule()
    reset = meeting_mail.reset_failed(event)
    audit.record("invitations.retried", actor=actor(), event_id=event.id, meetings=reset)
    background.enqueue("send_invitations", event.id)
    db.session.commit()
    flash(ngettext("Envío de invitaciones en marcha (%(num)d fallida vuelve a intentarse).",
                   "Envío de invitaciones en marcha (%(num)d fallidas vuelven a intentarse).",
                   reset), "success")  # fmt: skip
    return back_within("/organiser/", "organiser.schedule")
