"""Agenda PDFs: long names and organisations are cut to their columns in a few measurements;
every page says the event, its dates and its number; people without meetings share one list."""

from __future__ import annotations

import math
from collections.abc import Iterator

import pytest
from flask import Flask
from fpdf import FPDF

from matchmaker.extensions import db
from matchmaker.services import scheduling
from matchmaker.services.agenda_pdf import FONT, _fit, _font_files, render_agendas_pdf
from tests.factories import approve, create_event, create_participant
from tests.pdf_text import page_texts, stretched_pages

LONG = "Organización Metropolitana de Movilidad " * 400  # 16,000 characters


class CountingPdf(FPDF):
    """A real FPDF that counts its width measurements."""

    measured = 0

    def get_string_width(self, s: str, normalized: bool = False, markdown: bool = False) -> float:
        self.measured += 1
        return super().get_string_width(s, normalized, markdown)


@pytest.fixture
def pdf() -> Iterator[CountingPdf]:
    pdf = CountingPdf(format="A4")
    regular, _bold = _font_files()
    pdf.add_font(FONT, "", str(regular))
    pdf.add_page()
    pdf.set_font(FONT, "", 10)
    yield pdf
    pdf.output()  # fpdf2 closes the font file when it writes the document


def naive_fit(pdf: FPDF, text: str, width: float) -> str:
    """The old one-character-at-a-time cut, as the reference for short texts."""
    room = width - 2 * pdf.c_margin
    if pdf.get_string_width(text) <= room:
        return text
    while text and pdf.get_string_width(text + "…") > room:
        text = text[:-1]
    return text.rstrip() + "…"


def test_a_16000_character_text_is_cut_with_an_ellipsis_in_log_n_measurements(
    pdf: CountingPdf,
) -> None:
    assert len(LONG) == 16_000
    fitted = _fit(pdf, LONG, 70.0)
    assert fitted.endswith("…") and LONG.startswith(fitted[:-1])
    assert pdf.get_string_width(fitted) <= 70.0 - 2 * pdf.c_margin
    # The longest cut that fits: one more character would not.
    longer = LONG[: len(fitted)] + "…"
    assert pdf.get_string_width(longer) > 70.0 - 2 * pdf.c_margin
    pdf.measured = 0
    _fit(pdf, LONG, 70.0)
    assert pdf.measured <= 2 * math.ceil(math.log2(len(LONG))) + 2


def test_the_cut_is_the_same_as_before_and_short_texts_are_kept(pdf: CountingPdf) -> None:
    for text in ["Ana", "", "Secretaría de Desarrollo Urbano y Obras Públicas del Estado",
                 "W" * 60, "i" * 300, "Ayuntamiento  de   Puebla   " * 3]:  # fmt: skip
        for width in (14.0, 34.0, 70.0, 72.0):
            assert _fit(pdf, text, width) == naive_fit(pdf, text, width), (text, width)


def test_an_agenda_with_16000_character_name_and_organisation_renders(app_ctx: Flask) -> None:
    event = create_event(days=1)
    official = create_participant(event, "government")
    partner = create_participant(event, "partner")
    approve(event, official, partner, score=70)
    scheduling.draft_schedule(event)
    for meeting in scheduling.list_meetings(event):
        meeting.status = "published"
    db.session.flush()
    # Longer than any column holds (the import refuses them now): set here, never stored.
    with db.session.no_autoflush:
        for person in (official, partner):
            person.name, person.organisation = "Ana María " * 1600, LONG
        pdf = render_agendas_pdf(event, [official, partner], locale="es")
    db.session.rollback()
    pages = page_texts(pdf)
    assert len(pages) == 2  # headings cut: one page each
    for page in pages:
        assert page[1].startswith("Ana María Ana María")  # under the event's running head
        assert any(line.endswith("…") for line in page)


