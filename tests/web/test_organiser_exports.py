"""Dashboard figures and plots, CSV exports and the agendas PDF, from the organisers' area."""

from __future__ import annotations

import csv
import io
import re

from flask import Flask
from flask.testing import FlaskClient

from matchmaker.domain.importing import parse_participants
from matchmaker.extensions import db
from matchmaker.models import Meeting, Participant
from tests.pdf_text import page_texts
from tests.web.organiser_world import HEADER, draft, login_organiser, seed
from tests.web.task_recorder import Tasks
from workers.tasks import render_agendas

SCHEDULE_HEADER = [
    "Fecha", "Inicio", "Fin", "Zona horaria", "Turno", "Mesa", "ID del funcionario/a",
    "Funcionario/a", "Institución", "ID del socio", "Socio", "Organización del socio",
    "Idiomas en común", "Estado", "Puntuación",
]  # fmt: skip


def rows(response) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    """The rows of a CSV download, which must start with a BOM so that Excel reads UTF-8."""
    assert response.status_code == 200
    assert response.mimetype == "text/csv" and response.mimetype_params["charset"] == "utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.data.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))


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
    assert list(table[0])[: len(SCHEDULE_HEADER)] == SCHEDULE_HEADER  # then the interpreter
    assert len(table) == 6
    first = table[0]
    # Slots of 20 minutes from 9:00, as Babel writes them in Spanish (no leading zero).
    times = {f"{h}:{m:02d}" for h in range(9, 13) for m in (0, 20, 40)}
    assert first["Fecha"] == "10 mar 2032" and first["Inicio"] in times
    assert {r["Fin"] for r in table} <= times | {"13:00"} and first["Mesa"] in ("1", "2")
    assert first["Estado"] == "Borrador"
    assert {r["Zona horaria"] for r in table} == {"hora del centro de México"}
    assert {r["Idiomas en común"] for r in table} >= {"Español", ""}  # the pt official: none


def test_schedule_csv_in_the_organisers_language(app: Flask, client: FlaskClient) -> None:
    data = seed(app)
    draft(app, data.event_id)
    login_organiser(client)
    table = rows(client.get("/organiser/exports/schedule.csv?lang=en"))
    first = table[0]
    assert first["Date"] == "Mar 10, 2032" and first["Table"] in ("1", "2")
    assert first["Status"] == "Draft" and "Borrador" not in str(table)
    assert all(r["Slot"].isdigit() for r in table)


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
    assert len(table) == 6
    first = table[0]
    assert first["Cargo"] == "Director" and first["Institución"] and first["País"] == "México"
    assert first["Temas"] in ("Movilidad urbana", "Servicios públicos")
    assert first["Estado"] == "Publicada" and first["Tipo de organización"] == "Empresa"
    assert first["Fecha"] == "10 mar 2032"
    english = rows(client.get("/organiser/exports/transparency.csv?lang=en"))[0]
    assert english["Status"] == "Published" and english["Themes"] in (
        "Urban mobility", "Public services")  # fmt: skip


def test_participants_csv_in_words(app: Flask, client: FlaskClient) -> None:
    data = seed(app)
    draft(app, data.event_id)
    publish_all(app)
    login_organiser(client)
    table = rows(client.get("/organiser/exports/participants.csv"))
    assert len(table) == 5
    official, partner = table[0], table[2]
    assert official["Tipo"] == "Funcionario/a" and partner["Tipo"] == "Socio"
    assert official["Tipo de organización"] == "Municipio"
    assert partner["Tipo de organización"] == "Empresa"
    assert partner["Idiomas"] == "Español, Inglés" and official["Temas"] == "Movilidad urbana"
    assert official["País"] == "México" and official["Reuniones publicadas"] == "3"
    assert official["Cuenta"] == "Sí" and partner["Cuenta"] == "No"
    english = rows(client.get("/organiser/exports/participants.csv?lang=en"))
    assert english[2]["Type"] == "Partner" and english[2]["Email"]
    assert english[0]["Themes"] == "Urban mobility" and english[2]["Account"] != "Sí"


def test_participants_import_format_reads_back(app: Flask, client: FlaskClient) -> None:
    """The machine file: the import's own header and codes, a BOM the importer accepts."""
    seed(app)
    login_organiser(client)
    response = client.get("/organiser/exports/participants-import.csv")
    table = rows(response)
    assert len(table) == 5 and table[0]["kind"] == "government"
    assert table[2]["languages"] == "es;en" and table[0]["organisation_type"] == "municipality"
    header = response.data.decode("utf-8-sig").split("\r\n")[0]
    assert header == HEADER.strip()
    parsed = parse_participants(response.data)
    assert parsed.ok, parsed.errors
    assert [r.id for r in parsed.records] == [r["id"] for r in table]


def test_exports_page(app: Flask, client: FlaskClient) -> None:
    seed(app)
    login_organiser(client)
    page = client.get("/organiser/exports").get_data(as_text=True)
    assert "/organiser/exports/transparency.csv" in page and "/organiser/exports/agendas" in page
    assert "/organiser/exports/participants.csv" in page
    assert "/organiser/exports/participants-import.csv" in page


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
    """The real renderer, read back: each participant's page is headed by the event and their
    name, lists whom they meet, and no one else, and is numbered."""
    data = seed(app)
    draft(app, data.event_id)
    pairs = publish_all(app)
    names = participant_names(app)
    login_organiser(client)
    pages = page_texts(agendas_pdf(app, client, tasks))
    assert len(pages) == len(names) == 5  # 2 officials and 3 partners, a page each
    for number, (page, (person, name)) in enumerate(zip(pages, names.items(), strict=True), 1):
        assert page[0] == "Test Expo · 10 mar 2032" and page[1] == name
        assert "".join(page[-2:]) == f"Página {number} de 5"
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
    [page] = page_texts(agendas_pdf(app, client, tasks))  # nobody has a published meeting
    assert page[1] == "Sin reuniones" and set(names.values()) <= set(page)
    assert "5 participantes no tienen reuniones publicadas." in page


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
