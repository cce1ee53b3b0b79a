"""The organisers' webhooks page: add (bad addresses refused with a message, nothing saved),
list, change, send a test, send a delivery again, remove; organisers only, CSRF on every form."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from matchmaker.extensions import db
from matchmaker.models import WebhookDelivery, WebhookEndpoint
from matchmaker.services import webhooks
from tests.web.helpers import login
from tests.web.organiser_world import PASSWORD, audit_actions, login_organiser, post, seed
from tests.web.task_recorder import Tasks

PAGE = "/organiser/api/webhooks"
PUBLIC = "https://93.184.216.34/hooks"
VALID = {"url": PUBLIC, "kinds": ["meeting.booked", "meeting.cancelled"],
         "description": "CRM de la organización"}  # fmt: skip


def endpoints(app: Flask) -> list[WebhookEndpoint]:
    with app.app_context():
        found = list(db.session.execute(db.select(WebhookEndpoint)).scalars())
        db.session.expunge_all()
        return found


def add(client: FlaskClient, **changes: object):  # type: ignore[no-untyped-def]
    return post(client, PAGE, VALID | changes, PAGE)


def test_an_organiser_adds_a_webhook_and_sees_its_secret(app: Flask, client: FlaskClient) -> None:
    seed(app)
    login_organiser(client)
    empty = client.get(PAGE).get_data(as_text=True)
    assert "Todavía no hay webhooks." in empty
    assert "Se cancela una reunión" in empty  # the kinds in plain words
    response = add(client)
    [endpoint] = endpoints(app)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{PAGE}/{endpoint.id}")
    assert (endpoint.url, endpoint.kinds) == (PUBLIC, ["meeting.booked", "meeting.cancelled"])
    detail = client.get(f"{PAGE}/{endpoint.id}").get_data(as_text=True)
    assert "Webhook añadido." in detail and endpoint.secret in detail
    assert "Matchmaker-Signature" in detail
    listing = client.get(PAGE).get_data(as_text=True)
    assert PUBLIC in listing and "CRM de la organización" in listing
    assert "0 entregados" in listing and endpoint.secret not in listing
    assert "webhook.added" in audit_actions(app)
    history = client.get("/organiser/audit").get_data(as_text=True)
    assert f"Añadió el webhook {PUBLIC}." in history


def test_bad_addresses_and_choices_are_refused_on_their_field(
    app: Flask, client: FlaskClient
) -> None:
    seed(app)
    login_organiser(client)
    cases = [
        ({"url": "http://127.0.0.1:8000/hooks"}, "local o de una red privada"),
        ({"url": "http://169.254.169.254/"}, "local o de una red privada"),
        ({"url": "http://localhost/hooks"}, "local o de una red privada"),
        ({"url": "ftp://93.184.216.34/x"}, "debe empezar con https://"),
        ({"url": ""}, "Escribe una dirección web completa"),
        ({"kinds": []}, "Elige al menos un tipo de aviso."),
    ]
    for change, message in cases:
        response = add(client, **change)
        page = response.get_data(as_text=True)
        assert response.status_code == 400, change
        assert message in page and "invalid" in page, change
    assert endpoints(app) == []


def test_changing_deactivating_and_removing_a_webhook(app: Flask, client: FlaskClient,
                                                      tasks: Tasks) -> None:  # fmt: skip
    seed(app)
    login_organiser(client)
    add(client)
    [endpoint] = endpoints(app)
    detail = f"{PAGE}/{endpoint.id}"
    response = post(client, detail, {"kinds": ["schedule.published"], "description": "App"},
                    detail)  # fmt: skip
    assert response.status_code == 302
    [changed] = endpoints(app)
    assert (changed.kinds, changed.description, changed.active) == (
        ["schedule.published"], "App", False)  # an unticked box: deactivated  # fmt: skip
    page = client.get(detail).get_data(as_text=True)
    assert "Webhook guardado." in page
    refused = post(client, f"{detail}/ping", {}, detail)
    assert refused.status_code == 302
    assert "está desactivado" in client.get(detail).get_data(as_text=True)
    assert tasks.sent == []
    assert post(client, detail, {"kinds": [], "active": "y"}, detail).status_code == 400
    removed = post(client, f"{detail}/delete", {}, detail)
    assert removed.status_code == 302 and removed.headers["Location"].endswith(PAGE)
    assert endpoints(app) == []
    assert audit_actions(app)[-3:] == ["webhook.added", "webhook.changed", "webhook.removed"]
    assert client.get(detail).status_code == 404


def test_a_test_ping_and_a_resend_are_queued_and_listed(app: Flask, client: FlaskClient,
                                                        tasks: Tasks) -> None:  # fmt: skip
    seed(app)
    login_organiser(client)
    add(client)
    [endpoint] = endpoints(app)
    detail = f"{PAGE}/{endpoint.id}"
    assert "Todavía no se ha enviado nada" in client.get(detail).get_data(as_text=True)
    assert post(client, f"{detail}/ping", {}, detail).status_code == 302
    assert tasks["deliver_webhooks"].calls == [(endpoint.id,)]
    with app.app_context():
        [ping] = db.session.execute(db.select(WebhookDelivery)).scalars().all()
        ping.state, ping.attempts, ping.last_status, ping.last_response_ms = "failed", 8, 500, 42
        ping.next_attempt_at, ping.last_error = None, "HTTP 500: boom"
        db.session.commit()
        ping_id = ping.id
    page = client.get(detail).get_data(as_text=True)
    assert "Prueba" in page and "Fallido" in page and "8 intentos" in page
    assert "42 ms" in page and "HTTP 500: boom" in page
    resend = re.search(rf'action="({detail}/deliveries/{ping_id}/resend)"', page)
    assert resend, "no Reenviar button"
    assert post(client, resend.group(1), {}, detail).status_code == 302
    assert tasks["deliver_webhooks"].calls == [(endpoint.id,), (endpoint.id,)]
    with app.app_context():
        again = db.session.get_one(WebhookDelivery, ping_id)
        assert (again.state, again.attempts) == ("pending", 8)
    other = f"{PAGE}/{endpoint.id}/deliveries/999999/resend"
    assert post(client, other, {}, detail).status_code == 404


def test_counts_speak_in_plurals(app: Flask, client: FlaskClient, tasks: Tasks) -> None:
    data = seed(app)
    login_organiser(client)
    add(client)
    [endpoint] = endpoints(app)
    with app.app_context():
        for _ in range(3):
            webhooks.notify(data.event_id, "meeting.booked", {"id": 1})
        first = db.session.execute(db.select(WebhookDelivery)).scalars().first()
        first.state = "delivered"
        db.session.commit()
    listing = client.get(PAGE).get_data(as_text=True)
    assert "1 entregado<" in listing and "2 pendientes" in listing
    assert endpoint.url in listing


def test_only_organisers_and_only_with_a_csrf_token(app: Flask, client: FlaskClient) -> None:
    seed(app)
    assert client.get(PAGE).headers["Location"].startswith("/login")
    assert login(client, "official@example.org", PASSWORD).status_code == 302
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, data=VALID).status_code in (400, 403)
    client.post("/logout", data={})
    other = app.test_client()
    login_organiser(other)
    assert other.post(PAGE, data=VALID).status_code == 400  # no token
    add(other)
    [endpoint] = endpoints(app)
    for action in ("ping", "delete"):
        assert other.post(f"{PAGE}/{endpoint.id}/{action}").status_code == 400
    assert len(endpoints(app)) == 1