def published_event(app_ctx: Flask):  # type: ignore[no-untyped-def]
    """Two days; one official meets two partners (published), three people meet nobody."""
    event = create_event(days=2, name="Smart City Expo Latam")
    official = create_participant(event, "government", name="Ana Official",
                                  role_title="Secretaria de Movilidad y Transporte del Estado",
                                  organisation="Gobierno del Estado de Puebla con un nombre largo")  # fmt: skip
    partners = [create_participant(event, "partner", name=f"Partner {n}") for n in "AB"]
    idle = [create_participant(event, kind, name=name, organisation=f"Org of {name}")
            for kind, name in (("partner", "Zoe Idle"), ("government", "Bruno Idle"),
                               ("partner", "Carla Idle"))]  # fmt: skip
    for partner in partners:
        approve(event, official, partner, score=70)
    scheduling.draft_schedule(event)
    for meeting in scheduling.list_meetings(event):
        meeting.status = "published"
    db.session.flush()
    return event, [official, *partners, *idle]


def test_the_whole_event_lists_people_without_meetings_together_at_the_end(
    app_ctx: Flask,
) -> None:
    event, people = published_event(app_ctx)
    pages = page_texts(render_agendas_pdf(event, people, "es", gather_unscheduled=True))
    assert [page[1] for page in pages[:3]] == ["Ana Official", "Partner A", "Partner B"]
    assert len(pages) == 4  # three agendas and one list, not three near-empty pages more
    last = pages[-1]
    assert last[1] == "Sin reuniones"
    assert "3 participantes no tienen reuniones publicadas." in last
    listed = [line for line in last if line.endswith("Idle") and not line.startswith("Org")]
    assert listed == ["Bruno Idle", "Carla Idle", "Zoe Idle"]  # by name
    assert "Org of Zoe Idle" in last
    assert not any("Todavía no hay reuniones publicadas." in page for page in pages)


def test_every_page_has_the_event_its_dates_and_its_number(app_ctx: Flask) -> None:
    event, people = published_event(app_ctx)
    pages = page_texts(render_agendas_pdf(event, people, "es", gather_unscheduled=True))
    for number, page in enumerate(pages, start=1):
        assert page[0] == "Smart City Expo Latam · 10–11 mar 2032"
        # fpdf2 writes the page count, known only at the end, as a text of its own.
        assert "".join(page[-2:]) == f"Página {number} de {len(pages)}"
    english = page_texts(render_agendas_pdf(event, people[:1], "en"))
    assert english[0][0] == "Smart City Expo Latam · Mar 10\u2009–\u200911, 2032"


def test_one_persons_agenda_has_dates_by_babel_and_page_numbers(app_ctx: Flask) -> None:
    event, people = published_event(app_ctx)
    [page] = page_texts(render_agendas_pdf(event, people[:1], "es"))
    assert page[0] == "Smart City Expo Latam · 10–11 mar 2032"
    assert "".join(page[-2:]) == "Página 1 de 1"
    assert "mié, 10 mar" in page and "9:00–9:20" in page  # not 10/03/2032 by hand
    assert not any("/2032" in line for line in page)
    [english] = page_texts(render_agendas_pdf(event, people[:1], "en"))
    assert "Wed, Mar 10" in english and "09:00\u2009–\u200909:20" in english
    # Someone without a meeting still gets their own page when it is their own agenda.
    [own] = page_texts(render_agendas_pdf(event, people[-1:], "es"))
    assert own[1] == "Carla Idle" and "Todavía no hay reuniones publicadas." in own


def test_no_text_is_justified(app_ctx: Flask) -> None:
    """The subtitle (role, organisation) runs over a line: left-aligned, its spaces kept."""
    event, people = published_event(app_ctx)
    people[0].role_title = "Secretaria de Movilidad y Transporte del Estado " * 3
    pdf = render_agendas_pdf(event, people, "es", gather_unscheduled=True)
    assert len(page_texts(pdf)[0]) > 4 and stretched_pages(pdf) == []
