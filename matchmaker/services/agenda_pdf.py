"""Agendas as one PDF: a page (or more) per participant with their published meetings."""

from __future__ import annotations

import functools
from contextlib import AbstractContextManager, nullcontext
from functools import cache
from pathlib import Path

from flask import has_request_context
from flask_babel import force_locale
from flask_babel import gettext as _
from fpdf import FPDF

from matchmaker.domain.calendar import Slot
from matchmaker.domain.progress import Progress, no_progress
from matchmaker.extensions import db
from matchmaker.models import Event, ExportFile, Job, Meeting, Participant
from matchmaker.models.meeting import ANNOUNCED
from matchmaker.services.agendas import event_agendas
from matchmaker.services.jobs import report_progress
from matchmaker.services.participants import list_participants

FONT = "DejaVu"
#: Column widths in mm (A4 minus 1 cm margins): time, table, counterpart, organisation.
COLUMNS = (34.0, 14.0, 72.0, 70.0)
ROW_HEIGHT = 12.0
#: Headings (name; role and organisation) are cut to this many characters: a few lines.
HEADING_CHARS = 300


@cache
def _font_files() -> tuple[Path, Path]:
    """DejaVu Sans (regular, bold), shipped with matplotlib: core PDF fonts lack most accents."""
    import matplotlib

    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"


def render_agendas_pdf(
    event: Event,
    participants: list[Participant],
    locale: str | None = None,
    progress: Progress = no_progress,
) -> bytes:
    """One section per participant (each starting on a new page): their published meetings
    with times in the event's time zone, table number and counterpart.

    Labels are in ``locale``, else the request's language, else Spanish (outside a request,
    e.g. in a worker)."""
    language: AbstractContextManager[None] = nullcontext()
    if locale or not has_request_context():
        language = force_locale(locale or "es")
    with language:
        return _render(event, participants, progress)


def build_agendas_file(job: Job, event: Event, locale: str) -> tuple[ExportFile, int]:
    """Every participant's agenda as one PDF, stored for download with its job (replacing
    what an earlier attempt of the job stored); returns it and how many people it covers."""
    people = list_participants(event)
    progress = functools.partial(report_progress, job.id)
    content = render_agendas_pdf(event, people, locale, progress)
    db.session.execute(db.delete(ExportFile).where(ExportFile.job_id == job.id))
    stored = ExportFile(job_id=job.id, filename=f"agendas-evento-{event.id}.pdf",
                        media_type="application/pdf", content=content)  # fmt: skip
    db.session.add(stored)
    db.session.flush()
    return stored, len(people)


def get_export_file(job: Job) -> ExportFile | None:
    query = db.select(ExportFile).where(ExportFile.job_id == job.id)
    return db.session.execute(query).scalar_one_or_none()


#: Up to this many participants, their meetings are selected by id.
FEW = 100


#: How often (in participants) the PDF's progress is written: often enough to move the bar,
#: rarely enough to cost nothing.
PROGRESS_EVERY = 50


def _render(event: Event, participants: list[Participant], progress: Progress) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_title(f"{event.name} — {_('Agenda')}")
    pdf.set_creator("matchmaker")
    regular, bold = _font_files()
    pdf.add_font(FONT, "", str(regular))
    pdf.add_font(FONT, "B", str(bold))
    pdf.set_auto_page_break(True, margin=15)
    if not participants:
        pdf.add_page()
        pdf.set_font(FONT, size=11)
        pdf.cell(text=_("No hay participantes."))
    slots = event.calendar().slots  # once: a big event has thousands of meetings
    # A few people's agendas (one's own): only theirs; a whole event's: all in one read.
    few = [p.id for p in participants] if len(participants) <= FEW else None
    agendas = event_agendas(event, ANNOUNCED, only=few)
    for done, participant in enumerate(participants):
        if done % PROGRESS_EVERY == 0:
            progress(done / max(1, len(participants)), "rendering_agendas", done=done,
                     total=len(participants))  # fmt: skip
        _participant_section(pdf, event, slots, participant, agendas.get(participant.id, []))
    return bytes(pdf.output())


