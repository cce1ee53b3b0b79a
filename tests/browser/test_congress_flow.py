"""The congress from end to end in Chromium, through the real parts.

An organiser configures the event, uploads the sample participants, invites an official (who
chooses a password through the link) and approves the suggestions above a score (computed by a
real worker with the real embedding model); the official reads their
suggestions with the reasons and requests a meeting; the partner accepts; the organiser schedules
(a real worker) and publishes; the official downloads the agenda as .ics, which parses, in the
event's time zone. The pages are checked in Spanish, and the agenda once in English.
"""

from __future__ import annotations

import re
from datetime import date, time
from pathlib import Path
from typing import Any

import pytest
from icalendar import Calendar
from playwright.sync_api import expect

from matchmaker.extensions import db
from matchmaker.models import Event, MatchSuggestion, MeetingRequest, Participant
from tests.browser.conftest import (
    PASSWORD,
    LiveServer,
    create_account,
    log_in,
    participant_account,
    screenshot,
)
from tests.workers.conftest import Worker, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.model, pytest.mark.slow]

ORGANISER = "organizacion@smartcityexpo.example.org"
OFFICIAL = "g-001"  # Mariana Cuéllar Ibarra, Ayuntamiento de Puebla: water losses
EVENT_DAYS = (date(2032, 3, 10), date(2032, 3, 11))
ZONE = "America/Mexico_City"
#: The organiser approves every suggestion scoring at least this.
MIN_SCORE = 50
#: Encoding 120 profiles takes ~30 s on an idle 2-core machine, 100 s on a busy one.
SUGGESTIONS_TIMEOUT = 600
JOB_TIMEOUT_MS = 180_000


def test_congress_from_import_to_calendar(
    new_page: Any, live_server: LiveServer, live_worker: Worker, sample_participants: Path
) -> None:
    organiser = new_page()
    create_account(live_server, ORGANISER, "organiser")
    log_in(organiser, ORGANISER)
    configure_event(organiser)
    upload_participants(organiser, sample_participants)
    link = invite(organiser, participant_name(live_server, OFFICIAL))
    official = new_page()
    accept_invitation(official, link)
    wait_for_suggestions(live_server)
    approve_above(organiser, MIN_SCORE)

    partner_name = request_top_suggestion(official)

    partner = new_page()
    log_in(partner, participant_account(live_server, partner_id(live_server, partner_name)))
    accept_request(partner)
    assert pair_is_approved(live_server), (
        f"{OFFICIAL}'s top suggestion ({partner_name}) scores under {MIN_SCORE}: not scheduled"
    )

    run_job(organiser, "Generar", "schedule")
    assert int(organiser.locator("#job-meetings").inner_text()) > 0
    organiser.get_by_role("link", name="Cuadrícula", exact=True).click()
    screenshot(organiser, "organiser-grid-es")
    run_job(organiser, "Publicar la agenda", "publish", confirm="Sí, publicar")

    agenda_has_meeting(official, partner_name)
    check_ics(official, partner_name)
    agenda_in_english(official, partner_name)
    move_then_cancel(organiser)


# --------------------------------------------------------------------------- organiser steps


def configure_event(page: Any) -> None:
    page.goto("/organiser/")
    page.get_by_role("link", name="Configurar el evento").click()
    expect(page.get_by_role("heading", name="Configuración del evento")).to_be_visible()
    page.get_by_label("Nombre del evento").fill("Smart City Expo Latam 2032")
    page.get_by_label("Sede").fill("Centro de Convenciones de Puebla")
    expect(page.get_by_label("Zona horaria")).to_have_value(ZONE)
    page.get_by_label("Días de reuniones").fill("\n".join(d.isoformat() for d in EVENT_DAYS))
    page.get_by_label("Inicio de la jornada").fill("09:00")
    page.get_by_label("Fin de la jornada").fill("13:00")
    page.get_by_label("Pausas diarias").fill("11:00-11:20 Café")
    page.get_by_role("button", name="Guardar").click()
    # 09:00-13:00 less a 20-minute break, in 20-minute meetings: 11 a day.
    expect(page.get_by_role("status")).to_contain_text("Configuración guardada: 22 turnos")


