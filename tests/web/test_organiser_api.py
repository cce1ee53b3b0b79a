"""The organisers' API page: tokens made (their secret shown once), listed and revoked."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from matchmaker.extensions import db
from matchmaker.models import ApiToken, User
from tests.factories import create_event
from tests.web.helpers import csrf_token, login
from tests.web.organiser_world import (
    ORGANISER,
    PASSWORD,
    Seed,
    audit_actions,
    login_organiser,
    post,
    seed,
)

PAGE = "/organiser/api"
SECRET = re.compile(r'value="(mm_[A-Za-z0-9_-]{40,})"')


def create(client: FlaskClient, name: str, account: str = "") -> str:
    """Make a token through the form; its secret, read from the page that shows it."""
    response = post(client, PAGE, {"name": name, "account": account}, token_from=PAGE)
    assert response.status_code == 200
    found = SECRET.search(response.get_data(as_text=True))
    assert found, "the new token's secret is not on the page"
    return found.group(1)


def events(client: FlaskClient, secret: str) -> tuple[int, list[int]]:
    response = client.get("/api/v1/events", headers={"Authorization": f"Bearer {secret}"})
    items = response.get_json().get("items", []) if response.status_code == 200 else []
    return response.status_code, [item["id"] for item in items]


def row_of(page: str, name: str) -> str:
    """The table row of the token with this name."""
    return page.split(f"<td>{name}</td>", 1)[1].split("</tr>", 1)[0]


def revoke_path(app: Flask, name: str) -> str:
    with app.app_context():
        token = db.session.execute(db.select(ApiToken).where(ApiToken.name == name)).scalar_one()
        return f"/organiser/api/tokens/{token.id}/revoke"


def test_only_organisers_reach_the_page(app: Flask, client: FlaskClient) -> None:
    seed(app)
    for method in ("GET", "POST"):
        response = client.open(PAGE, method=method)
        assert response.status_code in (302, 400)  # CSRF refuses the anonymous POST first
    assert client.get(PAGE).headers["Location"].startswith("/login")
    assert login(client, "official@example.org", PASSWORD).status_code == 302
    assert client.get(PAGE).status_code == 403
    assert post(client, PAGE, {"name": "mine"}, token_from="/account/password").status_code == 403
    assert client.get("/organiser/api/tokens/1/revoke").status_code == 403
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(ApiToken.id))).scalar_one() == 0


def test_the_secret_is_shown_once_and_opens_the_api(app: Flask, client: FlaskClient) -> None:
    data = seed(app)
    login_organiser(client)
    page = client.get(PAGE).get_data(as_text=True)
    assert "Todavía no hay claves." in page
    assert 'href="/api/v1/docs"' in page and 'href="/organiser/api/webhooks"' in page

    response = post(client, PAGE, {"name": "Sistema de registro"}, token_from=PAGE)
    shown = response.get_data(as_text=True)
    secret = SECRET.search(shown).group(1)  # type: ignore[union-attr]
    assert "única vez" in shown and ORGANISER in shown
    assert events(client, secret) == (200, [data.event_id])

    listed = client.get(PAGE).get_data(as_text=True)
    assert secret not in listed and secret[:20] not in listed
    assert f"<code>{secret[:9]}…</code>" in listed
    row = row_of(listed, "Sistema de registro")
    assert ORGANISER in row and "Organización" in row and "nunca" not in row
    with app.app_context():
        token = db.session.execute(db.select(ApiToken)).scalar_one()
        assert token.secret_hash != secret and secret not in token.secret_hash
        assert token.last_used_at is not None  # the call above was noted
    assert audit_actions(app)[-1] == "api_token.created"
    history = client.get("/organiser/audit").get_data(as_text=True)
    assert f"Creó la clave de API «Sistema de registro» para {ORGANISER}." in history


def test_a_new_token_was_never_used(app: Flask, client: FlaskClient) -> None:
    seed(app)
    login_organiser(client)
    create(client, "Sin usar")
    row = row_of(client.get(PAGE).get_data(as_text=True), "Sin usar")
    assert "nunca" in row and "Revocar" in row


def test_a_token_for_another_account_acts_as_that_account(app: Flask, client: FlaskClient) -> None:
    data: Seed = seed(app)
    with app.app_context():
        other = create_event(name="Otro congreso").id
        db.session.commit()
    login_organiser(client)
    secret = create(client, "App del funcionario", account="OFFICIAL@example.org")
    assert events(client, secret) == (200, [data.event_id])  # their own event only
    own = create(client, "Mía")
    assert events(client, own) == (200, [data.event_id, other])
    with app.app_context():
        token = db.session.execute(
            db.select(ApiToken).where(ApiToken.name == "App del funcionario")
        ).scalar_one()
        assert token.user.email == "official@example.org"
    listed = client.get(PAGE).get_data(as_text=True)
    row = row_of(listed, "App del funcionario")
    assert "official@example.org" in row and "Funcionario/a" in row
    assert "Horas en UTC." in listed  # two events and none chosen: tokens belong to neither


def test_unknown_or_deactivated_accounts_are_form_errors(app: Flask, client: FlaskClient) -> None:
    seed(app)
    login_organiser(client)
    response = post(client, PAGE, {"name": "X", "account": "nadie@example.org"}, token_from=PAGE)
    assert response.status_code == 200
    assert "No hay ninguna cuenta con ese correo." in response.get_data(as_text=True)
    with app.app_context():
        user = db.session.execute(
            db.select(User).where(User.email == "official@example.org")
        ).scalar_one()
        user.active = False
        db.session.commit()
    response = post(client, PAGE, {"name": "X", "account": "official@example.org"},
                    token_from=PAGE)  # fmt: skip
    assert "Esa cuenta está desactivada" in response.get_data(as_text=True)
    response = post(client, PAGE, {"name": "  ", "account": ""}, token_from=PAGE)
    assert "Ponle un nombre." in response.get_data(as_text=True)
    response = post(client, PAGE, {"name": "a\u2028b"}, token_from=PAGE)
    assert "una sola línea" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(ApiToken.id))).scalar_one() == 0
    assert "api_token.created" not in audit_actions(app)


def test_revoking_asks_first_then_the_token_stops_working(app: Flask, client: FlaskClient) -> None:
    seed(app)
    login_organiser(client)
    secret = create(client, "CRM")
    path = revoke_path(app, "CRM")
    confirm = client.get(path).get_data(as_text=True)
    assert "¿Revocar la clave «CRM»?" in confirm and secret not in confirm
    assert events(client, secret)[0] == 200  # asking changed nothing

    response = post(client, path, token_from=path)
    assert response.status_code == 302 and response.headers["Location"].endswith(PAGE)
    assert events(client, secret)[0] == 401
    listed = client.get(PAGE).get_data(as_text=True)
    assert 'class="revoked"' in listed and "Revocada el" in listed
    assert path not in listed  # no revoke link for a revoked token
    assert audit_actions(app)[-1] == "api_token.revoked"
    history = client.get("/organiser/audit").get_data(as_text=True)
    assert f"Revocó la clave de API «CRM» de {ORGANISER}." in history

    again = client.get(path)
    assert again.status_code == 302
    assert "ya estaba revocada" in client.get(PAGE).get_data(as_text=True)
    assert audit_actions(app).count("api_token.revoked") == 1
    assert client.get("/organiser/api/tokens/999999/revoke").status_code == 404


def test_forms_without_a_csrf_token_change_nothing(app: Flask, client: FlaskClient) -> None:
    seed(app)
    login_organiser(client)
    secret = create(client, "Con CSRF")
    path = revoke_path(app, "Con CSRF")
    refused = client.post(PAGE, data={"name": "Sin CSRF"})
    assert refused.status_code == 400
    assert client.post(path, data={}).status_code == 400
    assert client.post(path, data={"csrf_token": "forged"}).status_code == 400
    assert events(client, secret)[0] == 200
    with app.app_context():
        names = db.session.execute(db.select(ApiToken.name)).scalars().all()
        assert names == ["Con CSRF"]
    assert "api_token.revoked" not in audit_actions(app)
    # The token from another page's form is the session's: it is what CSRF checks.
    assert post(client, path, token_from=PAGE).status_code == 302


def test_the_page_is_in_the_navigation(app: Flask, client: FlaskClient) -> None:
    seed(app)
    login_organiser(client)
    page = client.get("/organiser/").get_data(as_text=True)
    assert f'href="{PAGE}"' in page
    assert csrf_token(client, PAGE)
