"""The organisers' area: access, overview, event settings and the participants file."""

from __future__ import annotations

import re
from io import BytesIO
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from matchmaker.extensions import db
from matchmaker.models import Event, Participant
from matchmaker.services.accounts import create_user
from tests.web.helpers import csrf_token, login
from tests.web.organiser_world import (
    HEADER,
    ORGANISER,
    PASSWORD,
    SETTINGS,
    audit_actions,
    login_organiser,
    post,
    seed,
)
from tests.web.task_recorder import Tasks

# Every route of the area, with its method; ids are filled in from the seed.
ROUTES = [
    ("GET", "/organiser/"),
    ("GET", "/organiser/event"),
    ("POST", "/organiser/event"),
    ("GET", "/organiser/participants/upload"),
    ("POST", "/organiser/participants/upload"),
    ("GET", "/organiser/accounts"),
    ("POST", "/organiser/accounts/invite"),
    ("POST", "/organiser/accounts/organisers"),
    ("POST", "/organiser/accounts/1/active"),
    ("GET", "/organiser/matches"),
    ("POST", "/organiser/matches/{suggestion}/decide"),
    ("POST", "/organiser/matches/decide"),
    ("POST", "/organiser/matches/approve-above"),
    ("POST", "/organiser/matches/recompute"),
    ("GET", "/organiser/matches/add"),
    ("POST", "/organiser/matches/add"),
    ("GET", "/organiser/matches/block"),
    ("POST", "/organiser/matches/block"),
    ("POST", "/organiser/blocks/1/delete"),
    ("GET", "/organiser/audit"),
    ("GET", "/organiser/schedule"),
    ("POST", "/organiser/schedule/start"),
    ("POST", "/organiser/schedule/publish"),
    ("GET", "/organiser/jobs/1"),
    ("GET", "/organiser/jobs/1.json"),
    ("GET", "/organiser/schedule/grid"),
    ("GET", "/organiser/schedule/people"),
    ("POST", "/organiser/meetings/1/cancel"),
    ("POST", "/organiser/meetings/1/move"),
    ("GET", "/organiser/dashboard"),
    ("GET", "/organiser/exports"),
    ("GET", "/organiser/exports/schedule.csv"),
    ("GET", "/organiser/exports/transparency.csv"),
    ("POST", "/organiser/exports/agendas"),
    ("GET", "/organiser/jobs/1/file"),
    ("POST", "/organiser/schedule/invitations/retry"),
    ("POST", "/organiser/jobs/1/retry"),
    ("GET", "/organiser/exports/participants-import.csv"),
    ("GET", "/organiser/exports/participants.csv"),
    ("GET", "/organiser/interpreters"),
    ("POST", "/organiser/interpreters"),
    ("GET", "/organiser/interpreters/{id}"),
    ("POST", "/organiser/interpreters/{id}"),
    ("POST", "/organiser/interpreters/{id}/delete"),
    ("GET", "/organiser/live"),
    ("GET", "/organiser/live.json"),
    ("GET", "/organiser/live/scan"),
    ("POST", "/organiser/live/scan"),
    ("GET", "/organiser/live/check-in/{token}"),
    ("POST", "/organiser/live/check-in/{token}"),
    ("POST", "/organiser/meetings/{id}/check-in"),
    ("GET", "/organiser/participants"),
    ("GET", "/organiser/participants/new"),
    ("POST", "/organiser/participants/new"),
    ("GET", "/organiser/participants/search"),
    ("GET", "/organiser/participants/template.csv"),
    ("GET", "/organiser/participants/{id}"),
    ("POST", "/organiser/participants/{id}"),
    ("GET", "/organiser/participants/{id}/remove"),
    ("POST", "/organiser/participants/{id}/remove"),
    ("GET", "/organiser/reported-threads"),
    ("GET", "/organiser/reported-threads/{id}/{id}"),
    ("GET", "/organiser/api/webhooks"),
    ("POST", "/organiser/api/webhooks"),
    ("GET", "/organiser/api/webhooks/{id}"),
    ("POST", "/organiser/api/webhooks/{id}"),
    ("POST", "/organiser/api/webhooks/{id}/delete"),
    ("POST", "/organiser/api/webhooks/{id}/ping"),
    ("POST", "/organiser/api/webhooks/{id}/deliveries/{id}/resend"),
    ("GET", "/organiser/api"),
    ("POST", "/organiser/api"),
    ("GET", "/organiser/api/tokens/{id}/revoke"),
    ("POST", "/organiser/api/tokens/{id}/revoke"),
]
PAGES = [path for method, path in ROUTES if method == "GET" and "{" not in path
         and not path.endswith((".json", ".csv", ".pdf")) and "/jobs/" not in path]  # fmt: skip