def upload_participants(page: Any, csv_file: Path) -> None:
    page.get_by_role("link", name="Participantes").click()
    page.get_by_role("link", name="Importar un archivo").click()
    page.get_by_label("Archivo de participantes (CSV)").set_input_files(csv_file)
    page.get_by_role("button", name="Importar").click()
    expect(page.get_by_role("status")).to_contain_text("Importados 40 funcionarios/as y 80 socios")
    screenshot(page, "organiser-upload-es")


def invite(page: Any, name: str) -> str:
    """From the upload page: create the person's account and take their invitation link (no
    mail server here, so the page shows it)."""
    page.get_by_role("link", name="Crear sus cuentas y enviar invitaciones").click()
    expect(page.get_by_role("heading", name="Cuentas e invitaciones")).to_be_visible()
    page.get_by_label(f"Seleccionar a {name}").check()
    screenshot(page, "organiser-accounts-es", full_page=False)
    page.get_by_role("button", name="Invitar a la selección").click()
    expect(page.get_by_role("heading", name="Enlaces de invitación")).to_be_visible()
    screenshot(page, "organiser-invitation-links-es")
    link = page.get_by_role("textbox", name=re.compile(r"^Enlace de invitación de "))
    expect(link).to_have_count(1)
    return str(link.input_value())


def wait_for_suggestions(live_server: LiveServer) -> None:
    """The upload queued the recomputation; the worker encodes the profiles and ranks pairs."""

    def computed() -> bool:
        with live_server.context():
            event = db.session.execute(db.select(Event)).scalar_one()
            return event.suggestions_computed_at is not None

    wait_until(computed, SUGGESTIONS_TIMEOUT, "the worker to compute the suggestions")


def approve_above(page: Any, min_score: float) -> None:
    page.get_by_role("link", name="Sugerencias").click()
    expect(page.get_by_role("heading", name="Sugerencias de reuniones")).to_be_visible()
    expect(page.locator("table.matches")).to_contain_text("Temas en común")
    screenshot(page, "organiser-matches-es", full_page=False)
    approve = page.locator("form").filter(
        has=page.get_by_role("button", name="Aprobar todas las pendientes desde esta puntuación")
    )
    approve.get_by_label("Puntuación mínima").fill(str(min_score))
    approve.get_by_role("button").click()
    # first what it will do, in numbers: nothing is approved before the organiser confirms
    heading = f"¿Aprobar todas las pendientes desde {min_score}?"
    expect(page.get_by_role("heading", name=heading)).to_be_visible()
    expect(page.locator("#confirm-approve-above")).to_contain_text(
        re.compile(
            rf"Se aprobarán [1-9]\d* pares pendientes con puntuación de al menos {min_score}"
        )
    )
    screenshot(page, "organiser-confirm-approve-above-es")
    page.get_by_role("button", name="Sí, aprobar").click()
    expect(page.get_by_role("status")).to_contain_text(
        re.compile(rf"Aprobadas [1-9]\d* sugerencias con puntuación de al menos {min_score}")
    )


def run_job(page: Any, button: str, kind: str, confirm: str | None = None) -> None:
    """Start a job from the schedule page (confirming it on the page that says what it will
    do, when it asks) and wait for the worker to finish it."""
    page.get_by_role("link", name="Agenda", exact=True).click()
    page.get_by_role("button", name=button).click()
    if confirm is not None:
        screenshot(page, f"organiser-confirm-{kind}-es")
        page.get_by_role("button", name=confirm).click()
    expect(page.get_by_role("heading", name=re.compile(r"^Tarea #\d+"))).to_be_visible()
    # The page polls the job and reloads itself when it is over.
    expect(page.locator("#job-state")).to_have_text("Terminada", timeout=JOB_TIMEOUT_MS)
    screenshot(page, f"organiser-job-{kind}-es")


