"""Overview, event settings and the participants file."""

from __future__ import annotations

from datetime import time
from typing import Any

from flask import flash, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import Subquery, true
from werkzeug.wrappers import Response

from matchmaker.auth.access import organiser_required
from matchmaker.domain.importing import ImportRejected
from matchmaker.extensions import db
from matchmaker.ids import parse_id
from matchmaker.models import Event, MatchSuggestion, Meeting, Participant
from matchmaker.organiser import bp
from matchmaker.organiser.common import SESSION_KEY, actor, current_event
from matchmaker.organiser.forms import EventSettingsForm, UploadForm, parse_breaks, parse_days
from matchmaker.organiser.import_errors import describe
from matchmaker.services import events, participants
from matchmaker.services.event_settings import (
    FIRST_DAY,
    LAST_DAY,
    EventSettings,
    SettingsRejected,
    check_calendar,
    save_settings,
)
from matchmaker.services.versions import kept_while_unchanged


@bp.route("/")
@organiser_required
def index() -> str:
    all_events = db.session.execute(db.select(Event).order_by(Event.id)).scalars().all()
    event = None
    if len(all_events) == 1:
        event = all_events[0]
    elif all_events:
        chosen = parse_id(request.args.get("event")) or session.get(SESSION_KEY)
        event = next((e for e in all_events if e.id == chosen), None)
        if event is not None:
            session[SESSION_KEY] = event.id
    counts = _counts(event) if event is not None else {}
    return render_template("organiser/index.html", events=all_events, event=event, counts=counts)


def _counts(event: Event) -> dict[str, int]:
    """The event's figures in one statement: each table read once, two counts side by side;
    kept while the data's revision stands."""

    def counts(model: Any, **conditions: Any) -> Subquery:
        scan = db.select(*(db.func.count().filter(condition).label(name)
                           for name, condition in conditions.items()))  # fmt: skip
        return scan.where(model.event_id == event.id).subquery()

    people = counts(Participant, officials=Participant.kind == "government",
                    partners=Participant.kind == "partner")  # fmt: skip
    pairs = counts(MatchSuggestion, suggested=MatchSuggestion.status == "suggested",
                   approved=MatchSuggestion.status == "approved")  # fmt: skip
    meetings = counts(Meeting, meetings=Meeting.status != "cancelled",
                      drafts=Meeting.status == "draft")  # fmt: skip
    query = (
        db.select(*people.c, *pairs.c, *meetings.c)
        .select_from(people)
        .join(pairs, true())  # each scan is one row
        .join(meetings, true())
    )

    def read() -> dict[str, int]:
        row = db.session.execute(query).one()
        return {name: int(value or 0) for name, value in row._mapping.items()}

    return {**kept_while_unchanged(("event-counts", event.id), read), "slots": event.num_slots()}


@bp.route("/event", methods=["GET", "POST"])
@organiser_required
def settings() -> str | Response:
    """The event's settings; with no event yet, saving creates it."""
    existing = db.session.execute(db.select(Event.id).limit(1)).first()
    event = current_event() if existing else None
    form = EventSettingsForm(obj=None)
    if request.method == "GET":
        _fill(form, event)
    num_slots = event.calendar().num_slots if event is not None and event.days else None
    preview = None
    if form.validate_on_submit():
        values = _settings(form)
        try:
            if "preview" in request.form:
                preview = check_calendar(values).num_slots
            else:
                saved, calendar = save_settings(event, values, actor())
                db.session.commit()
                session[SESSION_KEY] = saved.id
                flash(ngettext("Configuración guardada: %(num)d turno de reunión.",
                               "Configuración guardada: %(num)d turnos de reunión.",
                               calendar.num_slots), "success")  # fmt: skip
                return redirect(url_for("organiser.settings"))
        except SettingsRejected as rejected:
            db.session.rollback()
            getattr(form, rejected.field).errors = [_rejection(rejected)]
    return render_template("organiser/settings.html", form=form, event=event, num_slots=num_slots,
                           preview=preview)  # fmt: skip


