"""The directory, a counterpart's profile page and the must-meet / not-interested marks, through
the web: who may see whom, what a mark changes, and search input that never breaks a page."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from matchmaker.extensions import db
from matchmaker.models import InterestMark, MatchSuggestion
from matchmaker.services.accounts import create_user
from tests.factories import create_event, create_participant
from tests.web.helpers import csrf_token, login
from tests.web.participant_world import People, login_as, make_people
from tests.web.task_recorder import Tasks

ORGANISER = "org-directory@example.org"
ORGANISER_PASSWORD = "organiser-pass-1"


@pytest.fixture
def people(app: Flask) -> People:
    return make_people(app)


def marks(app: Flask) -> list[tuple[int, int, str]]:
    with app.app_context():
        rows = db.session.execute(
            db.select(InterestMark.participant_id, InterestMark.other_id, InterestMark.mark)
        )
        return sorted(tuple(row) for row in rows)


def mark(client: FlaskClient, other: int, value: str, back: str = "") -> object:
    token = csrf_token(client, f"/me/people/{other}")
    data = {"csrf_token": token, "mark": value, "next": back}
    return client.post(f"/me/people/{other}/mark", data=data)


def test_the_directory_lists_and_searches_the_other_side(
    app: Flask, client: FlaskClient, people: People, tasks: Tasks
) -> None:
    login_as(app, client, people.official)
    page = client.get("/me/directory").get_data(as_text=True)
    assert "Mobilidade Urbana Ltda" in page and "Agua Limpia SA" in page
    assert "Diego Ministro" not in page  # the own side is not listed
    assert "2 resultados" in page
    found = client.get("/me/directory?q=agua&language=en").get_data(as_text=True)
    assert "Agua Limpia SA" in found and "Mobilidade Urbana Ltda" not in found
    assert f'href="/me/people/{people.other_partner}"' in found
    nothing = client.get("/me/directory?q=nadie-se-llama-asi").get_data(as_text=True)
    assert "Nadie coincide con esta búsqueda." in nothing
    login_as(app, client, people.partner)
    seen_by_partner = client.get("/me/directory").get_data(as_text=True)
    assert "Ana Alcaldesa" in seen_by_partner and "Carla Startup" not in seen_by_partner


def test_a_profile_shows_the_other_side_of_the_event_only(
    app: Flask, client: FlaskClient, people: People, tasks: Tasks
) -> None:
    with app.app_context():
        elsewhere = create_event(name="Otra Expo")
        stranger = create_participant(elsewhere, "partner").id
        db.session.commit()
    login_as(app, client, people.official)
    page = client.get(f"/me/people/{people.partner}").get_data(as_text=True)
    assert "Semáforos inteligentes e ônibus elétricos." in page
    assert "Portugués, Español" in page or "Español, Portugués" in page
    assert "Solicitar reunión" in page and "Quiero reunirme" in page
    assert f"/me/requests/new/{people.partner}" in page
    for other in (people.other_official, stranger, people.official):
        assert client.get(f"/me/people/{other}").status_code == 404
    token = csrf_token(client, "/me/directory")
    refused = client.post(f"/me/people/{stranger}/mark", data={"csrf_token": token,
                                                                 "mark": "must-meet"})  # fmt: skip
    assert refused.status_code == 404
    assert (people.official, stranger, "must-meet") not in marks(app)


def test_must_meet_is_recorded_recomputed_and_undone(
    app: Flask, client: FlaskClient, people: People, tasks: Tasks
) -> None:
    login_as(app, client, people.official)
    response = mark(client, people.partner, "must-meet")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/me/people/{people.partner}")
    assert marks(app) == [(people.official, people.partner, "must-meet")]
    assert tasks["recompute_suggestions"].calls == [(people.event,)]
    assert tasks["recompute_suggestions"].committed == [True]
    page = client.get(f"/me/people/{people.partner}").get_data(as_text=True)
    assert "Marcaste que quieres reunirte con Bruno Empresa" in page
    assert "Quieres reunirte" in page and "Deshacer" in page
    mark(client, people.partner, "none", back="/me/directory")
    assert marks(app) == []
    assert len(tasks["recompute_suggestions"].calls) == 2  # the score goes back down too


def test_a_bad_mark_is_refused_and_changes_nothing(
    app: Flask, client: FlaskClient, people: People, tasks: Tasks
) -> None:
    login_as(app, client, people.official)
    response = mark(client, people.partner, "love")
    assert response.status_code == 400
    assert "Marca no válida" in response.get_data(as_text=True)
    assert marks(app) == [] and tasks["recompute_suggestions"].calls == []
    outside = mark(client, people.partner, "must-meet", back="https://evil.example/")
    assert not outside.headers["Location"].startswith("https://evil.example")


def test_not_interested_leaves_the_suggestions_and_can_be_undone(
    app: Flask, client: FlaskClient, people: People, tasks: Tasks
) -> None:
    with app.app_context():
        for rank, partner in enumerate((people.partner, people.other_partner), start=1):
            db.session.add(MatchSuggestion(event_id=people.event, government_id=people.official,
                                           partner_id=partner, score=80.0 - rank,
                                           rank_for_government=rank, rank_for_partner=1))  # fmt: skip
        db.session.commit()
    login_as(app, client, people.official)
    before = client.get("/me/suggestions").get_data(as_text=True)
    assert before.count('class="card suggestion"') == 2
    response = mark(client, people.other_partner, "not-interested", back="/me/suggestions")
    assert response.headers["Location"].endswith("/me/suggestions")
    after = client.get("/me/suggestions").get_data(as_text=True)
    assert after.count('class="card suggestion"') == 1
    assert "Carla Startup ya no aparecerá en tus sugerencias" in after
    assert "No te interesan" in after  # listed apart, to undo
    assert tasks["recompute_suggestions"].calls == []  # hiding needs no recomputation
    mark(client, people.other_partner, "none")
    assert (
        client.get("/me/suggestions").get_data(as_text=True).count('class="card suggestion"') == 2
    )


def test_organisers_see_and_filter_the_wanted_pairs(
    app: Flask, client: FlaskClient, people: People, tasks: Tasks
) -> None:
    with app.app_context():
        for partner, score in ((people.partner, 60.0), (people.other_partner, 70.0)):
            db.session.add(MatchSuggestion(event_id=people.event, government_id=people.official,
                                           partner_id=partner, score=score))  # fmt: skip
        create_user(ORGANISER, ORGANISER_PASSWORD, "organiser")
        db.session.commit()
    login_as(app, client, people.official)
    mark(client, people.partner, "must-meet")
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert login(client, ORGANISER, ORGANISER_PASSWORD).status_code == 302
    page = client.get(f"/organiser/matches?event={people.event}").get_data(as_text=True)
    assert page.count("Quiere reunirse: funcionario/a") == 1
    wanted = client.get(f"/organiser/matches?event={people.event}&wanted=1")
    text = wanted.get_data(as_text=True)
    assert "Mobilidade Urbana Ltda" in text and "Agua Limpia SA" not in text
    assert 'name="wanted" type="checkbox" value="1" checked' in text


SEARCH = settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
#: Any text a query string can carry, NUL and wildcards included, up to a long line.
ANY_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=300)


@SEARCH
@given(query=ANY_TEXT, theme=ANY_TEXT, language=ANY_TEXT, country=ANY_TEXT, page=ANY_TEXT)
@example(query="\x00", theme="", language="", country="", page="")
@example(query="%_\\'\"", theme='"', language="%", country="\x00x", page="99999999999999")
@example(query="x" * 300, theme="urban-mobility", language="es", country="MX", page="-1")
def test_any_search_answers_a_page(
    app: Flask,
    people: People,
    query: str,
    theme: str,
    language: str,
    country: str,
    page: str,
) -> None:
    client = app.test_client()
    login_as(app, client, people.official)
    args = {"q": query, "theme": theme, "language": language, "country": country,
            "page": page, "type": query, "marked": theme}  # fmt: skip
    response = client.get("/me/directory", query_string=args)
    assert response.status_code == 200
