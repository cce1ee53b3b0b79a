"""The participant's pages on a phone (Chromium at 390×844): the agenda keeps its labels when
its rows become cards, a meeting's time stays on one line, and a long link in a request's
message wraps instead of widening the page."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import expect

from matchmaker.extensions import db
from matchmaker.models import Event, Meeting, User
from matchmaker.services.requests import create_request
from tests.browser.conftest import LiveServer, log_in, participant_account, screenshot
from tests.factories import create_event, create_participant

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
LONG_LINK = "https://example.org/" + "propuesta-de-semaforos-inteligentes-" * 5 + "x" * 5
#: The lines the browser laid an element's text out on (distinct tops of its text boxes).
LINES = """element => {
  const range = document.createRange();
  range.selectNodeContents(element);
  return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
}"""


@dataclass(frozen=True)
class PhoneWorld:
    event: int
    email: str


@pytest.fixture
def phone_world(live_server: LiveServer) -> Iterator[PhoneWorld]:
    """An event of its own: an official with two published meetings and a request carrying a
    200-character link. Removed afterwards with its people and accounts."""
    assert len(LONG_LINK) >= 200
    with live_server.context():
        event = create_event(name="Expo en el teléfono", time_zone="America/Mexico_City")
        official = create_participant(event, "government", name="Inés Pantalla",
                                      organisation="Municipio de Colima")  # fmt: skip
        partners = [create_participant(event, "partner", name=f"Socio Móvil {n}",
                                       organisation=f"Móvil {n} SA") for n in (1, 2)]  # fmt: skip
        for slot, (table, partner) in enumerate(zip((2, 7), partners, strict=True)):
            db.session.add(Meeting(event_id=event.id, government_id=official.id,
                                   partner_id=partner.id, slot_index=slot, table_number=table,
                                   status="published"))  # fmt: skip
        asker = create_participant(event, "partner", name="Eva Enlace", organisation="Links SA")
        create_request(asker, official, f"Mire nuestra propuesta: {LONG_LINK}")
        db.session.commit()
        event_id, external_id = event.id, official.external_id
    email = participant_account(live_server, external_id)
    yield PhoneWorld(event_id, email)
    with live_server.context():
        db.session.execute(db.delete(User).where(User.email == email))
        db.session.execute(db.delete(Event).where(Event.id == event_id))
        db.session.commit()


def test_the_agenda_and_requests_fit_a_phone(new_page: Any, phone_world: PhoneWorld) -> None:
    page = new_page()
    page.set_viewport_size(PHONE)
    log_in(page, phone_world.email)
    page.goto("/me/agenda")
    tables = page.locator("table.agenda td.agenda-table")
    expect(tables).to_have_count(2)
    expect(tables.nth(0)).to_have_text("Mesa 3")
    expect(tables.nth(1)).to_have_text("Mesa 8")
    expect(tables.nth(0).locator(".cell-label")).to_be_visible()  # the header row is hidden
    times = page.locator("table.agenda td.agenda-time")
    expect(times.nth(0)).to_contain_text("9:00–9:20")
    for index in range(2):
        assert times.nth(index).evaluate(LINES) == 1  # "9:00–9:20" never breaks at the dash
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "phone-agenda", full_page=False)

    page.goto("/me/requests")
    expect(page.locator("blockquote")).to_contain_text(LONG_LINK[:40])
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "phone-requests", full_page=False)
