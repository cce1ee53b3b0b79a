"""QR → check-in, in a real browser: partner 7's agenda shows the QR code of their meeting
under way (table 3 of slot 1, which started 11 minutes ago); a photo of it (here, a screenshot
of the code on the agenda page) is given to the staff's scan page, decoded there by jsQR and
sent to the server; the board then shows partner 7 arrived. A typed code that is not one is
answered "Código no válido". And the camera: Chromium's fake camera plays a video of official
3's code, which the scan page reads from the preview and checks in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from matchmaker.domain.qr import QrCode, dark_runs, make_qr
from matchmaker.extensions import db
from matchmaker.models import Meeting, Participant
from matchmaker.services.check_in_codes import CheckInLinks
from tests.browser.conftest import (
    CHROMIUM,
    LAUNCH_ARGS,
    TIMEOUT_MS,
    LiveServer,
    create_account,
    log_in,
    participant_account,
    screenshot,
)
from tests.live_world import build_live_world, event_running_now

pytestmark = pytest.mark.browser


def test_a_photo_of_the_agendas_qr_code_checks_the_partner_in(
    new_page: Any, live_server: LiveServer
) -> None:
    with live_server.context():
        world = build_live_world(event_running_now(11))
        partner = db.session.get_one(Participant, world.people["P7"]).external_id
        db.session.commit()
    partner_email = participant_account(live_server, partner)
    staff_email = create_account(live_server, "llegadas@expo.example.org", "organiser")

    agenda = new_page()
    log_in(agenda, partner_email)
    agenda.goto("/me/agenda")
    code = agenda.locator("details.check-in-code")
    expect(code).to_have_count(1)  # slot 0's meeting is over: only the one under way
    code.locator("summary").click()
    image = code.locator("img")
    expect(image).to_have_attribute("src", f"/me/meetings/{world.busy}/check-in-code.svg")
    agenda.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
    )
    photo = image.screenshot()
    screenshot(agenda, "qr-agenda-code")

    scanner = new_page()
    scanner.set_viewport_size({"width": 390, "height": 844})  # a phone at the meeting area
    log_in(scanner, staff_email)
    scanner.goto(f"/organiser/live?event={world.event_id}")
    scanner.get_by_role("link", name="Escanear códigos de llegada").click()
    expect(scanner.get_by_role("heading", name="Registrar llegadas")).to_be_visible()
    scanner.get_by_label("O toma una foto del código").set_input_files(
        files=[{"name": "codigo.png", "mimeType": "image/png", "buffer": photo}]
    )
    result = scanner.locator("#scan-result")
    expect(result.locator(".scan-headline")).to_have_text("Llegada registrada")
    expect(result).to_contain_text("Socia 7")
    expect(result).to_contain_text("Mesa 3")
    screenshot(scanner, "qr-scan-checked-in")
    with live_server.context():
        meeting = db.session.get_one(Meeting, world.busy)
        assert meeting.partner_checked_in_at is not None
        assert meeting.government_checked_in_at is None

    scanner.get_by_label("O escribe o pega el código").fill("no-es-un-codigo")
    scanner.get_by_role("button", name="Registrar llegada").click()
    expect(result.locator(".scan-headline")).to_have_text("Código no válido")

    scanner.goto(f"/organiser/live?event={world.event_id}")
    table = scanner.locator(f"#meeting-{world.busy}")
    expect(table).to_contain_text("Socia 7 (Empresa 7): Llegó")
    expect(table).to_contain_text("Oficial 3: Retrasado/a")
    screenshot(scanner, "qr-board-after-scan")


def fake_camera_video(path: Path, code: QrCode, frames: int = 10) -> Path:
    """A Y4M video (what Chromium's fake camera plays) of ``code`` held still in front of
    the lens: 640×480, black modules of 8 pixels on white, grey chroma."""
    width, height, module = 640, 480, 8
    left, top = (width - code.size * module) // 2, (height - code.size * module) // 2
    luma = bytearray(b"\xff" * width * height)
    for row, column, length in dark_runs(code):
        for y in range(top + row * module, top + (row + 1) * module):
            start = y * width + left + column * module
            luma[start : start + length * module] = b"\x00" * (length * module)
    chroma = b"\x80" * (width // 2) * (height // 2) * 2
    header = f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode()
    path.write_bytes(header + (b"FRAME\n" + bytes(luma) + chroma) * frames)
    return path


def test_the_camera_reads_a_code_and_checks_the_official_in(
    browser: Any, live_server: LiveServer, tmp_path: Path
) -> None:
    with live_server.context():
        world = build_live_world(event_running_now(11))
        meeting = db.session.get_one(Meeting, world.busy)
        official = db.session.get_one(Participant, world.people["G3"])
        links = CheckInLinks.from_config(live_server.app.config)
        assert links is not None
        video = fake_camera_video(tmp_path / "camara.y4m", make_qr(links.url(meeting, official)))
        db.session.commit()
    staff_email = create_account(live_server, "camara@expo.example.org", "organiser")
    # A browser of its own: the fake camera is a launch option (the shared one has none).
    phone = browser.browser_type.launch(
        executable_path=str(CHROMIUM), headless=True,
        args=[*LAUNCH_ARGS, "--use-fake-device-for-media-stream",
              "--use-fake-ui-for-media-stream", f"--use-file-for-fake-video-capture={video}"],
    )  # fmt: skip
    try:
        context = phone.new_context(base_url=live_server.url, locale="es-MX",
                                    viewport={"width": 390, "height": 844})  # fmt: skip
        context.set_default_timeout(TIMEOUT_MS)
        context.grant_permissions(["camera"], origin=live_server.url)
        page = context.new_page()
        log_in(page, staff_email)
        page.goto("/organiser/live/scan")
        page.get_by_role("button", name="Usar la cámara").click()
        result = page.locator("#scan-result")
        expect(result.locator(".scan-headline")).to_have_text("Llegada registrada")
        expect(result).to_contain_text("Oficial 3")
        screenshot(page, "qr-scan-camera")
    finally:
        phone.close()
    with live_server.context():
        assert db.session.get_one(Meeting, world.busy).government_checked_in_at is not None
