"""The live board page, staff and participant check-in, and standby offers on the agenda, on an
event whose slot 1 started 11 minutes ago (real time: the views use the clock)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from matchmaker.config import celery_settings
from matchmaker.extensions import db
from matchmaker.models import Event, Meeting, Participant, StandbyOffer, User
from matchmaker.orm import utcnow
from matchmaker.services import live, standby
from tests.conftest import clear_database, make_app
from tests.live_world import LiveWorld, build_live_world, event_running_now
from tests.web.authorization_world import PASSWORD_HASH, SESSION_TOKEN, as_user
from tests.web.helpers import csrf_token


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
        for name in ("G1", "P3", "P4", "P7", "G2"):
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


def page(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_board_shows_tables_arrivals_and_lateness(app: Flask, world: LiveWorld) -> None:
    organiser = client_of(app, "org@example.org")
    html = page(organiser, "/organiser/live")
    assert "Turno en curso" in html and "Siguiente turno" in html
    assert "Mesa 1" in html and "Llegó" in html and "Retrasado/a" in html
    assert "En curso" in html  # G2 and P2 both checked in
    state = organiser.get("/organiser/live.json").get_json()
    assert state["fingerprint"] and state["slots"][0]["current"] is True
    tables = {m["table"]: m for m in state["slots"][0]["meetings"]}
    assert tables[1]["government"]["state"] == "checked-in"
    assert tables[1]["partner"]["state"] == "late"


def test_staff_check_in_needs_the_form_and_a_side(app: Flask, world: LiveWorld) -> None:
    organiser = client_of(app, "org@example.org")
    url = f"/organiser/meetings/{world.busy}/check-in"
    token = csrf_token(organiser, "/organiser/live")
    assert organiser.post(url, data={"side": "partner"}).status_code == 400  # no CSRF token
    assert organiser.post(url, data={"side": "nobody", "csrf_token": token}).status_code == 400
    assert organiser.post("/organiser/meetings/999999/check-in",
                          data={"side": "partner", "csrf_token": token}).status_code == 404  # fmt: skip
    with app.app_context():
        assert db.session.get_one(Meeting, world.busy).partner_checked_in_at is None
    response = organiser.post(url, data={"side": "partner", "csrf_token": token},
                              follow_redirects=True)  # fmt: skip
    assert "Llegada registrada." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get_one(Meeting, world.busy).partner_checked_in_at is not None


def test_a_participant_says_they_are_at_their_table(app: Flask, world: LiveWorld) -> None:
    partner = client_of(app, "p7@example.org")
    html = page(partner, "/me/agenda")
    assert "Ya estoy en mi mesa" in html
    token = csrf_token(partner, "/me/agenda")
    response = partner.post(f"/me/meetings/{world.busy}/check-in", data={"csrf_token": token},
                            follow_redirects=True)  # fmt: skip
    assert "ya estás en tu mesa" in response.get_data(as_text=True)
    assert "Llegada registrada" in page(partner, "/me/agenda")
    # Someone else's meeting: not found, nothing changed.
    other = client_of(app, "g2@example.org")
    token = csrf_token(other, "/me/agenda")
    assert other.post(f"/me/meetings/{world.busy}/check-in",
                      data={"csrf_token": token}).status_code == 404  # fmt: skip
    with app.app_context():
        assert db.session.get_one(Meeting, world.busy).government_checked_in_at is None


def test_standby_offer_on_both_agendas_first_to_accept_wins(app: Flask, world: LiveWorld) -> None:
    with app.app_context():
        standby.watch_meetings(utcnow())
        db.session.commit()
        offers = {
            o.candidate_id: o.id for o in db.session.execute(db.select(StandbyOffer)).scalars()
        }
    g1, p3, p4 = (client_of(app, f"{n}@example.org") for n in ("g1", "p3", "p4"))
    assert "Reunión disponible ahora" in page(g1, "/me/agenda")
    assert "Socia 4" in page(g1, "/me/agenda") and "Oficial 1" in page(p4, "/me/agenda")
    token = csrf_token(p4, "/me/agenda")
    response = p4.post(f"/me/standby/{offers[world.people['P4']]}/accept",
                       data={"csrf_token": token}, follow_redirects=True)  # fmt: skip
    assert "ve a la mesa 1" in response.get_data(as_text=True)
    token = csrf_token(p3, "/me/agenda")
    response = p3.post(f"/me/standby/{offers[world.people['P3']]}/accept",
                       data={"csrf_token": token}, follow_redirects=True)  # fmt: skip
    assert response.status_code == 200
    assert "otra persona respondió antes" in response.get_data(as_text=True)
    with app.app_context():
        booked = db.session.execute(
            db.select(Meeting).where(Meeting.slot_index == 1, Meeting.table_number == 0,
                                     Meeting.status == "published")
        ).scalar_one()  # fmt: skip
        assert booked.partner_id == world.people["P4"]
        event = db.session.get_one(Event, world.event_id)
        rows = live.board(event, utcnow())[0].rows
        assert {r.meeting.id for r in rows} >= {booked.id, world.missed}


def test_the_grace_time_is_set_on_the_settings_page(app: Flask, world: LiveWorld) -> None:
    organiser = client_of(app, "org@example.org")
    html = page(organiser, "/organiser/event")
    assert 'name="no_show_minutes"' in html and 'value="10"' in html
    token = csrf_token(organiser, "/organiser/event")
    with app.app_context():
        event = db.session.get_one(Event, world.event_id)
        form = {"name": event.name, "venue": "", "time_zone": event.time_zone,
                "days": event.days[0], "day_start": event.day_start, "day_end": event.day_end,
                "slot_minutes": "20", "breaks": "", "num_tables": "10",
                "default_max_meetings": "8", "request_expiry_hours": "72", "save": "1",
                "csrf_token": token}  # fmt: skip
    bad = organiser.post("/organiser/event", data=form | {"no_show_minutes": "0"})
    assert bad.status_code == 200 and "Debe estar entre 1 y 240" in bad.get_data(as_text=True)
    assert (
        organiser.post("/organiser/event", data=form | {"no_show_minutes": "5"}).status_code == 302
    )
    with app.app_context():
        assert db.session.get_one(Event, world.event_id).no_show_minutes == 5
