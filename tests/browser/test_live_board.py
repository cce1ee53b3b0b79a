"""The live board with a no-show and a standby accepted, in a real browser: slot 1 of today's
event started 11 minutes ago; official 1 is at table 1, partner 1 never comes. The organiser's
board shows who came and who is late; the periodic run (called here as the beat would) marks
the no-show and offers standby meetings; official 1 accepts one on their agenda, and the board
shows the new meeting at the same table."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from matchmaker.extensions import db
from matchmaker.models import Participant
from matchmaker.orm import utcnow
from matchmaker.services import standby
from tests.browser.conftest import (
    LiveServer,
    create_account,
    log_in,
    participant_account,
    screenshot,
)
from tests.live_world import build_live_world, event_running_now

pytestmark = pytest.mark.browser


def test_the_live_board_with_a_no_show_and_a_standby_accepted(
    new_page: Any, live_server: LiveServer
) -> None:
    with live_server.context():
        world = build_live_world(event_running_now(11))
        official = db.session.get_one(Participant, world.people["G1"]).external_id
        db.session.commit()
    organiser_email = create_account(live_server, "tablero@expo.example.org", "organiser")
    official_email = participant_account(live_server, official)

    board = new_page()
    board.set_viewport_size({"width": 390, "height": 844})  # a phone at the meeting area
    log_in(board, organiser_email)
    board.goto(f"/organiser/live?event={world.event_id}")
    table = board.locator(f"#meeting-{world.missed}")
    expect(table).to_contain_text("Mesa 1")
    expect(table).to_contain_text("Oficial 1: Llegó")
    expect(table).to_contain_text("Retrasado/a")
    expect(board.locator(f"#meeting-{world.both}")).to_contain_text("En curso")
    screenshot(board, "live-board-waiting")

    with live_server.context():  # what the beat does every minute
        standby.watch_meetings(utcnow())
        db.session.commit()
    board.reload()
    expect(table).to_contain_text("No se presentó")
    expect(table).to_contain_text("Oficial 1 ↔ Socia 4 — ofrecida")

    agenda = new_page()
    log_in(agenda, official_email)
    agenda.goto("/me/agenda")
    expect(agenda.get_by_role("heading", name="Reunión disponible ahora").first).to_be_visible()
    agenda.get_by_role("button", name="Aceptar reunión con Socia 4").click()
    expect(agenda.get_by_text("Reunión reservada: ve a la mesa 1.")).to_be_visible()
    screenshot(agenda, "live-standby-accepted")

    board.reload()
    expect(table).to_contain_text("Oficial 1 ↔ Socia 4 — aceptada")
    new_meeting = board.locator(".live-meeting", has_text="Socia 4 (Empresa 4)")
    expect(new_meeting).to_contain_text("Mesa 1")
    expect(new_meeting).to_contain_text("Oficial 1: Llegó")
    screenshot(board, "live-board-standby")
