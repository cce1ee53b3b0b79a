"""Agendas as one PDF: a page (or more) per participant with their published meetings.

Every page is headed by the event's name and dates and numbered "Página 3 de 48". In the
whole event's file, the people without a published meeting are listed together at the end
("Sin reuniones") rather than given a near-empty page each.
"""

from __future__ import annotations

import functools
from contextlib import AbstractContextManager, nullcontext
from functools import cache
from pathlib import Path

from flask import has_request_context
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from fpdf import FPDF

from matchmaker.dates import event_dates, event_day, time_range, zone_name
from matchmaker.domain.calendar import Slot
from matchmaker.domain.progress import Progress, no_progress
from matchmaker.domain.qr import QrCode, dark_runs, make_qr
from matchmaker.extensions import db
from matchmaker.models import Event, ExportFile, Job, Meeting, Participant
from matchmaker.models.meeting import ANNOUNCED, MeetingStatus
from matchmaker.services.agendas import event_agendas
from matchmaker.services.check_in_codes import CheckInLinks
from matchmaker.services.jobs import report_progress
from matchmaker.services.participants import list_participants

FONT = "DejaVu"
#: Column widths in mm (A4 minus 1 cm margins): time, table, counterpart, organisation.
COLUMNS = (34.0, 14.0, 72.0, 70.0)
ROW_HEIGHT = 12.0
#: The line under a meeting that has an interpreter, across the whole table.
INTERPRETER_ROW = 6.0
#: Headings (name; role and organisation) are cut to this many characters: a few lines.
HEADING_CHARS = 300
#: The list of people without meetings: name, organisation.
UNSCHEDULED_COLUMNS = (90.0, 100.0)
UNSCHEDULED_ROW = 7.0
GREY = (90, 90, 90)


#: Where fpdf2 writes the number of pages when it closes the file.
PAGE_COUNT = "{pages..}"


class AgendaPdf(FPDF):
    """A4 pages headed by the event (name and dates) and footed by "Página 3 de 48"."""

    def __init__(self, event: Event) -> None:
        super().__init__(format="A4")
        # the alias's own width is the room the page count gets: wide enough for 6 digits
        self.alias_nb_pages(PAGE_COUNT, align="L")
        self.running_head = f"{event.name} · {event_dates(event)}" if event.days else event.name

    def header(self) -> None:
        self.set_font(FONT, "", 9)
        self.set_text_color(*GREY)
        self.cell(0, 5, _fit(self, self.running_head, self.epw), new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(0, 0, 0)
        self.ln(3)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, "", 9)
        self.set_text_color(*GREY)
        # fpdf2 puts the page count in place of {nb} when it writes the file.
        label = _("Página %(page)s de %(pages)s", page=self.page_no(), pages=PAGE_COUNT)
        self.cell(0, 5, label, align="C")
        self.set_text_color(0, 0, 0)


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
    gather_unscheduled: bool = False,
    check_in_links: CheckInLinks | None = None,
) -> bytes:
    """One section per participant (each starting on a new page): their published meetings
    with times in the event's time zone, table number and counterpart.

    With ``gather_unscheduled`` (the whole event's file), people without a published meeting
    get no section of their own but a line each on a final "Sin reuniones" list. Labels and
    dates are in ``locale``, else the request's language, else Spanish (outside a request,
    e.g. in a worker).

    With ``check_in_links``, each published meeting's check-in QR code follows the table. Only
    one person's own agenda asks for them: a code costs tens of milliseconds, too slow for the
    whole event's file (thousands of people, drawn in a worker)."""
    language: AbstractContextManager[None] = nullcontext()
    if locale or not has_request_context():
        language = force_locale(locale or "es")
    with language:
        return _render(event, participants, progress, gather_unscheduled, check_in_links)


def build_agendas_file(job: Job, event: Event, locale: str) -> tuple[ExportFile, int]:
    """Every participant's agenda as one PDF, stored for download with its job (replacing
    what an earlier attempt of the job stored); returns it and how many people it covers."""
    people = list_participants(event)
    progress = functools.partial(report_progress, job.id)
    content = render_agendas_pdf(event, people, locale, progress, gather_unscheduled=True)
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


