"""Check-in by QR code: the link a code holds (a GET shows who, only a POST checks in), the
scan page's JSON answers, refusals that change nothing, organisers only, and the agenda's
own codes. On an event whose slot 1 started 11 minutes ago (the views use the clock)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from matchmaker.config import celery_settings
from matchmaker.extensions import db
from matchmaker.models import Meeting, Participant, User
from matchmaker.services.check_in_codes import CheckInLinks
from tests.conftest import clear_database, make_app
from tests.live_world import LiveWorld, build_live_world, event_running_now
from tests.web.authorization_world import PASSWORD_HASH, SESSION_TOKEN, as_user
from tests.web.helpers import csrf_token

JSON = {"Accept": "application/json"}


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    app = make_app(database_url, tmp_path / "instance", CELERY=celery_settings("memory://"))
    yield app
    clear_database(app)


@pytest.fixture
def world(app: Flask) -> LiveWorld:
    with app.app_context():
        built = build_live_world(event_running_now(11))
        db.session.add(_user("org@example.org", "organiser", None))
        for name in ("P7", "G2"):
            person = db.session.get_one(Participant, built.people[name])
            role = "official" if person.is_government else "partner"
            db.session.add(_user(f"{name.lower()}@example.org", role, person))
        db.session.commit()
        return built


def _user(email: str, role: str, participant: Participant | None) -> User:
    user = User(email=email, role=role, participant=participant)
    user.password_hash, user.session_token = PASSWORD_HASH, SESSION_TOKEN
    return user


def client_of(app: Flask, email: str) -> FlaskClient:
    with app.app_context():
        user_id = db.session.execute(db.select(User.id).where(User.email == email)).scalar_one()
    return as_user(app.test_client(), user_id)


def code_of(app: Flask, meeting_id: int, person_id: int) -> str:
    """The check-in link of the person's side of the meeting, as their QR code holds it."""
    with app.app_context():
        links = CheckInLinks.from_config(app.config)
        assert links is not None
        meeting = db.session.get_one(Meeting, meeting_id)
        return links.url(meeting, db.session.get_one(Participant, person_id))


def check_ins(app: Flask, meeting_id: int) -> tuple[object, object]:
    with app.app_context():
        meeting = db.session.get_one(Meeting, meeting_id)
        return meeting.government_checked_in_at, meeting.partner_checked_in_at


def test_the_link_shows_who_and_only_its_post_checks_in(app: Flask, world: LiveWorld) -> None:
    url = code_of(app, world.busy, world.people["P7"])
    assert url.startswith("http://localhost/organiser/live/check-in/")
    path = url.removeprefix("http://localhost")
    staff = client_of(app, "org@example.org")
    page = staff.get(path)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Socia 7" in html and "Empresa 7" in html and "Mesa 3" in html
    assert f'action="{path}"' in html and 'method="post"' in html
    assert check_ins(app, world.busy) == (None, None)  # a GET changes nothing
    token = csrf_token(staff, path)
    assert staff.post(path).status_code == 400  # no CSRF token: nothing done
    assert check_ins(app, world.busy) == (None, None)
    done = staff.post(path, data={"csrf_token": token})
    assert done.status_code == 200 and "Llegada registrada" in done.get_data(as_text=True)
    government, partner = check_ins(app, world.busy)
    assert government is None and partner is not None
    again = staff.post(path, data={"csrf_token": token})
    assert "Su llegada ya estaba registrada" in again.get_data(as_text=True)
    assert check_ins(app, world.busy) == (None, partner)


def test_scans_answer_in_json_and_both_sides_make_the_meeting_in_progress(
    app: Flask, world: LiveWorld
) -> None:
    staff = client_of(app, "org@example.org")
    token = csrf_token(staff, "/organiser/live/scan")
    for name, side in (("G3", "Funcionario/a"), ("P7", "Socio")):
        code = code_of(app, world.busy, world.people[name])
        answer = staff.post("/organiser/live/scan", data={"code": code, "csrf_token": token},
                            headers=JSON)  # fmt: skip
        assert answer.status_code == 200
        body = answer.get_json()
        assert body["outcome"] == "checked-in" and body["headline"] == "Llegada registrada"
        assert body["table"] == 3 and body["side"] == side and body["meeting"] == world.busy
    board = staff.get("/organiser/live.json").get_json()
    [row] = [m for m in board["slots"][0]["meetings"] if m["id"] == world.busy]
    assert row["state"] == "in-progress"


