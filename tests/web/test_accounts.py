"""Accounts for imported participants and invitation links: create, hand out, use, void."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer

from matchmaker.extensions import db
from matchmaker.models import AuditEntry, Participant, User
from matchmaker.services import invitations
from matchmaker.services.accounts import create_user
from tests.web.helpers import csrf_token, login
from tests.web.organiser_world import ORGANISER, PASSWORD, login_organiser, post, seed
from tests.web.task_recorder import Tasks

LINK = re.compile(
    r'<small>([^<]+)</small></td>\s*<td><input [^>]*value="http://localhost(/invite/[^"]+)"'
)


def links_on(page: str) -> dict[str, str]:
    """The links page: email -> invitation path."""
    return dict(LINK.findall(page))


def invite(client: FlaskClient, scope: str, ids: list[int] | None = None) -> dict[str, str]:
    """Ask for invitations (no SMTP configured: the page shows the links)."""
    response = post(client, "/organiser/accounts/invite", {"scope": scope, "ids": ids or []})
    assert response.status_code == 200, response.headers.get("Location")
    return links_on(response.get_data(as_text=True))


def users_by_participant(app: Flask) -> dict[int, User]:
    with app.app_context():
        users = db.session.execute(db.select(User).where(User.participant_id.is_not(None)))
        return {user.participant_id: user for user in users.scalars()}


def choose_password(client: FlaskClient, path: str, password: str, confirm: str | None = None):  # type: ignore[no-untyped-def]
    data = {"new": password, "confirm": confirm or password, "csrf_token": csrf_token(client, path)}
    return client.post(path, data=data)


def test_inviting_everyone_without_an_account_creates_accounts_and_shows_links(
    app: Flask, client: FlaskClient
) -> None:
    data = seed(app)  # official 0 already has an account
    login_organiser(client)
    links = invite(client, "missing")
    assert len(links) == 4
    users = users_by_participant(app)
    assert set(users) == {*data.governments, *data.partners}
    assert users[data.governments[1]].role == "official"
    assert {users[p].role for p in data.partners} == {"partner"}
    page = client.get("/organiser/accounts").get_data(as_text=True)
    assert "Invitada, aún no ha entrado" in page and "Sin cuenta" in page
    with app.app_context():
        one = db.session.get_one(Participant, data.partners[1])
        name, email = one.name, one.email
    found = client.get("/organiser/accounts", query_string={"q": email.upper()})
    assert found.get_data(as_text=True).count('name="ids"') == 1 and name in found.get_data(True)
    # Nobody is left without an account: a second run invites nobody.
    response = post(client, "/organiser/accounts/invite", {"scope": "missing"})
    assert response.status_code == 302
    with app.app_context():
        entry = db.session.execute(
            db.select(AuditEntry).where(AuditEntry.action == "accounts.invited")
        ).scalar_one()
        assert entry.details["created"] == 4 and entry.actor.email == ORGANISER


def test_an_invitation_link_sets_the_password_logs_in_and_then_expires(
    app: Flask, client: FlaskClient
) -> None:
    data = seed(app)
    login_organiser(client)
    [link] = invite(client, "selected", [data.partners[0]]).values()
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    with app.app_context():
        email = db.session.get_one(Participant, data.partners[0]).email
    assert login(client, email, "").status_code == 200  # no password opens it before the link
    page = client.get(link).get_data(as_text=True)
    assert "Elige tu contraseña" in page
    mismatch = choose_password(client, link, "partner-pass-1", "partner-pass-2")
    assert mismatch.status_code == 200
    assert "Las contraseñas no coinciden" in mismatch.get_data(as_text=True)
    short = choose_password(client, link, "short")
    assert short.status_code == 200 and "aria-invalid" in short.get_data(as_text=True)
    done = choose_password(client, link, "partner-pass-1")
    assert done.status_code == 302 and done.headers["Location"] == "/me/"
    assert "tu contraseña está guardada" in client.get("/me/").get_data(as_text=True)
    assert "Ir a mi espacio" in client.get("/").get_data(as_text=True)
    # The link is spent; the password is the one chosen.
    assert client.get(link).status_code == 404
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert login(client, email, "partner-pass-1").status_code == 302
    page = client.get("/organiser/accounts")
    assert page.status_code == 403


def test_a_new_invitation_voids_the_earlier_link(app: Flask, client: FlaskClient) -> None:
    data = seed(app)
    login_organiser(client)
    [(email, first)] = invite(client, "selected", [data.partners[1]]).items()
    # Everyone who has not joined: the partner and the official made by create-user.
    again = invite(client, "pending")
    assert set(again) == {email, "official@example.org"}
    second = again[email]
    assert second != first
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200


def test_a_participant_whose_email_has_an_account_is_reported_not_linked(
    app: Flask, client: FlaskClient
) -> None:
    data = seed(app)
    with app.app_context():
        partner = db.session.get_one(Participant, data.partners[2])
        create_user(partner.email, "someone-else-1", "organiser")
        db.session.commit()
    login_organiser(client)
    chosen = {"scope": "selected", "ids": [data.partners[2], data.partners[0]]}
    page = post(client, "/organiser/accounts/invite", chosen).get_data(as_text=True)
    assert len(links_on(page)) == 1
    assert "su correo ya lo usa otra cuenta" in page
    assert data.partners[2] not in users_by_participant(app)


def test_a_deactivated_account_cannot_log_in_nor_use_its_link(
    app: Flask, client: FlaskClient
) -> None:
    data = seed(app)
    login_organiser(client)
    [link] = invite(client, "selected", [data.governments[1]]).values()
    user = users_by_participant(app)[data.governments[1]]
    assert post(client, f"/organiser/accounts/{user.id}/active", {"active": "0"}).status_code == 302
    official = users_by_participant(app)[data.governments[0]]
    post(client, f"/organiser/accounts/{official.id}/active", {"active": "0"})
    with app.app_context():
        me = db.session.execute(db.select(User).where(User.email == ORGANISER)).scalar_one()
    post(client, f"/organiser/accounts/{me.id}/active", {"active": "0"})
    assert "No puedes desactivar tu propia cuenta" in client.get("/organiser/").get_data(True)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert client.get(link).status_code == 404
    assert login(client, "official@example.org", PASSWORD).status_code == 200  # refused
    with app.app_context():
        actions = db.session.execute(db.select(AuditEntry.action)).scalars().all()
    assert actions.count("account.deactivated") == 2


def test_an_organiser_invites_another_organiser(app: Flask, client: FlaskClient) -> None:
    seed(app)
    login_organiser(client)
    response = post(client, "/organiser/accounts/organisers", {"email": "colega@example.org"})
    link = links_on(response.get_data(as_text=True))["colega@example.org"]
    again = post(client, "/organiser/accounts/organisers", {"email": "COLEGA@example.org"})
    assert again.status_code == 302
    assert "Ya existe una cuenta con ese correo" in client.get("/organiser/").get_data(True)
    bad = post(client, "/organiser/accounts/organisers", {"email": "not-an-email"})
    assert bad.status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert choose_password(client, link, "colleague-pass-1").status_code == 302
    assert client.get("/organiser/accounts").status_code == 200
    history = client.get("/organiser/audit").get_data(as_text=True)
    assert "Creó la cuenta de organización de colega@example.org." in history


def test_with_mail_configured_the_invitations_are_queued(
    app: Flask, client: FlaskClient, tasks: Tasks
) -> None:
    sent = tasks["send_account_invitations"].calls
    app.config["SMTP_URL"] = "smtp://127.0.0.1:1"
    app.config["BASE_URL"] = "https://citas.example.org/"  # behind a proxy: the public address
    data = seed(app)
    login_organiser(client)
    response = post(client, "/organiser/accounts/invite", {"scope": "missing"})
    assert response.status_code == 302 and sent == [("https://citas.example.org/",)]
    assert tasks["send_account_invitations"].committed == [True]  # the invitations were saved
    page = client.get("/organiser/accounts").get_data(as_text=True)
    assert "4 invitaciones en camino" in page
    with app.app_context():
        assert len(invitations.due_invitations()) == 4
        del data


def test_tokens_expire_and_forged_ones_are_refused(app: Flask) -> None:
    data = seed(app)
    with app.app_context():
        official = db.session.execute(
            db.select(User).where(User.participant_id == data.governments[0])
        ).scalar_one()
        invitations.invite([official])
        db.session.commit()
        secret = app.config["SECRET_KEY"]
        token = invitations.invitation_token(official, secret)
        assert invitations.user_for_token(token, secret) == official
        assert invitations.user_for_token(token, "another-secret") is None
        assert invitations.user_for_token(token[:-2] + "xx", secret) is None
        forged = URLSafeTimedSerializer(secret, salt="matchmaker.invitation").dumps(
            [official.id, "0" * 24]
        )
        assert invitations.user_for_token(forged, secret) is None
        # Past its age: the signature's own timestamp decides, not anything in the database.
        assert invitations.user_for_token(token, secret, max_age=timedelta(seconds=-1)) is None


def test_forgotten_password_mails_a_link_without_telling_who_has_an_account(
    app: Flask, client: FlaskClient, tasks: Tasks
) -> None:
    seed(app)
    assert "/password/forgot" in client.get("/login").get_data(as_text=True)
    no_mail = client.get("/password/forgot").get_data(as_text=True)
    assert "Pide a la organización del evento un enlace nuevo" in no_mail
    queued = tasks["send_account_invitations"].calls
    app.config["SMTP_URL"] = "smtp://127.0.0.1:1"
    answers = []
    for email in ("OFFICIAL@example.org", "nobody@example.org"):
        token = csrf_token(client, "/password/forgot")
        response = client.post("/password/forgot", data={"email": email, "csrf_token": token})
        assert response.status_code == 302 and response.headers["Location"] == "/login"
        answers.append(client.get("/login").get_data(as_text=True))
    assert all("Si hay una cuenta con ese correo" in answer for answer in answers)
    assert queued == [("http://localhost/",)]  # only for the real account
    assert tasks["send_account_invitations"].committed == [True]  # the link was saved first
    with app.app_context():
        official = db.session.execute(
            db.select(User).where(User.email == "official@example.org")
        ).scalar_one()
        assert invitations.due_invitations() == [official.id]
        assert official.check_password(PASSWORD)  # the old password works until the link is used
        official.last_login_at = official.invited_at
        mail = invitations.invitation_mail(official, "https://x.example/invite/t")
        assert "nueva contraseña" in mail.subject and "https://x.example/invite/t" in mail.body


def test_the_accounts_list_is_paged_and_keeps_its_filters(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("matchmaker.organiser.views_accounts.PAGE_SIZE", 2)
    seed(app)
    login_organiser(client)
    first = client.get("/organiser/accounts?kind=partner").get_data(as_text=True)
    assert "página 1 de 2" in first
    assert 'href="/organiser/accounts?kind=partner&amp;page=2" rel="next"' in first
    second = client.get("/organiser/accounts?kind=partner&page=2").get_data(as_text=True)
    assert "página 2 de 2" in second and second.count('name="ids"') == 1


def test_the_accounts_list_filters_by_status_and_search_in_the_database(
    app: Flask, client: FlaskClient
) -> None:
    data = seed(app)
    with app.app_context():
        partner = db.session.get_one(Participant, data.partners[0])
        partner.organisation = "Água 100% Limpa"
        db.session.commit()
    login_organiser(client)
    # The seed gives one official an account (created, never invited); everyone else has none.
    created = client.get("/organiser/accounts?status=created").get_data(as_text=True)
    assert created.count('name="ids"') == 1
    assert (
        client.get("/organiser/accounts?status=none").get_data(as_text=True).count('name="ids"')
        == 4
    )
    found = client.get("/organiser/accounts?q=ÁGUA 100%").get_data(as_text=True)
    assert found.count('name="ids"') == 1 and "Água 100% Limpa" in found
    plain = client.get("/organiser/accounts?q=agua 100").get_data(as_text=True)
    assert plain.count('name="ids"') == 1  # typed without the accent
    assert (
        client.get("/organiser/accounts?q=100%25_").get_data(as_text=True).count('name="ids"') == 0
    )  # % and _ are plain characters in a search, not patterns
    unknown = client.get("/organiser/accounts?status=deleted").get_data(as_text=True)
    assert unknown.count('name="ids"') == 5  # an unknown status filters nothing