def move_then_cancel(page: Any) -> None:
    """On the grid: move a meeting to a slot the organiser picks among the free ones, then
    cancel one after the page that says who will be told."""
    page.get_by_role("link", name="Cuadrícula", exact=True).click()
    page.locator("td.meeting").first.get_by_role("button", name="Mover").click()
    expect(page.get_by_role("heading", name="Mover la reunión")).to_be_visible()
    choices = page.get_by_role("radio")
    chosen = choices.nth(1) if choices.count() > 1 else choices.first
    when = page.locator(f"label[for='{chosen.get_attribute('id')}']").inner_text()
    chosen.check()
    screenshot(page, "organiser-move-es")
    page.get_by_role("button", name="Mover aquí").click()
    expect(page.get_by_role("status")).to_contain_text(
        re.compile(rf"Reunión movida a la mesa \d+, {re.escape(when)}")
    )

    page.locator("td.meeting").first.get_by_role("button", name="Cancelar").click()
    expect(page.get_by_role("heading", name="¿Cancelar esta reunión?")).to_be_visible()
    expect(page.locator("#confirm-cancel")).to_contain_text(
        "Las dos partes ya la tienen en su agenda"
    )
    page.get_by_label("Motivo (opcional, lo verán las dos partes)").fill("Cambio de vuelo")
    screenshot(page, "organiser-confirm-cancel-es")
    page.get_by_role("button", name="Sí, cancelar la reunión").click()
    expect(page.get_by_role("status")).to_contain_text("Reunión cancelada")
    # the cancelled meeting stays on the grid, struck through and labelled
    expect(page.locator(".called-off").first).to_contain_text("Cancelada")
    screenshot(page, "organiser-grid-cancelled-es")


# --------------------------------------------------------------------------- participant steps


def participant_name(live_server: LiveServer, external_id: str) -> str:
    with live_server.context():
        query = db.select(Participant.name).where(Participant.external_id == external_id)
        return str(db.session.execute(query).scalar_one())


def accept_invitation(page: Any, link: str) -> None:
    """The official opens the link, chooses a password and is in their area."""
    page.goto(link)
    expect(page.get_by_role("heading", name="Elige tu contraseña")).to_be_visible()
    page.get_by_label("Elige tu contraseña").fill(PASSWORD)
    page.get_by_label("Repite la contraseña").fill(PASSWORD)
    screenshot(page, "invitation-es")
    page.get_by_role("button", name="Guardar y entrar").click()
    expect(page.get_by_role("status")).to_contain_text("tu contraseña está guardada")
    expect(page.get_by_role("button", name="Salir")).to_be_visible()


def partner_id(live_server: LiveServer, name: str) -> str:
    with live_server.context():
        query = db.select(Participant.external_id).where(Participant.name == name)
        return str(db.session.execute(query).scalar_one())


def request_top_suggestion(page: Any) -> str:
    """The official opens their suggestions, reads the reasons and asks the first partner."""
    page.get_by_role("link", name="Mi espacio", exact=True).click()
    page.get_by_role("navigation", name="Mi espacio").get_by_role(
        "link", name="Sugerencias"
    ).click()
    expect(page.get_by_role("heading", name="Sugerencias", exact=True)).to_be_visible()
    top = page.locator("article.suggestion").first
    expect(top.get_by_role("heading", name="Por qué se sugiere")).to_be_visible()
    expect(top.locator("ul.reasons")).to_contain_text("Temas en común")
    expect(top.locator("ul.reasons")).to_contain_text("Idioma común")
    screenshot(page, "official-suggestions-es", full_page=False)
    name = top.get_by_role("heading", level=2).locator("strong").inner_text()
    top.get_by_role("link", name="Solicitar reunión").click()
    page.get_by_label("Mensaje (opcional)").fill(
        "Nos interesa un piloto de detección de fugas en dos sectores de Puebla."
    )
    page.get_by_role("button", name="Enviar").click()
    expect(page.get_by_role("status")).to_have_text("Solicitud enviada.")
    sent = page.locator("article.request").filter(has_text=name)
    expect(sent).to_contain_text("Pendiente")
    return name


