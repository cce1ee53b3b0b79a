"""The load benchmark's event: generated participants, accounts with a known password, the
logins the clients use, and the SQL statements each page runs.

The steps that have a command run it (see load_pages.py); what no command does quickly
(setting one known password on hundreds of accounts, counting statements) runs here in an
app context, configured from the same MATCHMAKER_* variables as the stack.
"""

from __future__ import annotations

import csv
import os
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from _load_http import csrf_token
from flask import Flask

SHARED = Path(
    os.environ.get("MATCHMAKER_SHARED_DIR", Path(__file__).resolve().parents[2] / "shared")
)
SAMPLE = SHARED / "data" / "sample_participants.csv"
COLUMNS = [
    "id",
    "kind",
    "name",
    "organisation",
    "organisation_type",
    "role_title",
    "email",
    "country",
    "city",
    "languages",
    "themes",
    "description",
]
ORGANISERS = 20


def write_participants(path: Path, officials: int, partners: int) -> None:
    """``officials`` and ``partners`` in the import format, each a copy of a sample row with
    its own id, name and email. Descriptions repeat the sample's, so the embedding cache
    encodes each text once and loading stays quick; ranking still scores every pair."""
    with open(SAMPLE, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    templates = {kind: [r for r in rows if r["kind"] == kind] for kind in ("government", "partner")}
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, COLUMNS)
        writer.writeheader()
        for kind, count, prefix in (("government", officials, "g"), ("partner", partners, "p")):
            for i in range(count):
                row = dict(templates[kind][i % len(templates[kind])])
                row["id"] = f"load-{prefix}-{i:04d}"
                row["name"] = f"{row['name']} {i:04d}"
                row["organisation"] = f"{row['organisation']} {i:04d}"
                row["email"] = f"load-{prefix}-{i:04d}@bench.example.org"
                writer.writerow({column: row[column] for column in COLUMNS})


def make_app() -> Flask:
    """The app as the stack's processes build it (os.environ holds the stack's variables)."""
    from matchmaker.app import create_app

    return create_app()


def enlarge_event(app: Flask, tables: int) -> None:
    """Enough tables that a large share of the approved pairs gets a meeting."""
    from matchmaker.extensions import db
    from matchmaker.services.events import get_event

    with app.app_context():
        get_event().num_tables = tables
        db.session.commit()


def set_known_passwords(app: Flask, password: str) -> None:
    """Every participant account (created by `matchmaker invite`) and ORGANISERS organiser
    accounts get ``password``: one hash shared by all of them, as hashing each would take
    minutes (logins still check it the normal way)."""
    from werkzeug.security import generate_password_hash

    from matchmaker.extensions import db
    from matchmaker.models import User

    with app.app_context():
        shared_hash = generate_password_hash(password)
        db.session.execute(
            sa.update(User)
            .where(User.participant_id.is_not(None))
            .values(password_hash=shared_hash)
        )
        for i in range(ORGANISERS):
            db.session.add(
                User(email=organiser_email(i), role="organiser", password_hash=shared_hash)
            )
        db.session.commit()


def organiser_email(i: int) -> str:
    return f"load-organiser-{i:02d}@bench.example.org"


@dataclass
class Logins:
    participants: list[str]  # officials and partners in turn, those with most meetings first
    organisers: list[str]
    meetings: int
    approved: int


def choose_logins(app: Flask) -> Logins:
    from matchmaker.extensions import db
    from matchmaker.models import MatchSuggestion, Meeting, Participant, User

    with app.app_context():
        per_person: dict[int, int] = {}
        for government_id, partner_id in db.session.execute(
            sa.select(Meeting.government_id, Meeting.partner_id).where(
                Meeting.status != "cancelled"
            )
        ):
            for person in (government_id, partner_id):
                per_person[person] = per_person.get(person, 0) + 1
        accounts = db.session.execute(
            sa.select(User.email, Participant.id, Participant.kind).join(
                Participant, User.participant_id == Participant.id
            )
        ).all()

        def busiest_first(kind: str) -> list[str]:
            chosen = [a for a in accounts if a.kind == kind]
            chosen.sort(key=lambda a: (-per_person.get(a.id, 0), a.email))
            return [a.email for a in chosen]

        # Officials and partners in turn; zip stops at the shorter side, which is plenty.
        pairs = zip(busiest_first("government"), busiest_first("partner"), strict=False)
        interleaved = [email for pair in pairs for email in pair]
        approved = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(MatchSuggestion)
            .where(MatchSuggestion.status == "approved")
        )
        meetings = sum(per_person.values()) // 2
    return Logins(
        interleaved, [organiser_email(i) for i in range(ORGANISERS)], meetings, int(approved or 0)
    )


@dataclass
class PageCost:
    path: str
    status: int
    statements: int
    milliseconds: float


@contextmanager
def counting_statements(app: Flask) -> Iterator[list[str]]:
    from matchmaker.extensions import db

    seen: list[str] = []

    def count(_conn, _cursor, statement, _params, _context, _many) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)


def page_costs(app: Flask, email: str, password: str, paths: Sequence[str]) -> list[PageCost]:
    """Statements and time of one request to each page, logged in as ``email``, through the
    app in this process (the second request of each page: the first fills caches)."""
    client = app.test_client()
    form = client.get("/login")
    client.post(
        "/login", data={"csrf_token": csrf_token(form.data), "email": email, "password": password}
    )
    costs = []
    for path in paths:
        client.get(path)
        with counting_statements(app) as seen:
            started = time.perf_counter()
            reply = client.get(path)
            seconds = time.perf_counter() - started
        costs.append(PageCost(path, reply.status_code, len(seen), seconds * 1000))
    return costs
