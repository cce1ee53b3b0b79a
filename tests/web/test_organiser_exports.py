"""Dashboard figures and plots, CSV exports and the agendas PDF, from the organisers' area."""

from __future__ import annotations

import csv
import io
import re
import sys
import types

import pytest
from flask import Flask
from flask.testing import FlaskClient

from matchmaker.extensions import db
from matchmaker.models import Event, Meeting
from matchmaker.services.exports import REGISTER_COLUMNS, SCHEDULE_COLUMNS
from tests.web.test_organiser import login_organiser, seed
from tests.web.test_organiser_schedule import draft


def rows(response) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_dashboard_shows_figures_and_plots(app: Flask, client: FlaskClient) -> None:
    data = seed(app)
    draft(app, data.event_id)
    login_organiser(client)
    page = client.get("/organiser/dashboard").get_data(as_text=True)
    assert page.count("<svg") >= 2 and not re.search(r"<script(?![^>]*\bsrc=)", page)
    assert "Movilidad urbana" in page and "Municipio" in page
    assert 'id="gap">0.0 %' in page  # every approved pair is booked: no gap to the bound
    assert "<td>3</td><td>2</td>" in page  # both officials have 3 meetings


def test_dashboard_of_an_empty_event(app: Flask, client: FlaskClient) -> None:
    seed(app)
    with app.app_context():
        db.session.execute(db.delete(Meeting))
        db.session.commit()
    login_organiser(client)
    page = client.get("/organiser/dashboard").get_data(as_text=True)
    assert 'id="gap">—' in page
    assert "<td>0</td><td>2</td>" in page


def test_schedule_csv(app: Flask, client: FlaskClient) -> None:
    data = seed(app)
    draft(app, data.event_id)
    login_organiser(client)
    response = client.get("/organiser/exports/schedule.csv")
    table = rows(response)
    assert tuple(table[0]) == SCHEDULE_COLUMNS and len(table) == 6
    assert table[0]["date"] == "2027-03-10" and table[0]["start"] == "09:00"
    assert table[0]["table"] == "1" and table[0]["status"] == "draft"
    assert {r["time_zone"] for r in table} == {"America/Mexico_City"}


def test_transparency_register_lists_published_meetings(app: Flask, client: FlaskClient) -> None:
    data = seed(app)
    draft(app, data.event_id)
    login_organiser(client)
    assert rows(client.get("/organiser/exports/transparency.csv")) == []  # drafts are not public
    with app.app_context():
        for meeting in db.session.execute(db.select(Meeting)).scalars():
            meeting.status = "published"
        db.session.commit()
    table = rows(client.get("/organiser/exports/transparency.csv"))
    assert tuple(table[0]) == REGISTER_COLUMNS and len(table) == 6
    first = table[0]
    assert first["official_role"] == "Director" and first["official_institution"]
    assert first["themes"] in ("Movilidad urbana", "Servicios públicos")
    assert first["status"] == "published"


def test_exports_page(app: Flask, client: FlaskClient) -> None:
    seed(app)
    login_organiser(client)
    page = client.get("/organiser/exports").get_data(as_text=True)
    assert (
        "/organiser/exports/transparency.csv" in page and "/organiser/exports/agendas.pdf" in page
    )


def test_agendas_pdf_uses_the_participant_area_renderer(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Wired against ``render_agendas_pdf(event, participants) -> bytes`` with a stand-in."""
    data = seed(app)
    seen: list[tuple[int, int]] = []

    def render_agendas_pdf(event: Event, participants: list) -> bytes:  # type: ignore[type-arg]
        seen.append((event.id, len(participants)))
        return b"%PDF-1.4 fake"

    fake = types.ModuleType("matchmaker.services.agenda_pdf")
    fake.render_agendas_pdf = render_agendas_pdf  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "matchmaker.services.agenda_pdf", fake)
    login_organiser(client)
    response = client.get("/organiser/exports/agendas.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF") and seen == [(data.event_id, 5)]


def test_agendas_pdf_for_real(app: Flask, client: FlaskClient) -> None:
    pytest.importorskip("matchmaker.services.agenda_pdf", reason="renderer not written yet")
    data = seed(app)
    draft(app, data.event_id)
    login_organiser(client)
    response = client.get("/organiser/exports/agendas.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
