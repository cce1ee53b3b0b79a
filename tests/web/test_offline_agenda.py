"""The installable, offline agenda: manifest, service worker, "now / next", logging out."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image

from matchmaker.extensions import db
from matchmaker.models import MatchSuggestion, Meeting
from tests.web.helpers import csrf_token
from tests.web.participant_world import People, add_meeting, login_as, make_people

#: No broker in these tests: every task the views send is recorded instead.
pytestmark = pytest.mark.usefixtures("tasks")

#: Mexico City keeps UTC-6 all year: 15:25 UTC is 9:25 on the event's clock, in slot 1
#: (9:20–9:40) of the first day, 10 March 2032.
DURING_SLOT_1 = datetime(2032, 3, 10, 15, 25, tzinfo=UTC)
BEFORE_EVENT = datetime(2032, 3, 9, 18, 0, tzinfo=UTC)
AFTER_EVENT = datetime(2032, 3, 12, 18, 0, tzinfo=UTC)


def _card(page: str, kind: str) -> str:
    """The "now" or "next" card's HTML, or "" when the page has none."""
    match = re.search(rf'<section class="card now-next {kind}".*?</section>', page, re.S)
    return match.group(0) if match else ""


def _agenda_at(client: FlaskClient, monkeypatch: pytest.MonkeyPatch, now: datetime) -> str:
    monkeypatch.setattr("matchmaker.participant.views_agenda.utcnow", lambda: now)
    response = client.get("/me/agenda")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _two_meetings(app: Flask, people: People) -> None:
    """Slot 1 with Bruno (a suggestion with reasons led to it), slot 3 with Carla (none)."""
    add_meeting(app, people, slot=1)
    add_meeting(app, people, slot=3, partner=people.other_partner)
    with app.app_context():
        reasons = [
            {"code": "themes", "text": "", "data": {"themes": ["urban-mobility"]}},
            {"code": "language", "text": "", "data": {"languages": ["es"]}},
        ]
        db.session.add(MatchSuggestion(event_id=people.event, government_id=people.official,
                                       partner_id=people.partner, score=80.0, reasons=reasons,
                                       status="approved"))  # fmt: skip
        db.session.commit()


def test_manifest_is_linked_and_describes_the_app(app: Flask, client: FlaskClient) -> None:
    page = client.get("/login").get_data(as_text=True)
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200 and response.mimetype == "application/manifest+json"
    manifest = json.loads(response.get_data(as_text=True))
    assert manifest["start_url"] == "/me/agenda" and manifest["display"] == "standalone"
    assert manifest["name"] and manifest["short_name"] and manifest["theme_color"]
    sizes = set()
    for icon in manifest["icons"]:
        with client.get(icon["src"]) as image:  # a file response: closed when read
            assert image.status_code == 200 and image.mimetype == "image/png"
            width, height = Image.open(io.BytesIO(image.data)).size
        assert icon["sizes"] == f"{width}x{height}"
        sizes.add(width)
    assert {192, 512} <= sizes


def test_service_worker_is_served_for_the_participants_area(
    app: Flask, client: FlaskClient
) -> None:
    with client.get("/sw.js") as response:
        assert response.status_code == 200 and response.mimetype == "text/javascript"
        assert response.headers["Service-Worker-Allowed"] == "/me/"
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
        assert "matchmaker-agenda" in response.get_data(as_text=True)
    # Only a participant's pages register it, for /me/; others tell the browser to forget.
    anonymous = client.get("/login").get_data(as_text=True)
    assert "data-offline-forget" in anonymous and "data-offline-worker" not in anonymous
    people = make_people(app)
    login_as(app, client, people.official)
    page = client.get("/me/").get_data(as_text=True)
    assert 'data-offline-worker="/sw.js" data-offline-scope="/me/"' in page
    assert "data-offline-forget" not in page


def test_now_and_next_during_the_event(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    people = make_people(app)
    _two_meetings(app, people)
    login_as(app, client, people.official)
    page = _agenda_at(client, monkeypatch, DURING_SLOT_1)
    now, upcoming = _card(page, "now"), _card(page, "next")
    assert "Ahora" in now and "mié, 10 mar, 9:20–9:40" in now and "Mesa 5" in now
    assert "Bruno Empresa" in now and "Mobilidade Urbana Ltda" in now
    # The reasons as the suggestions page words them.
    assert "Temas en común: Movilidad urbana" in now and "Idioma común: Español" in now
    assert "Siguiente" in upcoming and "Carla Startup" in upcoming and "10:00–10:20" in upcoming
    assert "Agua Limpia SA" in upcoming and "Por qué se reúnen" not in upcoming  # no suggestion
    # The page carries the moment it was made, and the banner shown when it is a kept copy.
    assert "Actualizada: 10 mar 2032, 9:25" in page
    assert re.search(r'<p id="offline-banner"[^>]*hidden>Sin conexión: esta es tu agenda de '
                     r"10 mar 2032, 9:25</p>", page)  # fmt: skip


def test_before_and_after_the_event(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    people = make_people(app)
    _two_meetings(app, people)
    login_as(app, client, people.partner)
    before = _agenda_at(client, monkeypatch, BEFORE_EVENT)
    assert not _card(before, "now")  # the event is not on
    upcoming = _card(before, "next")
    assert "Ana Alcaldesa" in upcoming and "Municipio de Puebla" in upcoming
    after = _agenda_at(client, monkeypatch, AFTER_EVENT)
    assert not _card(after, "now") and not _card(after, "next")
    assert "Ana Alcaldesa" in after  # still on the agenda below


def test_a_missed_meeting_is_neither_now_nor_next(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    people = make_people(app)
    _two_meetings(app, people)
    with app.app_context():
        for meeting in db.session.execute(db.select(Meeting)).scalars():
            meeting.status = "no-show" if meeting.slot_index == 1 else "published"
        db.session.commit()
    login_as(app, client, people.official)
    page = _agenda_at(client, monkeypatch, DURING_SLOT_1)
    assert not _card(page, "now") and "Carla Startup" in _card(page, "next")


def test_logging_out_clears_the_offline_copy(app: Flask, client: FlaskClient) -> None:
    people = make_people(app)
    add_meeting(app, people)
    login_as(app, client, people.official)
    assert client.get("/me/agenda").headers["Cache-Control"] == "no-store"  # the SW keeps it
    response = client.post("/logout", data={"csrf_token": csrf_token(client, "/me/agenda")})
    assert response.status_code == 302
    assert response.headers["Clear-Site-Data"] == '"cache", "storage"'
    login_page = client.get(response.headers["Location"]).get_data(as_text=True)
    # Where the header is not obeyed, app.js drops the copy on this page.
    assert "data-offline-forget" in login_page
