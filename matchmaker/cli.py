"""The `matchmaker` command: every command calls the same services as the web and the workers."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import NoReturn

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext
from flask_migrate import upgrade
from flask_migrate.cli import db as migrate_commands

from matchmaker import background
from matchmaker.app import create_app
from matchmaker.domain.importing import ImportRejected
from matchmaker.extensions import db
from matchmaker.models import Event
from matchmaker.services import accounts, events, matching, participants


@click.group(cls=FlaskGroup, create_app=create_app, add_default_commands=False,
             add_version_option=False, load_dotenv=False)  # fmt: skip
def cli() -> None:
    """matchmaker: B2B meetings between officials and partners at a congress."""


# `matchmaker db revision --autogenerate -m ...` for developers writing migrations.
cli.add_command(migrate_commands, "db")


def main() -> None:
    cli.main(prog_name="matchmaker")


def fail(message: str) -> NoReturn:
    """Bad input: a clear message on stderr and exit status 1, never a traceback."""
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


def load_event(event_id: int | None) -> Event:
    """The chosen event, or the only one; a clear error when there is none."""
    try:
        return events.get_event(event_id)
    except events.EventNotFound as exc:
        fail(str(exc))


def event_option(function):  # type: ignore[no-untyped-def]
    return click.option("--event", "event_id", type=int, help="event id (default: the only one)")(
        function
    )


@cli.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create or upgrade the database schema (Alembic migrations)."""
    upgrade(directory=current_app.extensions["migrate"].directory)
    click.echo(f"database ready: {_safe_url(db.engine.url)}")


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


def report_unsent() -> bool:
    """After a commit: say which tasks the broker refused (the command's own work is saved,
    and the periodic sweep sends what the database records as due). True if all went."""
    failures = background.take_failures()
    for failure in failures:
        click.echo(f"note: {failure.task.name} not queued (broker unavailable: "
                   f"{failure.reason}); it is retried once a worker and the broker are up",
                   err=True)  # fmt: skip
    return not failures


def _safe_url(url: object) -> str:
    return str(getattr(url, "render_as_string", lambda hide_password: str(url))(True))


from matchmaker import cli_accounts, cli_matching, cli_run, cli_scheduling  # noqa: E402,F401  (more commands)
