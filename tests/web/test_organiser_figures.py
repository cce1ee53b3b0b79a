"""Plain figures for organisers (issue 15): the dashboard and the schedule job lead with what
organisers ask, the optimiser's numbers folded away; cancelled meetings stay on the grid and
on a participant's schedule, greyed and labelled."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from matchmaker.extensions import db
from matchmaker.models import Event, Job, Meeting, MeetingRequest, Participant
from matchmaker.orm import utcnow
from matchmaker.services import jobs
from tests.factories import create_participant
from tests.web.organiser_world import draft, login_organiser, seed

TECHNICAL = re.compile(r'<details class="card technical" id="technical">.*?</details>', re.S)


def split_technical(page: str) -> tuple[str, str]:
    """The folded technical part, and the page without it."""
    match = TECHNICAL.search(page)
    assert match, "no technical details on the page"
    return match.group(0), page[: match.start()] + page[match.end() :]


def text_of(page: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}">(.*?)</dd>', page, re.S)
    assert match, element_id
    return match.group(1).replace("\xa0", " ")


def test_the_dashboard_leads_with_plain_figures_and_folds_the_technical_ones(
    app: Flask, client: FlaskClient
) -> None:
    data = seed(app)
    draft(app, data.event_id)
    with app.app_context():
        event = db.session.get_one(Event, data.event_id)
        idle = create_participant(event, "government", name="Zacarías Idle")
        first = db.session.execute(db.select(Meeting).order_by(Meeting.id)).scalars().first()
        first.status = "cancelled"  # its pair loses its meeting
        db.session.commit()
        idle_id = idle.id
    login_organiser(client)
    page = client.get("/organiser/dashboard").get_data(as_text=True)
    technical, lead = split_technical(page)
    assert "Pares aprobados con reunión" in lead
    assert text_of(lead, "pairs-booked") == "5 de 6 (83 %)"
    assert text_of(lead, "officials-without") == "1" and text_of(lead, "partners-without") == "0"
    assert text_of(lead, "meetings-booked") == "5" and text_of(lead, "meetings-cancelled") == "1"
    # Named, with a link to their schedule; no partner is left out.
    assert f'href="/organiser/schedule/people?participant={idle_id}">Zacarías Idle</a>' in lead
    assert "1 funcionario/a sin reuniones:" in lead
    assert "Todos los socios tienen al menos una reunión." in lead
    # No requests yet: no ratio, no time to answer, and no division by zero.
    assert text_of(lead, "requests-accepted") == "0 (sin datos)"
    assert text_of(lead, "answer-time") == "sin datos"
    # The optimiser's words only in the folded part, under plain labels.
    for word in ("Cota superior", "Peso agendado", "Distancia a la cota"):
        assert word not in page
    assert "Máximo posible estimado" in technical and "Máximo posible estimado" not in lead
    assert "Puntuación total de las reuniones" in technical and 'id="gap"' in technical


def test_the_dashboard_names_the_first_people_without_a_meeting_and_counts_the_rest(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("matchmaker.services.lead_figures.NAMES_SHOWN", 2)
    data = seed(app)  # nobody has a meeting: 2 officials, 3 partners
    login_organiser(client)
    page = client.get("/organiser/dashboard").get_data(as_text=True)
    assert "3 socios sin reuniones:" in page and "y 1 más" in page
    assert "2 funcionarios/as sin reuniones:" in page
    links = re.findall(r'href="/organiser/schedule/people\?participant=(\d+)"', page)
    assert len(links) == 4 and {int(i) for i in links} >= set(data.governments)


def test_the_dashboard_tells_how_requests_were_answered_in_words(
    app: Flask, client: FlaskClient
) -> None:
    data = seed(app)
    asked = utcnow() - timedelta(days=1)
    with app.app_context():
        people = {p.id: p for p in db.session.execute(db.select(Participant)).scalars()}
        answers = [("accepted", 2), ("declined", 4), ("accepted", 3)]
        for (status, hours), partner_id in zip(answers, data.partners, strict=True):
            official = people[data.governments[0]]
            db.session.add(MeetingRequest(
                event_id=data.event_id, requester_id=official.id, recipient_id=partner_id,
                government_id=official.id, partner_id=partner_id, status=status,
                created_at=asked, answered_at=asked + timedelta(hours=hours)))  # fmt: skip
        db.session.add(MeetingRequest(
            event_id=data.event_id, requester_id=data.partners[0], recipient_id=data.governments[1],
            government_id=data.governments[1], partner_id=data.partners[0], status="pending",
            created_at=asked, expires_at=asked + timedelta(days=3)))  # fmt: skip
        db.session.commit()
    login_organiser(client)
    page = client.get("/organiser/dashboard").get_data(as_text=True)
    assert text_of(page, "requests-total") == "4"
    assert text_of(page, "requests-accepted") == "2 (50 %)"
    assert text_of(page, "requests-declined") == "1 (25 %)"
    assert text_of(page, "requests-waiting") == "1"
    assert text_of(page, "answer-time") == "3 horas"  # the median of 2, 3 and 4 hours


def test_the_schedule_job_leads_with_meetings_and_why_pairs_were_left_out(
    app: Flask, client: FlaskClient
) -> None:
    data = seed(app)
    with app.app_context():
        job = jobs.create_job("schedule", data.event_id)
        result = {"meetings": 5, "total_weight": 300.0, "upper_bound": 320.0,
                  "gap_to_bound": 0.0625, "unscheduled_count": 4,
                  "unscheduled_reasons": {"official at cap": 3, "no common slot": 1},
                  "meetings_per_official": {"0": 1, "3": 1},
                  "meetings_per_partner": {"1": 2, "3": 1}, "idle_gaps": 4,
                  "people_with_gaps": 2, "mean_last_slot": 5.5, "table_spread": 1}  # fmt: skip
        jobs.finish_job(job, result, "scheduled", message="5 meetings", meetings=5)
        db.session.commit()
        job_id = job.id
    login_organiser(client)
    page = client.get(f"/organiser/jobs/{job_id}").get_data(as_text=True)
    assert 'id="job-meetings">5<' in page and 'id="job-unscheduled">4<' in page
    assert 'id="job-officials-without">1<' in page and 'id="job-partners-without">0<' in page
    assert "3 pares: el funcionario/a ya tiene todas las reuniones que admite" in page
    assert "1 par: no hay ningún turno al que asistan los dos" in page
    assert "Cota superior" not in page and "Peso total" not in page
    technical = re.search(r'<details class="technical" id="technical">.*?</details>', page, re.S)
    assert technical and "6.25 %" in technical.group(0)
    assert "Máximo posible estimado" in technical.group(0)
    # How compact the agendas are: technical too, folded with the rest.
    assert 'id="job-compact"' in technical.group(0) and "turno 5.5" in technical.group(0)
    assert "Personas con algún hueco: 2." in technical.group(0)


def test_an_older_job_says_why_for_the_pairs_it_kept(app: Flask, client: FlaskClient) -> None:
    """Jobs from before every reason was counted stored the first pairs with theirs."""
    data = seed(app)
    with app.app_context():
        job = jobs.create_job("schedule", data.event_id)
        pairs = [{"government_id": "1", "partner_id": "2", "weight": 9.0, "reason": "odd"}]
        jobs.finish_job(job, {"meetings": 1, "unscheduled_count": 3, "unscheduled_pairs": pairs},
                        "scheduled", meetings=1)  # fmt: skip
        db.session.commit()
        job_id = db.session.execute(db.select(Job.id)).scalar_one()
    login_organiser(client)
    page = client.get(f"/organiser/jobs/{job_id}").get_data(as_text=True)
    assert "1 par: otro motivo" in page and "2 pares más sin motivo registrado" in page


def cancel_first_and_book_its_cell(app: Flask, event_id: int) -> int:
    """Cancel the first meeting and give its slot and table to another pair (a new row);
    the cancelled meeting's official."""
    with app.app_context():
        query = db.select(Meeting).where(Meeting.event_id == event_id).order_by(Meeting.id)
        first = db.session.execute(query).scalars().first()
        assert first is not None
        first.status = "cancelled"
        event = db.session.get_one(Event, event_id)
        official = create_participant(event, "government", name="Nueva Titular")
        partner = create_participant(event, "partner", organisation="Relevo SA")
        db.session.add(Meeting(event_id=event_id, government_id=official.id,
                               partner_id=partner.id, slot_index=first.slot_index,
                               table_number=first.table_number, status="draft"))  # fmt: skip
        db.session.commit()
        return first.government_id


