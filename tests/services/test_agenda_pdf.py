"""Agenda PDFs: long names and organisations are cut to their columns in a few measurements."""

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
from tests.pdf_text import page_texts

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
        assert page[0].startswith("Ana María Ana María")
        assert any(line.endswith("…") for line in page)