def _participant_section(
    pdf: FPDF,
    event: Event,
    slots: tuple[Slot, ...],
    participant: Participant,
    meetings: list[Meeting],
) -> None:
    pdf.add_page()
    pdf.set_font(FONT, "B", 16)
    pdf.multi_cell(0, 8, _shorten(participant.name), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 11)
    pdf.multi_cell(
        0,
        6,
        _shorten(f"{participant.role_title}, {participant.organisation}"),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_text_color(90, 90, 90)
    where = f"{event.name}" + (f" · {event.venue}" if event.venue else "")
    pdf.multi_cell(
        0,
        6,
        f"{where} · {_('Horario: %(zone)s', zone=event.time_zone)}",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_text_color(0, 0, 0)
    pdf.ln(4)
    if not meetings:
        pdf.multi_cell(0, 6, _("Todavía no hay reuniones publicadas."))
        return
    _table_heading(pdf)
    for meeting in meetings:
        slot = slots[meeting.slot_index]
        other = meeting.partner if participant.is_government else meeting.government
        if pdf.get_y() + ROW_HEIGHT > pdf.page_break_trigger:
            pdf.add_page()
            _table_heading(pdf)
        _table_row(
            pdf,
            [
                (f"{slot.start:%d/%m/%Y}", f"{slot.start:%H:%M}–{slot.end:%H:%M}"),
                (str(meeting.table_number + 1), ""),
                (other.name, other.role_title),
                (other.organisation, other.city),
            ],
        )


def _table_heading(pdf: FPDF) -> None:
    pdf.set_font(FONT, "B", 10)
    pdf.set_fill_color(230, 236, 242)
    for width, label in zip(
        COLUMNS, (_("Hora"), _("Mesa"), _("Con"), _("Organización")), strict=True
    ):
        pdf.cell(width, 8, _fit(pdf, label, width), border=1, fill=True)
    pdf.ln(8)
    pdf.set_font(FONT, "", 10)


def _table_row(pdf: FPDF, cells: list[tuple[str, str]]) -> None:
    """Two lines per cell, cut to the column's width. Plain cells rather than fpdf2's table():
    its line breaking costs about 15 ms a row, too slow for a whole event's agendas."""
    x, y = pdf.get_x(), pdf.get_y()
    for width, (first, second) in zip(COLUMNS, cells, strict=True):
        pdf.rect(x, y, width, ROW_HEIGHT)
        pdf.set_xy(x, y + 0.5)
        pdf.cell(width, 5.5, _fit(pdf, first, width))
        pdf.set_xy(x, y + 6)
        pdf.set_text_color(90, 90, 90)
        pdf.cell(width, 5.5, _fit(pdf, second, width))
        pdf.set_text_color(0, 0, 0)
        x += width
    pdf.set_xy(pdf.l_margin, y + ROW_HEIGHT)


def _shorten(text: str) -> str:
    """A heading cut to a few lines' worth (an imported name may be a page long)."""
    return text if len(text) <= HEADING_CHARS else text[: HEADING_CHARS - 1].rstrip() + "…"


def _fit(pdf: FPDF, text: str, width: float) -> str:
    """``text`` cut with "…" so that it fits ``width`` (minus the cell padding).

    A few measurements however long the text: a prefix twice as long each time until one
    overflows (so only about as much text as fits is measured), then a binary search for the
    longest cut that fits with its "…"."""
    room = width - 2 * pdf.c_margin
    size = 16
    while size < len(text) and pdf.get_string_width(text[:size]) <= room:
        size *= 2
    if size >= len(text) and pdf.get_string_width(text) <= room:
        return text
    # The cut at ``fits`` fits with its "…" (nothing, "…" alone, always counts as fitting);
    # the one at ``overflows`` does not: the prefix alone is already too wide.
    fits, overflows = 0, min(size, len(text))
    while overflows - fits > 1:
        middle = (fits + overflows) // 2
        if pdf.get_string_width(text[:middle] + "…") <= room:
            fits = middle
        else:
            overflows = middle
    return text[:fits].rstrip() + "…"
