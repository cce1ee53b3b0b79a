"""Editing the profile: themes, description, languages, presence grid, cap."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from matchmaker.extensions import db
from matchmaker.models import Event, Participant
from tests.web.helpers import csrf_token
from tests.web.test_participant import login_as, make_people, queued  # noqa: F401  (fixture)


def test_profile_form_shows_current_values(app: Flask, client: FlaskClient) -> None:
    people = make_people(app)
    login_as(app, client, people.official)
    page = client.get("/me/profile").get_data(as_text=True)
    assert "Reto de tu ciudad o estado" in page
    assert (
        '<input checked id="themes-4" name="themes" type="checkbox" value="urban-mobility">' in page
    )
    assert 'value="urban-planning">' in page and "Movilidad urbana" in page
    assert "Queremos reducir el tráfico" in page
    # Two days of 12 slots, all attended: 24 checked presence boxes.
    assert page.count('name="present"') == 24 and page.count("checked") >= 24 + 3


def test_saving_the_profile_stores_it_and_asks_for_suggestions(
    app: Flask,
    client: FlaskClient,
    queued: list[int],  # noqa: F811
) -> None:
    people = make_people(app)
    login_as(app, client, people.partner)
    present = [str(i) for i in range(24) if i not in (0, 13)]
    data = {
        "csrf_token": csrf_token(client, "/me/profile"),
        "themes": ["urban-mobility", "climate-adaptation"],
        "description": "Ônibus elétricos e semáforos inteligentes.",
        "languages": ["pt", "en"],
        "present": present,
        "max_meetings": "5",
    }
    response = client.post("/me/profile", data=data)
    assert response.status_code == 302
    with app.app_context():
        partner = db.session.get_one(Participant, people.partner)
        assert partner.themes == ["urban-mobility", "climate-adaptation"]
        assert partner.languages == ["en", "pt"]
        assert partner.unavailable == [0, 13]
        assert partner.max_meetings == 5
        assert db.session.get_one(Event, people.event).suggestions_requested_at is not None
    assert queued == [people.event]
    assert "Perfil guardado" in client.get("/me/profile").get_data(as_text=True)


def test_blank_cap_means_the_event_default(app: Flask, client: FlaskClient) -> None:
    people = make_people(app)
    with app.app_context():
        db.session.get_one(Participant, people.official).max_meetings = 3
        db.session.commit()
    login_as(app, client, people.official)
    data = {
        "csrf_token": csrf_token(client, "/me/profile"),
        "themes": ["urban-mobility"],
        "description": "Tráfico.",
        "languages": ["es"],
        "present": ["1"],
        "max_meetings": "",
    }
    assert client.post("/me/profile", data=data).status_code == 302
    with app.app_context():
        official = db.session.get_one(Participant, people.official)
        assert official.max_meetings is None and official.cap() == 8
        assert official.unavailable == [i for i in range(24) if i != 1]


def test_errors_are_shown_next_to_their_fields(
    app: Flask,
    client: FlaskClient,
    queued: list[int],  # noqa: F811
) -> None:
    people = make_people(app)
    login_as(app, client, people.official)
    data = {
        "csrf_token": csrf_token(client, "/me/profile"),
        "description": "",
        "languages": ["es", "fr"],
        "max_meetings": "-2",
    }
    response = client.post("/me/profile", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="themes-error"' in page and "Elige al menos una opción" in page
    assert 'id="description-error"' in page
    assert 'id="languages-error"' in page
    assert 'id="max_meetings-error"' in page
    assert 'aria-invalid="true"' in page
    with app.app_context():
        assert db.session.get_one(Participant, people.official).themes == [
            "urban-mobility",
            "public-services",
        ]
    assert queued == []