def accept_request(page: Any) -> None:
    page.get_by_role("link", name="Mi espacio", exact=True).click()
    page.get_by_role("navigation", name="Mi espacio").get_by_role(
        "link", name="Solicitudes"
    ).click()
    received = page.locator("article.request").filter(has_text="Mariana Cuéllar Ibarra")
    expect(received).to_contain_text("detección de fugas")
    screenshot(page, "partner-requests-es")
    received.get_by_role("button", name="Aceptar").click()
    expect(page.get_by_role("status")).to_contain_text("Solicitud aceptada.")
    expect(page.locator("article.request").filter(has_text="Mariana")).to_contain_text("Aceptada")


def pair_is_approved(live_server: LiveServer) -> bool:
    """The accepted request's pair is among the approved ones the scheduler books."""
    with live_server.context():
        request = db.session.execute(db.select(MeetingRequest)).scalar_one()
        assert request.status == "accepted"
        suggestion = db.session.execute(
            db.select(MatchSuggestion).where(
                MatchSuggestion.government_id == request.government_id,
                MatchSuggestion.partner_id == request.partner_id,
            )
        ).scalar_one()
        return suggestion.status == "approved"


def agenda_has_meeting(page: Any, partner_name: str) -> None:
    page.get_by_role("navigation", name="Mi espacio").get_by_role("link", name="Agenda").click()
    row = page.locator("table.agenda tbody tr").filter(has_text=partner_name)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Confirmada")
    expect(row).to_contain_text(re.compile(r"[^\s,]+, \d+ mar, \d+:\d\d–\d+:\d\d"))
    screenshot(page, "official-agenda-es")


def check_ics(page: Any, partner_name: str) -> None:
    with page.expect_download() as download:
        page.get_by_role("link", name="Añadir al calendario (.ics)").click()
    assert download.value.suggested_filename == f"agenda-{OFFICIAL}.ics"
    calendar = Calendar.from_ical(Path(download.value.path()).read_bytes())
    zones = [str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")]
    assert zones == [ZONE]
    events = calendar.walk("VEVENT")
    assert events, "the agenda has no meeting"
    ours = [e for e in events if partner_name in str(e["DESCRIPTION"])]
    assert len(ours) == 1, f"no meeting with {partner_name} in the .ics"
    start, end = ours[0].decoded("DTSTART"), ours[0].decoded("DTEND")
    assert str(ours[0]["DTSTART"].params["TZID"]) == ZONE
    assert getattr(start.tzinfo, "key", str(start.tzinfo)) == ZONE
    assert start.date() in EVENT_DAYS and time(9) <= start.time() < time(13)
    assert (end - start).total_seconds() == 20 * 60
    assert str(ours[0]["STATUS"]) == "CONFIRMED"
    assert "Ayuntamiento de Puebla" in str(ours[0]["SUMMARY"])


def agenda_in_english(page: Any, partner_name: str) -> None:
    page.get_by_label("Idioma").select_option("en")
    page.get_by_role("button", name="Cambiar").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("link", name="Add to calendar (.ics)")).to_be_visible()
    row = page.locator("table.agenda tbody tr").filter(has_text=partner_name)
    # a meeting day and its hours, as every English page writes them ("Wed, Mar 10, 09:00 – 09:20")
    expect(row).to_contain_text(re.compile(r"\w{3}, Mar \d+, \d\d:\d\d\s*–\s*\d\d:\d\d"))
    expect(page.get_by_role("columnheader", name="Table")).to_be_visible()
    screenshot(page, "official-agenda-en")
