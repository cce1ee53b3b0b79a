"""Logging in and out: hashed passwords, CSRF, rate limiting, safe redirects."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from matchmaker.extensions import db
from matchmaker.services.accounts import create_user
from tests.conftest import clear_database, make_app
from tests.web.helpers import csrf_token, login


def make_organiser(app: Flask) -> None:
    with app.app_context():
        create_user("org@example.org", "right-password", "organiser")
        db.session.commit()


def test_login_page_speaks_spanish_by_default(client: FlaskClient) -> None:
    page = client.get("/login").get_data(as_text=True)
    assert "Correo electrónico" in page and "Contraseña" in page
    assert '<html lang="es">' in page


def test_login_logout_and_wrong_password(app: Flask, client: FlaskClient) -> None:
    make_organiser(app)
    wrong = login(client, "org@example.org", "wrong-password")
    assert wrong.status_code == 200
    assert "Correo o contraseña incorrectos" in wrong.get_data(as_text=True)
    ok = login(client, "ORG@example.org", "right-password")
    assert ok.status_code == 302 and ok.headers["Location"] == "/"
    assert "org@example.org" in client.get("/").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert client.get("/account/password").status_code == 302


def test_post_without_csrf_token_is_refused(app: Flask, client: FlaskClient) -> None:
    make_organiser(app)
    response = client.post(
        "/login", data={"email": "org@example.org", "password": "right-password"}
    )
    assert response.status_code == 400


def test_next_parameter_cannot_leave_the_site(app: Flask, client: FlaskClient) -> None:
    make_organiser(app)
    token = csrf_token(client, "/login")
    data = {"email": "org@example.org", "password": "right-password", "csrf_token": token}
    response = client.post("/login?next=//evil.example.com/", data=data)
    assert response.headers["Location"] == "/"


def test_login_attempts_are_rate_limited(database_url: str, tmp_path) -> None:
    """Five failures lock the account (more in tests/web/test_throttling.py)."""
    app = make_app(database_url, tmp_path / "limited", RATELIMIT_ENABLED=True)
    client = app.test_client()
    statuses = [login(client, "x@example.org", "nope").status_code for _ in range(6)]
    clear_database(app)
    assert statuses == [200] * 5 + [429]


def test_change_password(app: Flask, client: FlaskClient) -> None:
    make_organiser(app)
    login(client, "org@example.org", "right-password")
    token = csrf_token(client, "/account/password")
    data = {"current": "right-password", "new": "new-password-1", "confirm": "new-password-1",
            "csrf_token": token}  # fmt: skip
    assert client.post("/account/password", data=data).status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert login(client, "org@example.org", "new-password-1").status_code == 302
