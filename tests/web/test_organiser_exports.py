"""Dashboard figures and plots, CSV exports and the agendas PDF, from the organisers' area."""

from __future__ import annotations

import csv
import io
import re

from flask import Flask
from flask.testing import FlaskClient

from matchmaker.extensions import db
from matchmaker.models import Meeting, Participant
from matchmaker.services.exports import REGISTER_COLUMNS, SCHEDULE_COLUMNS
from tests.pdf_text import page_texts
from tests.web.organiser_world import draft, login_organiser, seed
from tests.web.task_recorder import Tasks
from workers.tasks import render_agendas


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
    assert "/organiser/exports/transparency.csv" in page and "/organiser/exports/agendas" in page


def publish_all(app: Flask) -> list[tuple[int, int]]:
    """Every meeting published (as the publish task would); their (official, partner) pairs."""
    with app.app_context():
        meetings = db.session.execute(db.select(Meeting)).scalars().all()
        for meeting in meetings:
            meeting.status = "published"
        db.session.commit()
        return [(m.government_id, m.partner_id) for m in meetings]


def participant_names(app: Flask) -> dict[int, str]:
    """Every participant's name by id, in the order of the agendas (by id)."""
    with app.app_context():
        query = db.select(Participant.id, Participant.name).order_by(Participant.id)
        return {person: name for person, name in db.session.execute(query)}


def agendas_pdf(app: Flask, client: FlaskClient, tasks: Tasks) -> bytes:
    """Ask for the agendas PDF as an organiser does, run the task a worker would, then
    download the file from the job's page."""
    page = client.get("/organiser/exports").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    response = client.post("/organiser/exports/agendas", data={"csrf_token": token})
    job_page = response.headers["Location"]
    [(job_id, event_id, locale)] = tasks["render_agendas"].calls
    assert job_page == f"/organiser/jobs/{job_id}" and locale == "es"
    assert "Descargar las agendas" not in client.get(job_page).get_data(as_text=True)
    with app.app_context():
        render_agendas(job_id, event_id, locale)
    finished = client.get(job_page).get_data(as_text=True)
    assert f'href="/organiser/jobs/{job_id}/file"' in finished
    download = client.get(f"/organiser/jobs/{job_id}/file")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert "attachment" in download.headers["Content-Disposition"]
    return download.data


def test_agendas_pdf_has_a_page_per_participant_with_their_meetings(
    app: Flask, client: FlaskClient, tasks: Tasks
) -> None:
    """The real renderer, read back: each participant's page is headed by their name and lists
    whom they meet, and no one else."""
    data = seed(app)
    draft(app, data.event_id)
    pairs = publish_all(app)
    names = participant_names(app)
    login_organiser(client)
    pages = page_texts(agendas_pdf(app, client, tasks))
    assert len(pages) == len(names) == 5  # 2 officials and 3 partners, a page each
    for page, (person, name) in zip(pages, names.items(), strict=True):
        assert page[0] == name
        met = {
            names[other] for pair in pairs if person in pair for other in pair if other != person
        }
        assert met and met <= set(page), name
        assert not (set(names.values()) - met - {name}) & set(page), name


def test_agendas_pdf_leaves_drafts_out(app: Flask, client: FlaskClient, tasks: Tasks) -> None:
    data = seed(app)
    draft(app, data.event_id)
    names = participant_names(app)
    login_organiser(client)
    pages = page_texts(agendas_pdf(app, client, tasks))
    for page, name in zip(pages, names.values(), strict=True):
        assert page[0] == name and "Todavía no hay reuniones publicadas." in page
        assert not (set(names.values()) - {name}) & set(page)


def test_a_job_without_a_file_has_nothing_to_download(app: Flask, client: FlaskClient) -> None:
    seed(app)
    login_organiser(client)
    with app.app_context():
        from matchmaker.services import jobs

        job = jobs.create_job("schedule", None)
        db.session.commit()
        job_id = job.id
    assert client.get(f"/organiser/jobs/{job_id}/file").status_code == 404
    assert client.get("/organiser/jobs/999999/file").status_code == 404
