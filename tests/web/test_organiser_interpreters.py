"""The interpreters page (list, add, edit, remove; bad input answered with 400 and a message on
the field, nothing saved) and the interpreter wherever a meeting is shown."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from matchmaker.extensions import db
from matchmaker.models import Event, Interpreter, Meeting
from matchmaker.services import interpreters, scheduling
from matchmaker.services.interpreters import InterpreterChanges
from tests.factories import create_event
from tests.web.helpers import login
from tests.web.organiser_world import PASSWORD, audit_actions, draft, login_organiser, post, seed

PAGE = "/organiser/interpreters"
#: The seed's event has one day of 12 slots.
VALID = {"name": "Ana Ruiz", "email": "ana@example.org", "languages": ["es", "en"],
         "other_languages": "", "present": [str(i) for i in range(12)]}  # fmt: skip


def saved(app: Flask) -> list[Interpreter]:
    with app.app_context():
        found = list(db.session.execute(db.select(Interpreter)).scalars())
        db.session.expunge_all()
        return found


def add(app: Flask, event_id: int, name: str, languages: tuple[str, ...]) -> int:
    """An interpreter present all day, added through the service."""
    with app.app_context():
        event = db.session.get_one(Event, event_id)
        added = interpreters.create_interpreter(
            event, InterpreterChanges(name, "", languages, range(12))
        )
        db.session.commit()
        return added.id


def test_organiser_adds_an_interpreter(app: Flask, client: FlaskClient) -> None:
    seed(app)
    login_organiser(client)
    page = client.get(PAGE).get_data(as_text=True)
    assert 'href="/organiser/interpreters"' in page and "Todavía no hay intérpretes." in page
    response = post(client, PAGE, {**VALID, "other_languages": "fr"}, PAGE)
    assert response.status_code == 302
    [ana] = saved(app)
    assert (ana.name, ana.email, ana.languages, ana.unavailable) == (
        "Ana Ruiz", "ana@example.org", ["es", "en", "fr"], [])  # fmt: skip
    listing = client.get(PAGE).get_data(as_text=True)
    assert "Intérprete añadido: Ana Ruiz." in listing
    assert "Español, Inglés, Francés" in listing and "12 de 12" in listing
    assert "interpreter.added" in audit_actions(app)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": "  "}, "Escribe el nombre del intérprete."),
        ({"languages": ["es"]}, "Elige al menos 2 idiomas"),
        ({"languages": ["es"], "other_languages": "xx, fr"}, "Código de idioma desconocido: xx."),
        ({"email": "no-es-un-correo"}, "no es válida"),
        ({"present": ["0", "99"]}, "Presencia"),
    ],
)
def test_bad_input_is_answered_with_400_and_nothing_is_saved(
    app: Flask, client: FlaskClient, change: dict[str, Any], message: str
) -> None:
    seed(app)
    login_organiser(client)
    response = post(client, PAGE, {**VALID, **change}, PAGE)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page and 'class="error"' in page
    assert saved(app) == []


def test_organiser_edits_and_removes_an_interpreter(app: Flask, client: FlaskClient) -> None:
    data = seed(app)
    ana = add(app, data.event_id, "Ana", ("es", "en", "de"))
    login_organiser(client)
    form = client.get(f"{PAGE}/{ana}").get_data(as_text=True)
    assert 'value="Ana"' in form and 'value="de"' in form
    assert 'value="3" id="present-3" checked' in form
    changed = {**VALID, "name": "Ana María", "present": ["0", "1"]}
    assert post(client, f"{PAGE}/{ana}", changed, f"{PAGE}/{ana}").status_code == 302
    [edited] = saved(app)
    assert (edited.name, edited.languages, edited.unavailable) == (
        "Ana María", ["es", "en"], list(range(2, 12)))  # fmt: skip
    refused = post(client, f"{PAGE}/{ana}", {**changed, "name": ""}, f"{PAGE}/{ana}")
    assert refused.status_code == 400 and saved(app)[0].name == "Ana María"
    assert post(client, f"{PAGE}/{ana}/delete", {}, PAGE).status_code == 302
    assert saved(app) == []
    # Removed meanwhile by someone else: a plain message, not an error page.
    again = post(client, f"{PAGE}/{ana}/delete", {}, PAGE)
    assert again.status_code == 302
    assert "ya no está en la lista" in client.get(PAGE).get_data(as_text=True)
    assert audit_actions(app)[-2:] == ["interpreter.changed", "interpreter.removed"]


def test_another_events_interpreter_is_not_found(app: Flask, client: FlaskClient) -> None:
    data = seed(app)
    with app.app_context():
        other = create_event(days=1)
        theirs = interpreters.create_interpreter(
            other, InterpreterChanges("Zoe", "", ("es", "en"), range(3))
        )
        db.session.commit()
        theirs_id = theirs.id
    login_organiser(client)
    assert client.get(f"{PAGE}?event={data.event_id}").status_code == 200  # the chosen event
    assert client.get(f"{PAGE}/{theirs_id}").status_code == 404
    post(client, f"{PAGE}/{theirs_id}/delete", {}, PAGE)
    assert [i.name for i in saved(app)] == ["Zoe"]


def test_meetings_show_their_interpreter_or_that_they_lack_one(
    app: Flask, client: FlaskClient
) -> None:
    data = seed(app)
    # Ana bridges Spanish and English; nobody speaks Portuguese, which official 2 needs.
    add(app, data.event_id, "Ana Intérprete", ("es", "en"))
    draft(app, data.event_id)
    with app.app_context():
        event = db.session.get_one(Event, data.event_id)
        meetings = scheduling.list_meetings(event, with_people=True)
        staffed = [m for m in meetings if m.interpreter is not None]
        lacking = interpreters.list_unstaffed_meetings(event)
        assert [m.government_id for m in staffed] == [data.governments[0]]
        assert lacking and {m.government_id for m in lacking} == {data.governments[1]}
        lacking_name = lacking[0].government.name
    login_organiser(client)
    grid = client.get("/organiser/schedule/grid").get_data(as_text=True)
    assert "Intérprete: Ana Intérprete" in grid
    assert "Necesita intérprete: ninguno asignado" in grid
    schedule = client.get("/organiser/schedule").get_data(as_text=True)
    assert 'id="unstaffed"' in schedule and lacking_name in schedule
    people = client.get(f"/organiser/schedule/people?participant={data.governments[0]}")
    assert "Intérprete: Ana Intérprete" in people.get_data(as_text=True)
    export = client.get("/organiser/exports/schedule.csv")
    rows = list(csv.reader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff"))))
    column = rows[0].index("Intérprete")
    assert {row[column] for row in rows[1:]} >= {"Ana Intérprete", "Ninguno asignado"}


def test_the_participant_agenda_names_the_interpreter(app: Flask, client: FlaskClient) -> None:
    data = seed(app)
    add(app, data.event_id, "Ana Intérprete", ("es", "en"))
    draft(app, data.event_id)
    with app.app_context():
        scheduling.publish_schedule(db.session.get_one(Event, data.event_id))
        db.session.commit()
        interpreted = db.session.execute(
            db.select(Meeting).where(Meeting.interpreter_id.is_not(None))
        ).scalar_one()
        assert interpreted.government_id == data.governments[0]
    assert login(client, "official@example.org", PASSWORD).status_code == 302
    for path in ("/me/agenda", "/me/agenda/print"):
        assert "Intérprete: Ana Intérprete" in client.get(path).get_data(as_text=True)
    ics = client.get("/me/agenda.ics").get_data(as_text=True).replace("\r\n ", "")
    assert "Intérprete / Interpreter: Ana Intérprete" in ics
