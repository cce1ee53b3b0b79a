"""Figures and downloads: the dashboard, the schedule CSV, agendas PDF, transparency register."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as WerkzeugResponse

from matchmaker.auth.access import organiser_required
from matchmaker.domain.vocabulary import theme_label
from matchmaker.models import Participant
from matchmaker.organiser import bp
from matchmaker.organiser.common import current_event, locale
from matchmaker.services import exports, participants
from matchmaker.services.dashboard import COLUMNS, build_dashboard
from matchmaker.services.plots import bar_chart


@bp.route("/dashboard")
@organiser_required
def dashboard() -> str:
    event = current_event()
    figures = build_dashboard(event)
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
            [theme_label(t, locale()) for t in themes],
            [figures.by_theme[t]["meetings"] or 0 for t in themes],
            title=_("Reuniones por tema"), horizontal=True,
        ))  # fmt: skip
        plots.append(bar_chart(
            [theme_label(t, locale()) for t in themes],
            [figures.by_theme[t]["participants"] for t in themes],
            title=_("Participantes por tema"), horizontal=True,
        ))  # fmt: skip
    return render_template("organiser/dashboard.html", event=event, figures=figures,
                           columns=COLUMNS, plots=plots)  # fmt: skip


@bp.route("/exports")
@organiser_required
def exports_page() -> str:
    return render_template("organiser/exports.html", event=current_event())


def _download(body: str | bytes, filename: str, mimetype: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"  # personal data
    return response


@bp.route("/exports/schedule.csv")
@organiser_required
def export_schedule() -> Response:
    event = current_event()
    return _download(exports.schedule_csv(event), f"agenda-evento-{event.id}.csv",
                     "text/csv; charset=utf-8")  # fmt: skip


@bp.route("/exports/transparency.csv")
@organiser_required
def export_transparency() -> Response:
    event = current_event()
    return _download(exports.transparency_register_csv(event, locale()),
                     f"registro-transparencia-evento-{event.id}.csv",
                     "text/csv; charset=utf-8")  # fmt: skip


@bp.route("/exports/agendas.pdf")
@organiser_required
def export_agendas() -> Response | WerkzeugResponse:
    """Every participant's agenda in one PDF (rendered by the participant area's service)."""
    event = current_event()
    try:
        from matchmaker.services.agenda_pdf import render_agendas_pdf
    except ImportError:  # the participant area's renderer is not installed yet
        flash(_("Las agendas en PDF todavía no están disponibles."), "warning")
        return redirect(url_for("organiser.exports_page"))
    people: list[Participant] = participants.list_participants(event)
    pdf = render_agendas_pdf(event, people)
    return _download(pdf, f"agendas-evento-{event.id}.pdf", "application/pdf")