def test_every_route_is_listed(app: Flask) -> None:
    rules = {
        (method, re.sub(r"<(?:int:)?\w+>", "{}", rule.rule))
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("organiser.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    listed = {(m, re.sub(r"\{\w+\}|(?<=/)1(?=/|$|\.)", "{}", p)) for m, p in ROUTES}
    assert rules == listed


def url_of(path: str, suggestion: int) -> str:
    """A listed route with its placeholders filled: the seed's suggestion, else id 1."""
    return path.format(suggestion=suggestion, id=1, token="not-a-code")


def test_anonymous_and_participants_are_kept_out(app: Flask, client: FlaskClient) -> None:
    data = seed(app)
    app.config["WTF_CSRF_ENABLED"] = False  # so that refusals come from the role check
    for method, path in ROUTES:
        url = url_of(path, data.suggestions[0])
        response = client.open(url, method=method)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url
    assert login(client, "official@example.org", PASSWORD).status_code == 302
    for method, path in ROUTES:
        url = url_of(path, data.suggestions[0])
        assert client.open(url, method=method).status_code == 403, (method, url)


def test_every_page_renders_for_an_organiser(app: Flask, client: FlaskClient) -> None:
    seed(app)
    login_organiser(client)
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 200, path
        assert "Organización" in response.get_data(as_text=True) or path, path


def test_overview_without_event_offers_settings(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        create_user(ORGANISER, PASSWORD, "organiser")
        db.session.commit()
    login_organiser(client)
    page = client.get("/organiser/").get_data(as_text=True)
    assert "Configurar el evento" in page
    response = client.get("/organiser/matches")
    assert response.status_code == 302 and response.headers["Location"].endswith("/organiser/")


def test_settings_are_saved_and_slots_counted(app: Flask, client: FlaskClient) -> None:
    data = seed(app)
    login_organiser(client)
    response = post(client, "/organiser/event", SETTINGS, token_from="/organiser/event")
    assert response.status_code == 302
    page = client.get("/organiser/event").get_data(as_text=True)
    assert "22 turnos de reunión" in page  # 2 days x (12 slots - 1 taken by the break)
    with app.app_context():
        event = db.session.get_one(Event, data.event_id)
        assert event.breaks == [{"start": "11:00", "end": "11:20", "label": "Café"}]
        assert (event.num_tables, event.default_max_meetings) == (15, 6)
        assert event.request_expiry_hours == 48 and event.calendar().num_slots == 22
    assert "event.settings" in audit_actions(app)
    preview = post(client, "/organiser/event", {**SETTINGS, "slot_minutes": "30", "save": "",
                                                "preview": "1"}, "/organiser/event")  # fmt: skip
    assert "habría 14 turnos" in preview.get_data(as_text=True)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"time_zone": "Mars/Olympus"}, "Zona horaria desconocida"),
        ({"days": "2032-13-01"}, "no es una fecha"),
        ({"day_end": "08:00"}, "debe terminar después de empezar"),
        ({"breaks": "coffee"}, "HH:MM-HH:MM"),
        ({"slot_minutes": "0"}, "Debe estar entre 5 y 240"),
        ({"slot_minutes": "240"}, "no cabe ningún turno"),
    ],
)
def test_settings_validation_shows_errors_next_to_fields(
    app: Flask, client: FlaskClient, change: dict[str, str], message: str
) -> None:
    data = seed(app)
    login_organiser(client)
    response = post(client, "/organiser/event", SETTINGS | change, "/organiser/event")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page and 'aria-invalid="true"' in page
    with app.app_context():
        assert db.session.get_one(Event, data.event_id).num_tables == 2  # nothing saved


