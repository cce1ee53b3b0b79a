"""Figures and downloads: the dashboard, the schedule CSV, agendas PDF, transparency register."""

from __future__ import annotations

from flask import Response, abort, redirect, render_template, url_for
from flask_babel import gettext as _
from markupsafe import Markup
from werkzeug.wrappers import Response as WerkzeugResponse

from matchmaker import background
from matchmaker.auth.access import organiser_required
from matchmaker.dates import reader_locale
from matchmaker.domain.vocabulary import theme_label
from matchmaker.extensions import db
from matchmaker.fragments import fragment_cache
from matchmaker.models import Event
from matchmaker.organiser import bp
from matchmaker.organiser.common import actor, current_event
from matchmaker.organiser.forms import ActionForm
from matchmaker.page_cache import current_minute
from matchmaker.services import agenda_pdf, audit, exports, jobs
from matchmaker.services.dashboard import COLUMNS, DASHBOARD_DATA, build_dashboard
from matchmaker.services.lead_figures import build_lead_figures
from matchmaker.services.plots import bar_chart
from matchmaker.services.versions import data_version


@bp.route("/dashboard")
@organiser_required
def dashboard() -> str:
    """The figures are the same for every organiser: rendered once per version of the data and
    minute (requests expire and meetings are held as time passes), in each language."""
    event = current_event()
    version = data_version(event, DASHBOARD_DATA)  # one read for the figures and the lead ones
    figures_html = fragment_cache("dashboard").get(
        (event.id, reader_locale()),
        (version, current_minute()),
        lambda: _dashboard_figures(event, version),
    )
    return render_template("organiser/dashboard.html", event=event,
                           figures_html=Markup(figures_html))  # fmt: skip


def _dashboard_figures(event: Event, version: tuple[object, ...]) -> str:
    figures = build_dashboard(event, version)
    histogram = figures.meetings_per_official
    plots = []
    if histogram:
        plots.append(bar_chart(
            [str(k) for k in histogram], list(histogram.values()),
            title=_("Funcionarios/as según su número de reuniones"),
            xlabel=_("Reuniones"), ylabel=_("Funcionarios/as"),
        ))  # fmt: skip
    themes = [t for t, c in figures.by_theme.items() if any(c.values())]
    if themes:
        plots.append(bar_chart(
            [theme_label(t, reader_locale()) for t in themes],
            [figures.by_theme[t]["meetings"] or 0 for t in themes],
            title=_("Reuniones por tema"), horizontal=True,
        ))  # fmt: skip
        plots.append(bar_chart(
            [theme_label(t, reader_locale()) for t in themes],
            [figures.by_theme[t]["participants"] for t in themes],
            title=_("Participantes por tema"), horizontal=True,
        ))  # fmt: skip
    return render_template("organiser/_dashboard_figures.html", event=event, figures=figures,
                           lead=build_lead_figures(event, version=version), columns=COLUMNS,
                           plots=plots)  # fmt: skip


@bp.route("/exports")
@organiser_required
def exports_page() -> str:
    return render_template("organiser/exports.html", event=current_event(),
                           action_form=ActionForm())  # fmt: skip


#: Every CSV download starts with a BOM (see services/exports.py).
CSV = "text/csv; charset=utf-8"


def _download(body: str | bytes, filename: str, mimetype: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"  # personal data
    return response


@bp.route("/exports/schedule.csv")
@organiser_required
def export_schedule() -> Response:
    event = current_event()
    return _download(exports.schedule_csv(event, reader_locale()),
                     f"agenda-evento-{event.id}.csv", CSV)  # fmt: skip


@bp.route("/exports/transparency.csv")
@organiser_required
def export_transparency() -> Response:
    event = current_event()
    return _download(exports.transparency_register_csv(event, reader_locale()),
                     f"registro-transparencia-evento-{event.id}.csv", CSV)  # fmt: skip


@bp.route("/exports/participants.csv")
@organiser_required
def export_participants() -> Response:
    """The participants as organisers read them (words, in their language)."""
    event = current_event()
    return _download(exports.participants_csv(event, reader_locale()),
                     f"participantes-evento-{event.id}.csv", CSV)  # fmt: skip


@bp.route("/exports/participants-import.csv")
@organiser_required
def export_participants_import() -> Response:
    """The participants in the import format: to edit in a spreadsheet and import again."""
    event = current_event()
    return _download(exports.participants_import_csv(event),
                     f"participantes-importacion-evento-{event.id}.csv", CSV)  # fmt: skip


@bp.post("/exports/agendas")
@organiser_required
def export_agendas() -> WerkzeugResponse:
    """Every participant's agenda in one PDF: a worker builds it (minutes for a big event)
    and the job's page offers it for download when it is ready."""
    event = current_event()
    if not ActionForm().validate_on_submit():
        return redirect(url_for("organiser.exports_page"))
    job = jobs.create_job("agendas", event.id)
    audit.record("agendas.requested", actor=actor(), event_id=event.id, target=job)
    background.enqueue("render_agendas", job.id, event.id, reader_locale(), job_id=job.id)
    db.session.commit()
    return redirect(url_for("organiser.job", job_id=job.id))


@bp.route("/jobs/<int:job_id>/file")
@organiser_required
def job_file(job_id: int) -> Response:
    """The file a finished job built (404 for anything else)."""
    job = jobs.get_job(job_id)
    stored = agenda_pdf.get_export_file(job) if job is not None else None
    if stored is None:
        abort(404)
    return _download(stored.content, stored.filename, stored.media_type)
