"""Tokens for the public API from the command line: the same tokens as the organisers' API page.

``create`` prints the secret alone on standard output (so ``$(matchmaker api-token create ...)``
captures just it) and everything else on standard error.
"""

from __future__ import annotations

from datetime import datetime

import click
from flask.cli import with_appcontext

from matchmaker.cli.base import cli, fail
from matchmaker.extensions import db
from matchmaker.ids import MAX_ID
from matchmaker.orm import as_utc
from matchmaker.services import api_tokens


@cli.group("api-token")
def api_token_group() -> None:
    """Bearer tokens for the API under /api/v1: create, list, revoke."""


@api_token_group.command("create")
@click.option("--name", required=True, help="what the token is for, e.g. 'registration system'")
@click.argument("email")
@with_appcontext
def create_command(name: str, email: str) -> None:
    """Make a token acting as the account EMAIL; print its secret (shown only this once)."""
    if not name.strip():
        fail("--name is empty: say what the token is for")
    account = api_tokens.find_account(email)
    if account is None:
        fail(f"no account has the email {email!r} (create it first, e.g. `matchmaker create-user`)")
    if not account.active:
        fail(f"the account {account.email} is deactivated: a token of it would not work")
    made = api_tokens.create_token(account, name)
    db.session.commit()
    click.echo(made.secret)
    note = (f"token {made.token.id} {made.token.name!r} acts as {account.email} "
            f"({account.role}); keep the secret now, it is not shown again")  # fmt: skip
    click.echo(note, err=True)


@api_token_group.command("list")
@with_appcontext
def list_command() -> None:
    """Every token, newest first: id, name, account, prefix, created, last used, state (UTC)."""
    tokens = api_tokens.list_tokens()
    if not tokens:
        click.echo("no tokens yet", err=True)
        return
    rows = [("id", "name", "account", "role", "prefix", "created", "last used", "state")]
    for token in tokens:
        state = f"revoked {_utc(token.revoked_at)}" if token.revoked_at else "active"
        if token.revoked_at is None and not token.user.active:
            state = "account deactivated"
        used = _utc(token.last_used_at) if token.last_used_at else "never"
        rows.append((str(token.id), token.name, token.user.email, token.user.role,
                     f"{token.prefix}...", _utc(token.created_at), used, state))  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        click.echo("  ".join(cells).rstrip())


@api_token_group.command("revoke")
@click.argument("token_id", type=int)
@with_appcontext
def revoke_command(token_id: int) -> None:
    """Revoke the token with this id (see `matchmaker api-token list`): it stops working now."""
    token = api_tokens.get_token(token_id) if 0 < token_id <= MAX_ID else None
    if token is None:
        fail(f"no token has the id {token_id} (see `matchmaker api-token list`)")
    if token.revoked_at is not None:
        click.echo(f"token {token.id} {token.name!r} was already revoked "
                   f"({_utc(token.revoked_at)})", err=True)  # fmt: skip
        return
    api_tokens.revoke_token(token, actor=None)
    db.session.commit()
    click.echo(f"token {token.id} {token.name!r} of {token.user.email} revoked", err=True)


def _utc(moment: datetime | None) -> str:
    return as_utc(moment).strftime("%Y-%m-%d %H:%M UTC") if moment else ""
