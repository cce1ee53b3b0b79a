"""Inviting people from the command line: the same accounts and links as the organiser page."""

from __future__ import annotations

import csv
import sys
from contextlib import nullcontext
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from matchmaker.cli.base import cli, event_option, fail, load_event
from matchmaker.domain.spreadsheet import neutralise_row
from matchmaker.extensions import db
from matchmaker.models import User
from matchmaker.services import invitations
from matchmaker.services.mail import MailAddressError, MailNotConfigured


@cli.command("invite")
@click.option("--base-url", help="the address people open, e.g. https://citas.example.org/ "
              "(default: MATCHMAKER_BASE_URL)")  # fmt: skip
@click.option("--again", is_flag=True, help="also invite again every account not used yet")
@click.option("--send", is_flag=True, help="mail them (MATCHMAKER_SMTP_URL), not print the links")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="write the links as CSV here (default: standard output)")  # fmt: skip
@event_option
@with_appcontext
def invite_command(
    base_url: str | None, again: bool, send: bool, out: Path | None, event_id: int | None
) -> None:
    """Create accounts for participants without one and invite them to choose a password."""
    config = current_app.config
    base_url = base_url or config["BASE_URL"]
    if not base_url:
        fail("the links need the address people open: --base-url or MATCHMAKER_BASE_URL")
    if send and not config["SMTP_URL"]:
        fail("--send needs a mail server: set MATCHMAKER_SMTP_URL")
    event = load_event(event_id)
    scope = invitations.NOT_JOINED_YET if again else invitations.MISSING
    result = invitations.invite_participants(event, scope)
    for person in result.skipped:
        click.echo(f"skipped {person.external_id}: another account uses {person.email}", err=True)
    if send:
        db.session.commit()
        sent = _mail_due(base_url)
        click.echo(f"{len(result.created)} accounts created, {sent} invitations mailed", err=True)
        return
    links = invitations.hand_out(result.invited, config["SECRET_KEY"], base_url)
    with out.open("w", newline="", encoding="utf-8") if out else nullcontext(sys.stdout) as stream:
        writer = csv.writer(stream)
        writer.writerow(["email", "name", "organisation", "link"])
        for user, link in links:
            person = user.participant
            row = [user.email, person.name if person else "",
                   person.organisation if person else "", link]  # fmt: skip
            writer.writerow(neutralise_row(row))  # names come from an imported file
    db.session.commit()
    click.echo(f"{len(result.created)} accounts created, {len(links)} invitation links", err=True)


def _mail_due(base_url: str) -> int:
    """Mail every invitation still due (so a run cut short by the mail server resumes)."""
    config, sent = current_app.config, 0
    for user_id in invitations.due_invitations():
        user = db.session.get_one(User, user_id)
        link = invitations.invitation_link(user, config["SECRET_KEY"], base_url)
        try:
            sent += invitations.send_invitation(user, link, config["SMTP_URL"], config["MAIL_FROM"])
        except MailAddressError as exc:  # this one address: say so and mail the others
            db.session.rollback()
            click.echo(f"skipped {user.email!r}: {exc}", err=True)
            continue
        except (OSError, MailNotConfigured) as exc:  # smtplib errors are OSErrors
            db.session.rollback()
            fail(f"mail to {user.email} failed ({exc}); {sent} sent; run again to resume")
        db.session.commit()
    return sent
