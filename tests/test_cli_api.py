"""`matchmaker api-token`: create (the secret alone on stdout), list and revoke."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from matchmaker.extensions import db
from matchmaker.models import ApiToken, AuditEntry
from tests.web.organiser_world import ORGANISER, seed

SECRET = re.compile(r"mm_[A-Za-z0-9_-]{43}")


def status_of(client: FlaskClient, secret: str) -> int:
    return client.get("/api/v1/events", headers={"Authorization": f"Bearer {secret}"}).status_code


def test_create_prints_only_the_secret_and_it_opens_the_api(
    app: Flask, client: FlaskClient, invoke
) -> None:
    seed(app)
    result = invoke("api-token", "create", "--name", "Registro", "OFFICIAL@example.org")
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip()
    assert SECRET.fullmatch(secret) and result.stdout == secret + "\n"
    assert "not shown again" in result.stderr and "official@example.org" in result.stderr
    assert secret not in result.stderr
    assert status_of(client, secret) == 200
    with app.app_context():
        token = db.session.execute(db.select(ApiToken)).scalar_one()
        assert (token.name, token.user.email) == ("Registro", "official@example.org")
        assert token.secret_hash != secret
        entry = db.session.execute(db.select(AuditEntry)).scalar_one()
        assert entry.action == "api_token.created" and entry.details["account"] == token.user.email


def test_unknown_email_or_empty_name_is_a_clear_error(app: Flask, invoke) -> None:
    seed(app)
    result = invoke("api-token", "create", "--name", "X", "nadie@example.org")
    assert result.exit_code == 1 and result.stdout == ""
    assert "no account has the email 'nadie@example.org'" in result.stderr
    assert "Traceback" not in result.output
    result = invoke("api-token", "create", "--name", "  ", ORGANISER)
    assert result.exit_code == 1 and "--name" in result.stderr and result.stdout == ""
    result = invoke("api-token", "create", ORGANISER)  # --name is required
    assert result.exit_code == 2 and result.stdout == ""
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(ApiToken.id))).scalar_one() == 0


def test_list_shows_tokens_but_never_their_secrets(app: Flask, client: FlaskClient, invoke) -> None:
    seed(app)
    used = invoke("api-token", "create", "--name", "Usada", ORGANISER).stdout.strip()
    unused = invoke("api-token", "create", "--name", "Sin usar", ORGANISER).stdout.strip()
    assert status_of(client, used) == 200
    result = invoke("api-token", "list")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split()[:3] == ["id", "name", "account"]
    unused_row = next(line for line in lines if "Sin usar" in line)
    used_row = next(line for line in lines if "Usada" in line)
    assert lines.index(unused_row) < lines.index(used_row)  # newest first
    assert f"{unused[:9]}..." in unused_row and "never" in unused_row and "active" in unused_row
    assert "never" not in used_row and "UTC" in used_row and ORGANISER in used_row
    assert used not in result.output and unused not in result.output


def test_revoke_stops_the_token(app: Flask, client: FlaskClient, invoke) -> None:
    seed(app)
    secret = invoke("api-token", "create", "--name", "CRM", ORGANISER).stdout.strip()
    with app.app_context():
        token_id = db.session.execute(db.select(ApiToken.id)).scalar_one()
    result = invoke("api-token", "revoke", str(token_id))
    assert result.exit_code == 0, result.output
    assert "revoked" in result.stderr
    assert status_of(client, secret) == 401
    assert "revoked 20" in invoke("api-token", "list").stdout
    again = invoke("api-token", "revoke", str(token_id))
    assert again.exit_code == 0 and "already revoked" in again.stderr
    with app.app_context():
        revoked = db.select(AuditEntry).where(AuditEntry.action == "api_token.revoked")
        entries = db.session.execute(revoked).scalars().all()
        assert len(entries) == 1 and entries[0].actor_id is None  # from the command line
    for missing in ("999999", "0", "99999999999"):
        result = invoke("api-token", "revoke", missing)
        assert result.exit_code == 1 and "no token has the id" in result.stderr, missing


def test_list_without_tokens(app: Flask, invoke) -> None:
    result = invoke("api-token", "list")
    assert result.exit_code == 0 and result.stdout == "" and "no tokens yet" in result.stderr
