"""Interpreters on the grid, in Chromium: the organiser declares an interpreter, a real worker
schedules the event, and the grid names the interpreter of the meeting whose two sides share
no language (and of no other meeting)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from matchmaker.extensions import db
from matchmaker.models import Event, Job, Meeting
from tests.browser.conftest import LiveServer, create_account, log_in, screenshot
from tests.factories import approve, create_event, create_participant
from tests.workers.conftest import Worker

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ORGANISER = "interpretes@smartcityexpo.example.org"
JOB_TIMEOUT_MS = 180_000


@pytest.fixture
def bilingual_event(live_server: LiveServer) -> Iterator[int]:
    """An event whose official speaks Spanish only: one partner speaks English only (they
    need an interpreter), the other Spanish too. Removed afterwards, with its meetings."""
    with live_server.context():
        event = create_event(days=1, num_tables=2, name="Expo intérpretes")
        official = create_participant(event, "government", name="Lucía Herrera",
                                      languages=["es"])  # fmt: skip
        english = create_participant(event, "partner", name="Grace Hopper",
                                     organisation="Bright Grid Ltd", languages=["en"])  # fmt: skip
        spanish = create_participant(event, "partner", name="Pedro Páramo",
                                     organisation="Agua Viva SA", languages=["es", "en"])  # fmt: skip
        approve(event, official, english, score=80)
        approve(event, official, spanish, score=70)
        db.session.commit()
        event_id = event.id
    yield event_id
    with live_server.context():
        db.session.execute(db.delete(Event).where(Event.id == event_id))
        db.session.commit()


def test_interpreters_on_the_grid(
    new_page: Any, live_server: LiveServer, live_worker: Worker, bilingual_event: int
) -> None:
    page = new_page()
    log_in(page, create_account(live_server, ORGANISER, "organiser"))
    page.goto(f"/organiser/?event={bilingual_event}")  # the organiser picks this event
    page.get_by_role("link", name="Intérpretes", exact=True).click()
    expect(page.get_by_role("heading", name="Intérpretes", exact=True)).to_be_visible()

    page.get_by_label("Nombre", exact=True).fill("Ana Intérprete")
    page.get_by_label("Español", exact=True).check()
    page.get_by_label("Inglés", exact=True).check()
    page.get_by_role("button", name="Añadir intérprete").click()
    expect(page.get_by_role("status")).to_contain_text("Intérprete añadido: Ana Intérprete.")
    expect(page.locator("#interpreter-list")).to_contain_text("Español, Inglés")
    screenshot(page, "organiser-interpreters-es")

    page.get_by_role("link", name="Agenda", exact=True).click()
    page.get_by_role("button", name="Generar", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile(r"^Tarea #\d+"))).to_be_visible()
    wait_for_job(page, live_server)

    page.get_by_role("link", name="Cuadrícula", exact=True).click()
    needing = page.locator("td.meeting").filter(has_text="Bright Grid Ltd")
    sharing = page.locator("td.meeting").filter(has_text="Agua Viva SA")
    expect(needing).to_contain_text("Intérprete: Ana Intérprete")
    expect(sharing).to_be_visible()
    expect(sharing).not_to_contain_text("Intérprete")
    expect(page.get_by_text("Necesita intérprete: ninguno asignado")).to_have_count(0)
    screenshot(page, "organiser-grid-interpreter-es")
    with live_server.context():
        staffed = db.session.execute(
            db.select(Meeting.interpreter_id).where(Meeting.event_id == bilingual_event)
        ).scalars()
        assert sorted(i is not None for i in staffed) == [False, True]


def wait_for_job(page: Any, live_server: LiveServer) -> None:
    """Wait for the worker to finish the job the page shows; if it fails, say why."""
    try:
        expect(page.locator("#job-state")).to_have_text(
            re.compile("Terminada|Fallida"), timeout=JOB_TIMEOUT_MS
        )
        expect(page.locator("#job-state")).to_have_text("Terminada")
    except AssertionError:
        with live_server.context():
            failed = db.session.execute(db.select(Job).order_by(Job.id.desc())).scalars().first()
            why = failed.message if failed is not None else "no job"
        raise AssertionError(f"the scheduling job did not finish: {why}") from None