def test_bad_codes_and_closed_windows_are_refused_and_change_nothing(
    app: Flask, world: LiveWorld
) -> None:
    staff = client_of(app, "org@example.org")
    token = csrf_token(staff, "/organiser/live/scan")
    good = code_of(app, world.busy, world.people["P7"])
    later = code_of(app, _slot3_meeting(app, world), world.people["P8"])  # starts in 29 minutes
    cases = {good[:-2] + ("AA" if not good.endswith("AA") else "BB"): (400, "invalid"),
             "hola": (400, "invalid"), "": (400, "invalid"),
             later: (409, "outside-slot")}  # fmt: skip
    for code, (status, outcome) in cases.items():
        answer = staff.post("/organiser/live/scan", data={"code": code, "csrf_token": token},
                            headers=JSON)  # fmt: skip
        assert answer.status_code == status, code
        assert answer.get_json()["outcome"] == outcome
    invalid = staff.post("/organiser/live/scan", data={"code": "hola", "csrf_token": token})
    assert "Código no válido" in invalid.get_data(as_text=True)  # the page, without script
    late = staff.post("/organiser/live/scan", data={"code": later, "csrf_token": token},
                      headers=JSON).get_json()  # fmt: skip
    assert late["headline"] == "Fuera de horario" and "15 minutos" in late["detail"]
    forged = staff.post("/organiser/live/scan", data={"code": good}, headers=JSON)
    assert forged.status_code == 400  # no CSRF token: the app's "form expired" page
    # The signature's first character: its last one carries padding bits, which a change
    # may leave out of the decoded bytes.
    path, _dot, signature = good.removeprefix("http://localhost").rpartition(".")
    tampered = f"{path}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"
    assert staff.get(tampered).status_code == 400
    for meeting in (world.busy, _slot3_meeting(app, world)):
        assert check_ins(app, meeting) == (None, None)


def _slot3_meeting(app: Flask, world: LiveWorld) -> int:
    with app.app_context():
        query = db.select(Meeting.id).where(Meeting.partner_id == world.people["P8"],
                                            Meeting.slot_index == 3)  # fmt: skip
        return int(db.session.execute(query).scalar_one())


def test_a_participant_cannot_use_a_code(app: Flask, world: LiveWorld) -> None:
    path = code_of(app, world.busy, world.people["P7"]).removeprefix("http://localhost")
    partner = client_of(app, "p7@example.org")
    token = csrf_token(partner, "/me/agenda")
    assert partner.get(path).status_code == 403
    assert partner.post(path, data={"csrf_token": token}).status_code == 403
    assert partner.post("/organiser/live/scan", data={"code": path, "csrf_token": token},
                        headers=JSON).status_code == 403  # fmt: skip
    anonymous = app.test_client().get(path)
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/login")
    assert check_ins(app, world.busy) == (None, None)


def test_the_agenda_shows_ones_own_codes(app: Flask, world: LiveWorld) -> None:
    partner = client_of(app, "p7@example.org")
    svg_path = f"/me/meetings/{world.busy}/check-in-code.svg"
    assert svg_path in partner.get("/me/agenda").get_data(as_text=True)
    image = partner.get(svg_path)
    assert image.status_code == 200 and image.mimetype == "image/svg+xml"
    assert image.get_data(as_text=True).startswith("<svg") and "mesa 3" in image.get_data(
        as_text=True
    )
    assert client_of(app, "g2@example.org").get(svg_path).status_code == 404  # not theirs
    app.config["BASE_URL"] = ""  # no public address: no codes to link to
    assert svg_path not in partner.get("/me/agenda").get_data(as_text=True)
    assert partner.get(svg_path).status_code == 404


def test_the_scan_page_may_use_the_camera_and_its_own_decoder(app: Flask, world: LiveWorld) -> None:
    staff = client_of(app, "org@example.org")
    page = staff.get("/organiser/live/scan")
    html = page.get_data(as_text=True)
    assert '<script src="/static/vendor/jsQR.js"' in html  # vendored: no CDN
    assert "camera=(self)" in page.headers["Permissions-Policy"]
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    decoder = staff.get("/static/vendor/jsQR.js")
    assert decoder.status_code == 200 and b"jsQR" in decoder.data
    decoder.close()
