"""Moving a published meeting from the agenda, in Chromium: the official asks for another free
slot, the partner accepts, and both agendas show the new time."""

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
from tests.factories import create_event, create_participant

pytestmark = pytest.mark.browser

#: Slot 1 is 9:20 on the event's first day (20-minute slots from 9:00); slot 6 is 11:00.
OLD_TIME, NEW_TIME = "9:20–9:40", "11:00–11:20"


@dataclass(frozen=True)
class MoveWorld:
    event: int
    meeting: int
    official_email: str
    partner_email: str


@pytest.fixture
def move_world(live_server: LiveServer) -> Iterator[MoveWorld]:
    """An event next year with one published meeting; removed afterwards with its people,
    meetings and both accounts, so other browser tests never see it."""
    with live_server.context():
        event = create_event(days=1, name="Expo Cambio de Horario")
        official = create_participant(event, "government", name="Marta Regidora",
                                      organisation="Municipio de Oaxaca")  # fmt: skip
        partner = create_participant(event, "partner", name="Iván Movilidad",
                                     organisation="Rutas Limpias SA")  # fmt: skip
        meeting = Meeting(event_id=event.id, government_id=official.id, partner_id=partner.id,
                          slot_index=1, table_number=2, status="published")  # fmt: skip
        db.session.add(meeting)
        db.session.commit()
        ids = (event.id, meeting.id, official.external_id, partner.external_id)
    emails = (participant_account(live_server, ids[2]), participant_account(live_server, ids[3]))
    yield MoveWorld(ids[0], ids[1], *emails)
    with live_server.context():
        db.session.execute(db.delete(User).where(User.email.in_(emails)))
        db.session.execute(db.delete(Event).where(Event.id == ids[0]))
        db.session.commit()


def _agenda_row(page: Any, name: str) -> Any:
    return page.locator("table.agenda tbody tr").filter(has_text=name)


def test_move_then_both_agendas_show_the_new_time(
    page: Any, live_server: LiveServer, move_world: MoveWorld
) -> None:
    log_in(page, move_world.official_email)
    page.goto("/me/agenda")
    row = _agenda_row(page, "Iván Movilidad")
    expect(row).to_contain_text(OLD_TIME)
    row.get_by_role("link", name="Pedir cambio de horario").click()
    page.get_by_label(re.compile(r"11:00")).check()
    screenshot(page, "move-meeting-ask", full_page=False)
    page.get_by_role("button", name="Pedir este horario").click()
    expect(page.locator(".move-request")).to_contain_text("Esperando su respuesta")
    log_out(page)

    log_in(page, move_world.partner_email)
    page.goto("/me/agenda")
    request = page.locator(".move-request")
    expect(request).to_contain_text("Marta Regidora pide mover la reunión")
    request.get_by_role("button", name="Aceptar nuevo horario").click()
    expect(page.locator(".flash.success")).to_contain_text("Reunión movida")
    expect(_agenda_row(page, "Marta Regidora")).to_contain_text(NEW_TIME)
    expect(page.locator(".move-request")).to_have_count(0)
    screenshot(page, "move-meeting-accepted", full_page=False)
    log_out(page)

    log_in(page, move_world.official_email)
    page.goto("/me/agenda")
    expect(_agenda_row(page, "Iván Movilidad")).to_contain_text(NEW_TIME)
    with live_server.context():
        assert db.session.get_one(Meeting, move_world.meeting).slot_index == 6
