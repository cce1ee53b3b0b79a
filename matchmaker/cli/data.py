"""Data in and out: the schema, participants' files, accounts."""

from __future__ import annotations

import os
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade

from matchmaker import background
from matchmaker.cli.base import cli, event_option, fail, load_event, report_unsent, safe_url
from matchmaker.domain.importing import ImportRejected
from matchmaker.extensions import db
from matchmaker.services import accounts, events, matching, participants


@cli.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create or upgrade the database schema (Alembic migrations)."""
    upgrade(directory=current_app.extensions["migrate"].directory)
    click.echo(f"database ready: {safe_url(db.engine.url)}")


@cli.command("import-participants")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@event_option
@with_appcontext
def import_participants_command(path: Path, event_id: int | None) -> None:
    """Validate and import a participants CSV; all or nothing."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror}")
    try:
        event = events.get_or_create_event(event_id)
        summary = participants.import_participants(event, data)
        matching.request_recompute(event)
        background.enqueue("recompute_event_stats", event.id)
    except ImportRejected as exc:
        db.session.rollback()
        fail(exc.report())
    except events.EventNotFound as exc:
        fail(str(exc))
    db.session.commit()
    report_unsent()
    click.echo(f"imported into event {event.id} ({event.name}): {summary.describe()}")


@cli.command("export-participants")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@event_option
@with_appcontext
def export_participants_command(path: Path, event_id: int | None) -> None:
    """Write the event's participants back in the import format."""
    event = load_event(event_id)
    text = participants.export_participants(event)
    path.write_text(text, encoding="utf-8", newline="")
    count = len(participants.list_participants(event))
    click.echo(f"wrote {count} participants to {path}")


@cli.command("create-user")
@click.option("--role", type=click.Choice(["organiser", "official", "partner"]), required=True)
@click.option("--participant", "participant_id", help="the participant's id in the import file")
@click.argument("email")
@event_option
@with_appcontext
def create_user_command(
    role: str, participant_id: str | None, email: str, event_id: int | None
) -> None:
    """Create an account; the password comes from MATCHMAKER_PASSWORD or a prompt."""
    password = os.environ.get("MATCHMAKER_PASSWORD") or click.prompt(
        "Password", hide_input=True, confirmation_prompt=True
    )
    participant = None
    try:
        if participant_id:
            participant = participants.get_participant(load_event(event_id), participant_id)
        user = accounts.create_user(email, password, role, participant)
    except (accounts.AccountError, events.EventNotFound, LookupError) as exc:
        db.session.rollback()
        fail(str(exc).strip("'\""))
    db.session.commit()
    click.echo(f"created {user.role} account {user.email}")
