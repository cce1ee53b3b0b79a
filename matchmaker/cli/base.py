"""The command group and what every command shares: choosing the event, failing clearly,
reporting tasks the broker did not take."""

from __future__ import annotations

import sys
from typing import NoReturn

import click
from flask.cli import FlaskGroup
from flask_migrate.cli import db as migrate_commands

from matchmaker import background
from matchmaker.app import create_app
from matchmaker.models import Event
from matchmaker.services import events


@click.group(cls=FlaskGroup, create_app=create_app, add_default_commands=False,
             add_version_option=False, load_dotenv=False)  # fmt: skip
def cli() -> None:
    """matchmaker: B2B meetings between officials and partners at a congress."""


# `matchmaker db revision --autogenerate -m ...` for developers writing migrations.
cli.add_command(migrate_commands, "db")


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


def report_unsent() -> bool:
    """After a commit: say which tasks the broker refused (the command's own work is saved,
    and the periodic sweep sends what the database records as due). True if all went."""
    failures = background.take_failures()
    for failure in failures:
        click.echo(f"note: {failure.task.name} not queued (broker unavailable: "
                   f"{failure.reason}); it is retried once a worker and the broker are up",
                   err=True)  # fmt: skip
    return not failures


def safe_url(url: object) -> str:
    return str(getattr(url, "render_as_string", lambda hide_password: str(url))(True))
