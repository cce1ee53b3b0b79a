"""The agenda on a phone without a network, in Chromium at 390×844: the service worker keeps
the participant's agenda, the page opens offline from that copy with a banner saying how old it
is, reloads fresh when the network is back, and logging out leaves nothing behind."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import expect

from matchmaker.extensions import db
from matchmaker.models import Event, Meeting, User
from tests.browser.conftest import LiveServer, log_in, log_out, participant_account, screenshot
from tests.factories import create_participant
from tests.live_world import event_running_now

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
KEPT = "caches.open('matchmaker-agenda-v1').then(c => c.match('/me/agenda')).then(r => !!r)"


@dataclass(frozen=True)
class OfflineWorld:
    event: int
    official: int  # participant ids
    late_partner: int
    email: str


@pytest.fixture
def offline_world(live_server: LiveServer) -> Iterator[OfflineWorld]:
    """An event under way: the official meets a partner in the slot that started 5 minutes
    ago. Removed afterwards with its people, meetings and the official's account."""
    with live_server.context():
        event = event_running_now(5, name="Expo sin red")
        official = create_participant(event, "government", name="Lucía Sinred",
                                      organisation="Municipio de Mérida")  # fmt: skip
        partner = create_participant(event, "partner", name="Tomás Cobertura",
                                     organisation="Redes del Sur SA")  # fmt: skip
        late = create_participant(event, "partner", name="Rosa Tardía",
                                  organisation="Llega Después SA")  # fmt: skip
        db.session.add(Meeting(event_id=event.id, government_id=official.id,
                               partner_id=partner.id, slot_index=1, table_number=2,
                               status="published"))  # fmt: skip
        db.session.commit()
        ids = (event.id, official.id, late.id, official.external_id)
    email = participant_account(live_server, ids[3])
    yield OfflineWorld(ids[0], ids[1], ids[2], email)
    with live_server.context():
        db.session.execute(db.delete(User).where(User.email == email))
        db.session.execute(db.delete(Event).where(Event.id == ids[0]))
        db.session.commit()


def test_the_agenda_opens_offline(new_page: Any, live_server: LiveServer,
                                  offline_world: OfflineWorld) -> None:  # fmt: skip
    page = new_page()
    page.set_viewport_size(PHONE)
    log_in(page, offline_world.email)
    page.goto("/me/agenda")
    expect(page.locator(".now-next.now")).to_contain_text("Tomás Cobertura")
    expect(page.locator(".now-next.now")).to_contain_text("Mesa 3")
    # The worker is active, controls the page after a reload, and has kept the agenda.
    page.evaluate("navigator.serviceWorker.ready.then(r => r.active.state)")
    page.reload()
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.wait_for_function(KEPT)
    updated = page.locator(".updated").inner_text()
    screenshot(page, "offline-agenda-online", full_page=False)

    # Offline, a meeting booked meanwhile cannot show: the page is the kept copy, as it says.
    page.context.set_offline(True)
    with live_server.context():
        db.session.add(Meeting(event_id=offline_world.event, government_id=offline_world.official,
                               partner_id=offline_world.late_partner, slot_index=3,
                               table_number=0, status="published"))  # fmt: skip
        db.session.commit()
    page.reload()
    expect(page.get_by_role("heading", name="Agenda", exact=True)).to_be_visible()
    expect(page.locator(".now-next.now")).to_contain_text("Tomás Cobertura")
    banner = page.locator("#offline-banner")
    expect(banner).to_be_visible()
    expect(banner).to_have_text(re.compile(r"^Sin conexión: esta es tu agenda de .+"))
    expect(page.locator(".updated")).to_have_text(updated)
    expect(page.get_by_text("Rosa Tardía")).to_have_count(0)
    screenshot(page, "offline-agenda-offline", full_page=False)

    # Back online, the page reloads itself from the server.
    page.context.set_offline(False)
    expect(page.locator(".now-next.next")).to_contain_text("Rosa Tardía")
    expect(banner).to_be_hidden()

    # Logging out leaves neither the copy nor the worker on the phone.
    log_out(page)
    page.wait_for_function(f"{KEPT}.then(kept => !kept)")
    page.wait_for_function("navigator.serviceWorker.getRegistrations().then(r => r.length === 0)")
