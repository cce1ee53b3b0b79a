"""Participants' pages kept per web process (matchmaker.page_cache): served from memory while
the data's revision stands, rendered again after any write that people could see, from any
process, and never to anyone but their reader."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event as sql_event
from sqlalchemy.exc import OperationalError

from matchmaker import page_cache
from matchmaker.auth.sessions import end_all_sessions
from matchmaker.extensions import db
from matchmaker.models import DataRevision, Job, Participant, User
from tests.conftest import make_app
from tests.web.participant_world import add_meeting, login_as, make_people, post

pytestmark = pytest.mark.usefixtures("tasks")


@pytest.fixture(autouse=True)
def one_minute(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages are kept per minute: a test crossing one would see a page rendered again."""
    monkeypatch.setattr(page_cache, "current_minute", lambda: 29_000_000)


KEPT_PAGES = ("/me/", "/me/agenda", "/me/agenda/print", "/me/suggestions", "/me/requests",
              "/me/profile")  # fmt: skip


@contextmanager
def counted_statements(app: Flask) -> Iterator[list[str]]:
    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def note(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    sql_event.listen(engine, "before_cursor_execute", note)
    try:
        yield statements
    finally:
        sql_event.remove(engine, "before_cursor_execute", note)


def revision(app: Flask) -> int | None:
    with app.app_context():
        row = db.session.get(DataRevision, 1)
        return row.number if row is not None else None


def test_a_kept_page_costs_one_statement_until_the_data_changes(
    app: Flask, client: FlaskClient
) -> None:
    people = make_people(app)
    add_meeting(app, people)
    login_as(app, client, people.official)
    client.get("/me/")  # the first page after logging in stores the session's CSRF secret
    for path in KEPT_PAGES:
        first = client.get(path)
        assert first.status_code == 200, path
        with counted_statements(app) as statements:
            again = client.get(path)
        assert again.get_data() == first.get_data(), path
        assert len(statements) <= 2, (path, statements)  # the login and revision (+ ping)
        assert again.headers["Cache-Control"] == "no-store"  # still private to the browser
    with app.app_context():  # an organiser renames the partner: every page is true again
        db.session.get_one(Participant, people.partner).organisation = "Agua Pura SAPI"
        db.session.commit()
    assert "Agua Pura SAPI" in client.get("/me/agenda").get_data(as_text=True)


def test_a_kept_page_is_sent_as_it_was_first_sent(app: Flask, client: FlaskClient) -> None:
    people = make_people(app)
    login_as(app, client, people.official)
    client.get("/me/agenda")  # the session's CSRF secret is stored: a cookie, not kept
    first = client.get("/me/agenda")
    again = client.get("/me/agenda")  # answered before Flask (KeptPages)
    assert "Set-Cookie" not in again.headers
    assert again.get_data() == first.get_data()
    for name in ("Content-Security-Policy", "X-Frame-Options", "Referrer-Policy", "Vary",
                 "Content-Type", "Content-Length", "Cache-Control"):  # fmt: skip
        assert again.headers[name] == first.headers[name], name


def test_a_forged_session_gets_no_kept_page(app: Flask, client: FlaskClient) -> None:
    people = make_people(app)
    login_as(app, client, people.official)
    client.get("/me/agenda")
    client.get("/me/agenda")
    cookie = client.get_cookie("session")
    assert cookie is not None
    stranger = app.test_client()  # the same session, its signature changed
    stranger.set_cookie(
        "session", cookie.value[:-2] + ("AA" if cookie.value[-2:] != "AA" else "BB")
    )
    assert stranger.get("/me/agenda").status_code == 302  # to the login page


def test_a_database_that_fails_the_check_leaves_the_answer_to_flask(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    people = make_people(app)
    login_as(app, client, people.official)
    client.get("/me/agenda")
    kept = client.get("/me/agenda").get_data()
    calls = []
    check = page_cache.login_and_revision

    def fails_once(engine, user_id):  # type: ignore[no-untyped-def]
        calls.append(user_id)
        if len(calls) == 1:
            raise OperationalError("SELECT", {}, Exception("server closed the connection"))
        return check(engine, user_id)

    monkeypatch.setattr(page_cache, "login_and_revision", fails_once)
    answer = client.get("/me/agenda")
    assert answer.status_code == 200 and answer.get_data() == kept  # rendered by Flask
    assert len(calls) == 2  # the failed check, then Flask's own


def test_a_write_from_another_process_shows_at_once(
    app: Flask, client: FlaskClient, database_url: str, tmp_path: Path
) -> None:
    people = make_people(app)
    login_as(app, client, people.official)
    client.get("/me/agenda")
    assert "Mobilidade Urbana Ltda" not in client.get("/me/agenda").get_data(as_text=True)
    worker = make_app(database_url, tmp_path / "worker")  # a worker's own app and engine
    try:
        add_meeting(worker, people)
    finally:
        with worker.app_context():
            db.engine.dispose()
    assert "Mobilidade Urbana Ltda" in client.get("/me/agenda").get_data(as_text=True)


def test_each_reader_gets_their_own_page_and_language(app: Flask, client: FlaskClient) -> None:
    people = make_people(app)
    login_as(app, client, people.official)
    official = client.get("/me/").get_data(as_text=True)
    english = client.get("/me/?lang=en").get_data(as_text=True)
    assert official != english and "Ana Alcaldesa" in official
    login_as(app, client, people.partner)  # the same browser, another account
    partner = client.get("/me/").get_data(as_text=True)
    assert "Ana Alcaldesa" not in partner
    other = app.test_client()
    login_as(app, other, people.official)  # the same account, another session
    page = other.get("/me/").get_data(as_text=True)
    token = 'name="csrf_token" value="'
    if token in page:  # forms carry this session's token, not the first one's
        assert page.split(token)[1][:20] != official.split(token)[1][:20]


def test_a_session_ended_elsewhere_gets_no_kept_page(app: Flask, client: FlaskClient) -> None:
    people = make_people(app)
    login_as(app, client, people.official)
    assert client.get("/me/agenda").status_code == 200
    with app.app_context():
        user = db.session.execute(
            db.select(User).where(User.participant_id == people.official)
        ).scalar_one()
        end_all_sessions(user)
        db.session.commit()
    assert client.get("/me/agenda").status_code == 302  # to the login page


def test_a_message_to_show_is_shown_once(app: Flask, client: FlaskClient) -> None:
    people = make_people(app)
    login_as(app, client, people.partner)
    assert "Perfil guardado" not in client.get("/me/profile").get_data(as_text=True)  # kept
    form = {"themes": ["urban-mobility"], "description": "Semáforos.", "languages": ["es"],
            "present": ["1"], "max_meetings": ""}  # fmt: skip
    assert post(client, "/me/profile", form, page="/me/profile").status_code == 302
    assert "Perfil guardado" in client.get("/me/profile").get_data(as_text=True)
    assert "Perfil guardado" not in client.get("/me/profile").get_data(as_text=True)


def test_only_writes_people_could_see_raise_the_revision(app: Flask) -> None:
    people = make_people(app)
    before = revision(app)
    with app.app_context():
        db.session.add(Job(kind="schedule", event_id=people.event))  # progress: nobody's page
        db.session.commit()
    assert revision(app) == before
    with app.app_context():
        db.session.get_one(Participant, people.partner).name = "Otro Nombre"
        db.session.rollback()  # nothing written, nothing raised
    assert revision(app) == before
    with app.app_context():
        db.session.execute(db.update(Participant).values(country="CL"))  # a statement too
        db.session.commit()
    assert revision(app) == (before or 0) + 1


def test_the_revision_is_the_last_thing_a_transaction_writes(app: Flask) -> None:
    people = make_people(app)
    with counted_statements(app) as statements, app.app_context():
        db.session.get_one(Participant, people.partner).name = "Nuevo Nombre"  # flushed at commit
        db.session.commit()
    # Taken last, its row lock never waits while holding another: no deadlock between writers.
    assert "data_revision" in statements[-1] and "UPDATE participant" in statements[-2]


def test_a_kept_page_is_rendered_again_after_its_time(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    people = make_people(app)
    login_as(app, client, people.official)
    client.get("/me/agenda")
    client.get("/me/agenda")
    monkeypatch.setattr("matchmaker.page_cache.MAX_AGE", -1)
    with counted_statements(app) as statements:
        client.get("/me/agenda")
    assert len(statements) > 2