def _fill(form: EventSettingsForm, event: Event | None) -> None:
    values = EventSettings.of(event) if event is not None and event.days else None
    if values is None:
        form.name.data = events.DEFAULT_EVENT_NAME
        form.time_zone.data = "America/Mexico_City"
        form.slot_minutes.data, form.num_tables.data = 20, 20
        form.default_max_meetings.data, form.request_expiry_hours.data = 8, 72
        form.no_show_minutes.data = 10
        form.day_start.data, form.day_end.data = time(9, 0), time(13, 0)
        return
    form.name.data, form.venue.data, form.time_zone.data = (
        values.name,
        values.venue,
        values.time_zone,
    )
    form.days.data = "\n".join(d.isoformat() for d in values.days)
    form.day_start.data, form.day_end.data = values.day_start, values.day_end
    form.slot_minutes.data = values.slot_minutes
    form.breaks.data = "\n".join(
        f"{s:%H:%M}-{e:%H:%M} {label}".strip() for s, e, label in values.breaks
    )
    form.num_tables.data = values.num_tables
    form.default_max_meetings.data = values.default_max_meetings
    form.request_expiry_hours.data = values.request_expiry_hours
    form.no_show_minutes.data = values.no_show_minutes


def _settings(form: EventSettingsForm) -> EventSettings:
    return EventSettings(
        name=(form.name.data or "").strip(),
        venue=(form.venue.data or "").strip(),
        time_zone=(form.time_zone.data or "").strip(),
        days=parse_days(form.days.data or ""),
        day_start=form.day_start.data,  # type: ignore[arg-type]
        day_end=form.day_end.data,  # type: ignore[arg-type]
        slot_minutes=int(form.slot_minutes.data or 0),
        breaks=parse_breaks(form.breaks.data or ""),
        num_tables=int(form.num_tables.data or 0),
        default_max_meetings=int(form.default_max_meetings.data or 0),
        request_expiry_hours=int(form.request_expiry_hours.data or 0),
        no_show_minutes=form.no_show_minutes.data or _current_no_show_minutes(),
    )


def _current_no_show_minutes() -> int:
    """The event's grace time (10 for a new event): kept when the field is left empty."""
    existing = db.session.execute(db.select(Event.id).limit(1)).first()
    return current_event().no_show_minutes if existing else 10


def _rejection(rejected: SettingsRejected) -> str:
    data = rejected.data
    if rejected.field == "day_end":
        return _("La jornada debe terminar después de empezar.")
    if rejected.field == "slot_minutes":
        return _("Con estos horarios no cabe ningún turno de reunión.")
    if rejected.field == "num_tables":
        return _("Hay reuniones en la mesa %(table)s: no se puede reducir tanto.",
                 table=data.get("table"))  # fmt: skip
    if rejected.field == "breaks":
        return _("Cada pausa debe terminar después de empezar.")
    if rejected.field == "days" and "day" in data:
        return _("«%(value)s» está fuera de los años admitidos (%(first)s–%(last)s).",
                 value=data["day"], first=FIRST_DAY.year, last=LAST_DAY.year)  # fmt: skip
    return ngettext(
        "Quedaría %(num)d turno, pero hay reuniones o ausencias en el turno %(slot)s.",
        "Quedarían %(num)d turnos, pero hay reuniones o ausencias en el turno %(slot)s.",
        int(data.get("num_slots") or 0),
        slot=data.get("slot"),
    )


def _imported_words(summary: participants.ImportSummary) -> str:
    """The import's counts, each with its own plural ("1 socio", "2 socios")."""
    return _("Importados %(officials)s y %(partners)s (%(created)s, %(updated)s, %(unchanged)s).",
             officials=ngettext("%(num)d funcionario/a", "%(num)d funcionarios/as",
                                summary.total("government")),
             partners=ngettext("%(num)d socio", "%(num)d socios", summary.total("partner")),
             created=ngettext("%(num)d nuevo", "%(num)d nuevos", sum(summary.created.values())),
             updated=ngettext("%(num)d actualizado", "%(num)d actualizados",
                              sum(summary.updated.values())),
             unchanged=ngettext("%(num)d sin cambios", "%(num)d sin cambios",
                                sum(summary.unchanged.values())))  # fmt: skip


@bp.route("/participants/upload", methods=["GET", "POST"])
@organiser_required
def upload_participants() -> str | Response:
    """Import a participants file, all or nothing, showing every bad row."""
    event = current_event()
    form = UploadForm()
    errors: list[dict[str, object]] = []
    if form.validate_on_submit():
        data = form.file.data.read()
        try:
            summary = participants.import_participants(event, data)
        except ImportRejected as rejected:
            db.session.rollback()
            errors = [{"line": e.line, "column": e.column, "reason": describe(e)}
                      for e in rejected.errors]  # fmt: skip
        else:
            participants.record_import(event, summary, actor(), form.file.data.filename or "")
            db.session.commit()
            flash(_imported_words(summary), "success")
            return redirect(url_for("organiser.upload_participants"))
    page = render_template("organiser/upload.html", form=form, errors=errors, event=event,
                           counts=_counts(event))  # fmt: skip
    return make_response(page, 422 if errors else 200)
