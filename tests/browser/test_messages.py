"""Messages and the bell, in Chromium: official A writes to partner B from the agenda; B sees
the bell count 1, opens the notification, reads the message and replies; A's bell rings."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import expect

from matchmaker.extensions import db
from matchmaker.models import Event, Meeting, Message, User
from tests.browser.conftest import LiveServer, log_in, log_out, participant_account, screenshot
from tests.factories import create_event, create_participant

pytestmark = pytest.mark.browser

#: A link with no place to break: the thread must wrap it rather than widen the page.
LONG_LINK = "https://movilidad.example.org/propuesta/" + "semaforos-inteligentes-" * 12


@dataclass(frozen=True)
class MessageWorld:
    event: int
    official_email: str
    partner_email: str


@pytest.fixture
def message_world(live_server: LiveServer) -> Iterator[MessageWorld]:
    """An event with one published meeting (no notification yet); removed afterwards with
    its people, messages, notifications and both accounts, so other tests never see it."""
    with live_server.context():
        event = create_event(days=1, name="Expo Mensajes")
        official = create_participant(event, "government", name="Sofía Regidora",
                                      organisation="Municipio de Mérida")  # fmt: skip
        partner = create_participant(event, "partner", name="Tomás Semáforos",
                                     organisation="Verde Luz SA")  # fmt: skip
        db.session.add(Meeting(event_id=event.id, government_id=official.id,
                               partner_id=partner.id, slot_index=2, table_number=1,
                               status="published"))  # fmt: skip
        db.session.commit()
        ids = (event.id, official.external_id, partner.external_id)
    emails = (participant_account(live_server, ids[1]), participant_account(live_server, ids[2]))
    yield MessageWorld(ids[0], *emails)
    with live_server.context():
        db.session.execute(db.delete(User).where(User.email.in_(emails)))
        db.session.execute(db.delete(Event).where(Event.id == ids[0]))
        db.session.commit()


def _bell(page: Any) -> Any:
    return page.locator("nav.subnav a.bell")


def test_a_message_rings_the_bell_and_gets_a_reply(
    page: Any, live_server: LiveServer, message_world: MessageWorld
) -> None:
    log_in(page, message_world.official_email)
    page.goto("/me/agenda")
    page.locator("table.agenda tbody tr").filter(has_text="Tomás Semáforos").get_by_role(
        "link", name=re.compile(r"^Mensajes")
    ).click()
    expect(page.get_by_role("heading", name="Mensajes con Tomás Semáforos")).to_be_visible()
    page.get_by_label("Mensaje", exact=True).fill(f"¿Revisamos la propuesta? {LONG_LINK}")
    page.get_by_role("button", name="Enviar mensaje").click()
    expect(page.get_by_role("status")).to_contain_text("Mensaje enviado.")
    expect(_bell(page).locator(".count")).to_have_count(0)  # the writer is not notified
    log_out(page)

    log_in(page, message_world.partner_email)
    page.goto("/me/")
    expect(_bell(page).locator(".count")).to_have_text("1")
    _bell(page).click()
    page.get_by_role("button", name=re.compile("Sofía Regidora te escribió un mensaje")).click()
    thread = page.locator("#thread")
    expect(thread).to_contain_text("¿Revisamos la propuesta?")
    expect(_bell(page).locator(".count")).to_have_count(0)  # read on opening
    wide = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert not wide, "a long link widened the page instead of wrapping"
    screenshot(page, "messages-thread-es", full_page=False)
    page.get_by_label("Mensaje", exact=True).fill("¡Claro! Nos vemos en la mesa 2.")
    page.get_by_role("button", name="Enviar mensaje").click()
    expect(thread.locator(".message")).to_have_count(2)
    expect(thread.locator(".message.mine")).to_contain_text("Nos vemos en la mesa 2.")
    log_out(page)

    log_in(page, message_world.official_email)
    page.goto("/me/")
    expect(_bell(page).locator(".count")).to_have_text("1")
    with live_server.context():
        bodies = db.session.execute(
            db.select(Message.body).where(Message.event_id == message_world.event)
            .order_by(Message.id)
        ).scalars().all()  # fmt: skip
    assert bodies[1] == "¡Claro! Nos vemos en la mesa 2."
