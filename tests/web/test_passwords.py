"""Weak passwords are refused (issue 9, item 12) wherever a password is set: the invitation
link, the change-password page and `matchmaker create-user`, with the reason next to the field
in the reader's language."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient

from matchmaker.extensions import db
from matchmaker.services import invitations
from matchmaker.services.accounts import create_user
from tests.factories import create_event, create_participant
from tests.web.helpers import csrf_token, login

NAME = "Lucía Benítez Arriaga"
EMAIL = "alcaldia@puebla.example.org"
STRONG = "tranvía-nublado-cosecha-41"

REASONS = {
    "es": {
        "short": "Usa al menos 8 caracteres.",
        "common": "Es una de las contraseñas más usadas",
        "personal": "Se basa en tu nombre, tu correo o tu organización",
        "predictable": "Es demasiado predecible",
    },
    "en": {
        "short": "Use at least 8 characters.",
        "common": "It is one of the most used passwords",
        "personal": "It is based on your name, your email or your organisation",
        "predictable": "It is too predictable",
    },
}
WEAK = [
    ("corta", "short"),
    ("12345678", "common"),
    ("password", "common"),
    ("contraseña", "common"),
    ("qwertyuiop", "common"),
    (EMAIL, "personal"),
    ("lucia-benitez", "personal"),
    ("Alcaldia2026!", "personal"),
    ("abcdefgh1234", "predictable"),
    ("aaaaaaaaaaaa", "predictable"),
]


@dataclass
class Invited:
    link: str


@pytest.fixture
def invited(app: Flask) -> Invited:
    """An official with an account waiting for its first password, and their link."""
    with app.app_context():
        event = create_event()
        person = create_participant(
            event, "government", name=NAME, email=EMAIL, organisation="Ayuntamiento de Puebla"
        )
        [user] = invitations.invite_participants(event, invitations.SELECTED, [person.id]).created
        db.session.commit()
        return Invited(f"/invite/{invitations.invitation_token(user, app.config['SECRET_KEY'])}")


def field_error(page: str, field: str) -> str:
    """The error shown next to a field ('' when none)."""
    match = re.search(rf'<p class="error" id="{field}-error">(.*?)</p>', page, re.S)
    return html.unescape(match.group(1)) if match else ""


def choose(client: FlaskClient, link: str, password: str, lang: str = "es"):  # type: ignore[no-untyped-def]
    data = {"new": password, "confirm": password, "csrf_token": csrf_token(client, link)}
    return client.post(f"{link}?lang={lang}", data=data)


@pytest.mark.parametrize("lang", ["es", "en"])
def test_an_invitation_refuses_weak_passwords_with_the_reason(
    client: FlaskClient, invited: Invited, lang: str
) -> None:
    for password, reason in WEAK:
        response = choose(client, invited.link, password, lang)
        assert response.status_code == 200, password
        error = field_error(response.get_data(as_text=True), "new")
        assert REASONS[lang][reason] in error, (password, error)
        assert "common password" not in error and "Add another word" not in error  # zxcvbn's
    done = choose(client, invited.link, STRONG, lang)
    assert done.status_code == 302 and done.headers["Location"] == "/me/"


def test_changing_the_password_refuses_weak_ones(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        create_user("org@example.org", "right-password", "organiser")
        db.session.commit()
    assert login(client, "org@example.org", "right-password").status_code == 302

    def change(new: str):  # type: ignore[no-untyped-def]
        token = csrf_token(client, "/account/password")
        data = {"current": "right-password", "new": new, "confirm": new, "csrf_token": token}
        return client.post("/account/password", data=data)

    for password, reason in [("password1", "common"), ("org@example.org", "personal")]:
        response = change(password)
        assert response.status_code == 200
        error = field_error(response.get_data(as_text=True), "new")
        assert REASONS["es"][reason] in error, (password, error)
    assert change(STRONG).status_code == 302


def test_create_user_refuses_a_weak_password(invoke, app_ctx: object) -> None:
    weak = invoke("create-user", "--role", "organiser", "org@example.org",
                  env={"MATCHMAKER_PASSWORD": "12345678"})  # fmt: skip
    assert weak.exit_code == 1 and "too common" in weak.output
    own = invoke("create-user", "--role", "organiser", "mario.lopez@example.org",
                 env={"MATCHMAKER_PASSWORD": "mario.lopez2026"})  # fmt: skip
    assert own.exit_code == 1 and "name, email or organisation" in own.output
    strong = invoke("create-user", "--role", "organiser", "org@example.org",
                    env={"MATCHMAKER_PASSWORD": STRONG})  # fmt: skip
    assert strong.exit_code == 0, strong.output