def _render(
    event: Event,
    participants: list[Participant],
    progress: Progress,
    gather_unscheduled: bool,
    links: CheckInLinks | None = None,
) -> bytes:
    pdf = AgendaPdf(event)
    pdf.set_title(f"{event.name} — {_('Agenda')}")
    pdf.set_creator("matchmaker")
    regular, bold = _font_files()
    pdf.add_font(FONT, "", str(regular))
    pdf.add_font(FONT, "B", str(bold))
    pdf.set_auto_page_break(True, margin=18)  # room for the page number
    if not participants:
        pdf.add_page()
        pdf.set_font(FONT, size=11)
        pdf.cell(text=_("No hay participantes."))
    slots = event.calendar().slots  # once: a big event has thousands of meetings
    # A few people's agendas (one's own): only theirs; a whole event's: all in one read.
    few = [p.id for p in participants] if len(participants) <= FEW else None
    agendas = event_agendas(event, ANNOUNCED, only=few)
    unscheduled = []
    for done, participant in enumerate(participants):
        if done % PROGRESS_EVERY == 0:
            progress(done / max(1, len(participants)), "rendering_agendas", done=done,
                     total=len(participants))  # fmt: skip
        meetings = agendas.get(participant.id, [])
        if gather_unscheduled and not meetings:
            unscheduled.append(participant)
        else:
            _participant_section(pdf, event, slots, participant, meetings)
            if links is not None:
                _check_in_codes(pdf, slots, participant, meetings, links)
    if unscheduled:
        _unscheduled_section(pdf, unscheduled)
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
    # Left-aligned, never justified: fpdf2 justifies by default, stretching the spaces.
    pdf.multi_cell(0, 8, _shorten(participant.name), align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 11)
    subtitle = _shorten(f"{participant.role_title}, {participant.organisation}")
    pdf.multi_cell(0, 6, subtitle, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*GREY)
    where = f"{event.venue} · " if event.venue else ""
    zone = _("Horario: %(zone)s", zone=zone_name(event))
    pdf.multi_cell(0, 6, f"{where}{zone}", align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.ln(4)
    if not meetings:
        pdf.multi_cell(0, 6, _("Todavía no hay reuniones publicadas."), align="L")
        return
    _table_heading(pdf)
    for meeting in meetings:
        slot = slots[meeting.slot_index]
        other = meeting.partner if participant.is_government else meeting.government
        note = INTERPRETER_ROW if meeting.interpreter is not None else 0.0
        if pdf.get_y() + ROW_HEIGHT + note > pdf.page_break_trigger:
            pdf.add_page()
            _table_heading(pdf)
        _table_row(
            pdf,
            [
                (event_day(slot.start), time_range(slot.start, slot.end)),
                (str(meeting.table_number + 1), ""),
                (other.name, other.role_title),
                (other.organisation, other.city),
            ],
        )
        if meeting.interpreter is not None:
            _interpreter_row(pdf, meeting.interpreter.name)


def _unscheduled_section(pdf: FPDF, people: list[Participant]) -> None:
    """One list (a page, more for a big event) of everyone without a published meeting, by
    name: who they are and where they come from, for the organisers to follow up."""
    pdf.add_page()
    pdf.set_font(FONT, "B", 16)
    pdf.cell(0, 8, _("Sin reuniones"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 11)
    count = ngettext(
        "%(num)d participante no tiene reuniones publicadas.",
        "%(num)d participantes no tienen reuniones publicadas.",
        len(people),
    )
    pdf.multi_cell(0, 6, count, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    headings = (_("Nombre"), _("Organización"))
    _list_heading(pdf, headings)
    for person in sorted(people, key=lambda p: (p.name.casefold(), p.id)):
        if pdf.get_y() + UNSCHEDULED_ROW > pdf.page_break_trigger:
            pdf.add_page()
            _list_heading(pdf, headings)
        for width, text in zip(UNSCHEDULED_COLUMNS, (person.name, person.organisation),
                               strict=True):  # fmt: skip
            pdf.cell(width, UNSCHEDULED_ROW, _fit(pdf, text, width), border="B")
        pdf.ln(UNSCHEDULED_ROW)


def _list_heading(pdf: FPDF, headings: tuple[str, str]) -> None:
    pdf.set_font(FONT, "B", 10)
    pdf.set_fill_color(230, 236, 242)
    for width, label in zip(UNSCHEDULED_COLUMNS, headings, strict=True):
        pdf.cell(width, 8, _fit(pdf, label, width), border=1, fill=True)
    pdf.ln(8)
    pdf.set_font(FONT, "", 10)


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


def _interpreter_row(pdf: FPDF, name: str) -> None:
    """The meeting's interpreter, on a line of its own under the meeting's row."""
    width = sum(COLUMNS)
    label = _("Intérprete: %(name)s", name=name)
    pdf.cell(width, INTERPRETER_ROW, _fit(pdf, label, width), border="LRB",
             new_x="LMARGIN", new_y="NEXT")  # fmt: skip


#: Check-in codes: the printed side of a code (mm; a phone reads it from arm's length), and
#: the cell each takes with its caption (five to a row across the page).
CODE_SIZE = 30.0
CODE_CELL = (38.0, 42.0)


def _check_in_codes(
    pdf: FPDF,
    slots: tuple[Slot, ...],
    participant: Participant,
    meetings: list[Meeting],
    links: CheckInLinks,
) -> None:
    """The participant's check-in QR code for each published meeting, captioned with its time
    and table, under the heading "Códigos de llegada"."""
    published = [m for m in meetings if m.status == MeetingStatus.PUBLISHED]
    if not published:
        return
    if pdf.get_y() + 16 + CODE_CELL[1] > pdf.page_break_trigger:
        pdf.add_page()
    pdf.ln(6)
    pdf.set_font(FONT, "B", 12)
    pdf.cell(0, 7, _("Códigos de llegada"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 9)
    pdf.multi_cell(0, 5, _("Muestra el código de cada reunión al personal en la zona de "
                           "reuniones."), align="L", new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    per_row = int(pdf.epw // CODE_CELL[0])
    top = pdf.get_y() + 2
    for n, meeting in enumerate(published):
        column = n % per_row
        if n and column == 0:
            top += CODE_CELL[1]
            if top + CODE_CELL[1] > pdf.page_break_trigger:
                pdf.add_page()
                top = pdf.get_y()
        url = links.url(meeting, participant)
        _code_cell(pdf, slots[meeting.slot_index], meeting, url, column * CODE_CELL[0], top)
    pdf.set_xy(pdf.l_margin, top + CODE_CELL[1])


def _code_cell(pdf: FPDF, slot: Slot, meeting: Meeting, url: str, x: float, y: float) -> None:
    """One code at (``x`` from the margin, ``y``) with its day, time and table beneath."""
    x += pdf.l_margin
    _draw_qr(pdf, make_qr(url), x + (CODE_CELL[0] - CODE_SIZE) / 2, y)
    pdf.set_font(FONT, "", 8)
    table = _("Mesa %(n)s", n=meeting.table_number + 1)
    for line, text in enumerate((event_day(slot.start),
                                 f"{time_range(slot.start, slot.end)} · {table}")):  # fmt: skip
        pdf.set_xy(x, y + CODE_SIZE + 1 + 4 * line)
        pdf.cell(CODE_CELL[0], 4, _fit(pdf, text, CODE_CELL[0]), align="C")


def _draw_qr(pdf: FPDF, code: QrCode, x: float, y: float) -> None:
    """The code as black rectangles, one per run of dark modules: crisp at any zoom."""
    module = CODE_SIZE / code.size
    pdf.set_fill_color(0, 0, 0)
    for row, column, length in dark_runs(code):
        pdf.rect(x + column * module, y + row * module, length * module, module, style="F")