def test_the_grid_shows_a_cancelled_meeting_greyed_under_the_live_one(
    app: Flask, client: FlaskClient
) -> None:
    data = seed(app)
    draft(app, data.event_id)
    official_id = cancel_first_and_book_its_cell(app, data.event_id)
    with app.app_context():
        name = db.session.get_one(Participant, official_id).name
    login_organiser(client)
    page = client.get("/organiser/schedule/grid").get_data(as_text=True)
    cell = re.search(r'<td class="meeting draft">\s*<span class="who">Nueva Titular</span>'
                     r'.*?</td>', page, re.S)  # fmt: skip
    assert cell, "the live meeting holds the cell"
    called_off = re.search(r'<ul class="called-off">(.*?)</ul>', cell.group(0), re.S)
    assert called_off and f"<s>{name} " in called_off.group(1)
    assert '<small class="status-label">Cancelada</small>' in called_off.group(1)
    # The live meeting reads first; only it offers moving and cancelling.
    assert cell.group(0).index("Nueva Titular") < cell.group(0).index("called-off")
    assert cell.group(0).count("/move") == 1
    assert page.count('class="meeting draft"') == 6  # the cancelled one is not a meeting cell


def test_a_slot_with_only_a_cancelled_meeting_still_shows_it(
    app: Flask, client: FlaskClient
) -> None:
    data = seed(app)
    draft(app, data.event_id)
    with app.app_context():
        db.session.execute(db.update(Meeting).values(status="cancelled"))
        db.session.commit()
    login_organiser(client)
    page = client.get("/organiser/schedule/grid").get_data(as_text=True)
    assert "Todavía no hay reuniones" not in page
    assert page.count('<td class="free"><ul class="called-off">') == 6
    assert page.count("Cancelada") == 6 and "/move" not in page


def test_a_participants_schedule_shows_cancelled_meetings_greyed_without_actions(
    app: Flask, client: FlaskClient
) -> None:
    data = seed(app)
    draft(app, data.event_id)
    official_id = cancel_first_and_book_its_cell(app, data.event_id)
    login_organiser(client)
    page = client.get(f"/organiser/schedule/people?participant={official_id}")
    text = page.get_data(as_text=True)
    rows = re.findall(r"<tr( class=\"meeting-cancelled\")?>(.*?)</tr>", text, re.S)
    cancelled = [row for marked, row in rows if marked]
    assert len(cancelled) == 1
    assert '<td class="status-label">Cancelada</td>' in cancelled[0]
    assert "/move" not in cancelled[0] and "/cancel" not in cancelled[0]
    assert text.count("/move") == 2  # the official's two live meetings
