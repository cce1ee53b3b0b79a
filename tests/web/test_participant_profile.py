"""Editing the profile: themes, description, languages, presence grid, cap."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from matchmaker.extensions import db
from matchmaker.models import Event, Participant
from tests.web.helpers import csrf_token
from tests.web.participant_world import login_as, make_people
from tests.web.task_recorder import Tasks

#: No broker in these tests: every task the views send is recorded instead.
pytestmark = pytest.mark.usefixtures("tasks")


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
    tasks: Tasks,
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
    assert tasks["recompute_suggestions"].calls == [(people.event,)]
    assert tasks["recompute_suggestions"].committed == [True]  # sent once the edit was saved
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
    tasks: Tasks,
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
    assert tasks.sent == []


def test_a_language_from_the_import_is_offered_and_kept(app: Flask, client: FlaskClient) -> None:
    people = make_people(app)
    with app.app_context():
        db.session.get_one(Participant, people.official).languages = ["es", "fr"]
        db.session.commit()
    login_as(app, client, people.official)
    page = client.get("/me/profile").get_data(as_text=True)
    assert 'checked id="languages-3" name="languages" type="checkbox" value="fr"' in page
    assert "Francés" in page  # CLDR's name, in the reader's language
    data = {
        "csrf_token": csrf_token(client, "/me/profile"),
        "themes": ["urban-mobility"],
        "description": "Tráfico.",
        "languages": ["es", "fr"],
        "present": ["1"],
    }
    assert client.post("/me/profile", data=data).status_code == 302
    with app.app_context():
        assert db.session.get_one(Participant, people.official).languages == ["es", "fr"]