def test_settings_refuse_to_drop_booked_slots(app: Flask, client: FlaskClient) -> None:
    data = seed(app)
    with app.app_context():
        from matchmaker.models import Meeting

        db.session.add(
            Meeting(
                event_id=data.event_id,
                government_id=data.governments[0],
                partner_id=data.partners[0],
                slot_index=11,
                table_number=0,
            )
        )
        db.session.commit()  # fmt: skip
    login_organiser(client)
    response = post(client, "/organiser/event", SETTINGS | {"days": "2032-03-10",
                    "day_end": "11:00", "breaks": ""}, "/organiser/event")  # fmt: skip
    assert "hay reuniones o ausencias en el turno 12" in response.get_data(as_text=True)


def test_first_settings_create_the_event(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        create_user(ORGANISER, PASSWORD, "organiser")
        db.session.commit()
    login_organiser(client)
    assert client.get("/organiser/event").status_code == 200
    response = post(client, "/organiser/event", SETTINGS, "/organiser/event")
    assert response.status_code == 302
    with app.app_context():
        events = db.session.execute(db.select(Event)).scalars().all()
        assert [e.name for e in events] == ["Smart City Expo Latam"]
        assert events[0].calendar().num_slots == 22


GOOD = HEADER + (
    "g-100,government,Ana Pérez,Ayuntamiento de Cholula,municipality,Directora,ana@example.org,MX,Cholula,es,urban-mobility,Movilidad segura\n"
    "p-100,partner,Bo Li,Transit Co,company,CEO,bo@example.org,MX,Puebla,en;es,urban-mobility,Bus rápido\n"
)
BAD = HEADER + (
    "g-100,government,Ana Pérez,Ayuntamiento de Cholula,municipality,Directora,ana@example.org,MX,Cholula,es,smart-parking,Movilidad\n"
    "p-100,partner,Bo Li,Transit Co,company,CEO,not-an-email,MX,Puebla,en,urban-mobility,Bus rápido\n"
)


def upload(client: FlaskClient, content: str) -> Any:
    token = csrf_token(client, "/organiser/participants/upload")
    return client.post(
        "/organiser/participants/upload",
        data={"csrf_token": token, "file": (BytesIO(content.encode()), "people.csv")},
        content_type="multipart/form-data",
    )


def test_upload_good_file_imports_and_enqueues(
    app: Flask, client: FlaskClient, tasks: Tasks
) -> None:
    data = seed(app)
    login_organiser(client)
    response = upload(client, GOOD)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Importados 1 funcionario/a y 1 socio (2 nuevos" in page  # singular for one
    assert tasks["recompute_event_stats"].calls == [(data.event_id,)]
    assert tasks["recompute_suggestions"].calls == [(data.event_id,)]
    assert tasks["recompute_suggestions"].committed == [True]  # the request was visible to it
    with app.app_context():
        assert db.session.get_one(Event, data.event_id).suggestions_requested_at is not None
        ids = set(db.session.execute(db.select(Participant.external_id)).scalars())
        assert {"g-100", "p-100"} <= ids
    assert "participants.imported" in audit_actions(app)


def test_upload_bad_file_shows_every_row_error_and_writes_nothing(
    app: Flask, client: FlaskClient, tasks: Tasks
) -> None:
    seed(app)
    login_organiser(client)
    response = upload(client, BAD)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "no se ha guardado nada" in page
    assert "<td>2</td><td>themes</td>" in page and "smart-parking" in page
    assert "<td>3</td><td>email</td>" in page
    assert tasks["recompute_suggestions"].calls == []
    with app.app_context():
        ids = set(db.session.execute(db.select(Participant.external_id)).scalars())
        assert "g-100" not in ids and "p-100" not in ids


def test_upload_without_file_is_an_error_next_to_the_field(app: Flask, client: FlaskClient) -> None:
    seed(app)
    login_organiser(client)
    response = post(client, "/organiser/participants/upload", {}, "/organiser/participants/upload")
    assert "Elige un archivo." in response.get_data(as_text=True)
