"""Pages cost the same number of queries for 10 rows as for 1,000: no query per row.

Two events share one database, a small one and a big one; each page is opened once for each
and its SQL statements are counted. A page whose count grows with the rows loads related
rows one at a time (or counts in Python what the database could count). Inserts go in
batches of a thousand rows: 1,000 rows may cost a statement or two more than 10, never 990.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from flask import Flask
from sqlalchemy import event as sql_event

from matchmaker.extensions import db
from matchmaker.models import AuditEntry, Meeting, MeetingRequest, User
from matchmaker.services.accounts import create_user
from tests.factories import approve, create_event, create_participant
from tests.web.helpers import login

PASSWORD = "query-count-pass-1"
OFFICIALS = 10
SMALL, BIG = 10, 1000
#: Statements 1,000 rows may cost beyond 10 rows' (bulk inserts and loads go in batches).
BATCHES = 2

#: Counted on PostgreSQL, the database of events at scale: with SQLite the ORM inserts new
#: rows one statement each when it needs their ids back, whatever the code does.
pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


@dataclass(frozen=True)
class World:
    event_id: int
    official_id: int
    official_email: str
    organiser_email: str


def build(app: Flask, partners: int, tag: str) -> World:
    """An event with 10 officials and ``partners`` partners: every partner suggested to,
    requested by and (one in ten) meeting the first official; a meeting for every partner;
    an account for everyone; an audit entry per partner."""
    with app.app_context():
        event = create_event(days=9, num_tables=OFFICIALS, name=f"Expo {tag}")
        officials = [create_participant(event, "government") for _ in range(OFFICIALS)]
        first = officials[0]
        for k in range(partners):
            partner = create_participant(event, "partner")
            suggestion = approve(event, first, partner, score=100 - k * 0.01)
            suggestion.rank_for_government = k + 1
            official = officials[k % OFFICIALS]
            if official is not first:
                approve(event, official, partner, score=50)
            db.session.add(Meeting(event_id=event.id, government_id=official.id,
                                   partner_id=partner.id, slot_index=k // OFFICIALS,
                                   table_number=k % OFFICIALS, status="published"))  # fmt: skip
            db.session.add(MeetingRequest(event_id=event.id, requester_id=partner.id,
                                          recipient_id=first.id, government_id=first.id,
                                          partner_id=partner.id, status="pending"))  # fmt: skip
            db.session.add(AuditEntry(event_id=event.id, action="suggestion.approved",
                                      target_type="matchsuggestion", target_id=suggestion.id))  # fmt: skip
            user = User(email=partner.email, role="partner", participant=partner)
            user.set_unusable_password()
            db.session.add(user)
        for official in officials[1:]:
            user = User(email=official.email, role="official", participant=official)
            user.set_unusable_password()
            db.session.add(user)
        create_user(first.email, PASSWORD, "official", first)
        organiser = create_user(f"organiser-{tag}@example.org", PASSWORD, "organiser")
        db.session.commit()
        return World(event.id, first.id, first.email, organiser.email)


@contextmanager
def counting(app: Flask) -> Iterator[list[str]]:
    statements: list[str] = []

    def note(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    sql_event.listen(engine, "before_cursor_execute", note)
    try:
        yield statements
    finally:
        sql_event.remove(engine, "before_cursor_execute", note)


@pytest.fixture
def worlds(app: Flask) -> tuple[World, World]:
    return build(app, SMALL, "small"), build(app, BIG, "big")


def queries_for(app: Flask, world: World, path: str, email: str) -> int:
    client = app.test_client()
    assert login(client, email, PASSWORD).status_code == 302
    path = path.format(event=world.event_id, official=world.official_id)
    client.get(path)  # the first view of a page may fill caches: count the second
    with counting(app) as statements:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return len(statements)


ORGANISER_PAGES = [
    "/organiser/?event={event}",
    "/organiser/matches?event={event}",
    "/organiser/accounts?event={event}",
    "/organiser/participants?event={event}",
    "/organiser/participants/{official}?event={event}",
    "/organiser/audit?event={event}",
    "/organiser/schedule?event={event}",
    "/organiser/schedule/grid?event={event}",
    "/organiser/schedule/people?event={event}&participant={official}",
    "/organiser/dashboard?event={event}",
    "/organiser/exports/schedule.csv?event={event}",
    "/organiser/exports/transparency.csv?event={event}",
]
PARTICIPANT_PAGES = [
    "/me/",
    "/me/agenda",
    "/me/agenda/print",
    "/me/agenda.ics",
    "/me/agenda.pdf",
    "/me/suggestions",
    "/me/directory",
    "/me/directory?q=person&theme=urban-mobility&language=es&country=MX&page=2",
    "/me/requests",
]


def growing_pages(app: Flask, worlds: tuple[World, World], paths: list[str], who: str) -> dict:
    """Each page whose query count grows with the rows: path -> (small count, big count)."""
    small, big = worlds
    counts = {
        path: (
            queries_for(app, small, path, getattr(small, who)),
            queries_for(app, big, path, getattr(big, who)),
        )
        for path in paths
    }
    growing = {path: (few, many) for path, (few, many) in counts.items() if many > few + BATCHES}
    return growing


def test_organiser_pages_do_not_query_per_row(app: Flask, worlds: tuple[World, World]) -> None:
    assert growing_pages(app, worlds, ORGANISER_PAGES, "organiser_email") == {}


def test_participant_pages_do_not_query_per_row(app: Flask, worlds: tuple[World, World]) -> None:
    assert growing_pages(app, worlds, PARTICIPANT_PAGES, "official_email") == {}


def test_the_agendas_pdf_does_not_query_per_participant(
    app: Flask, worlds: tuple[World, World]
) -> None:
    """The whole event's agendas (built by a worker) read every meeting in one go."""
    from matchmaker.models import Event
    from matchmaker.services.agenda_pdf import render_agendas_pdf
    from matchmaker.services.participants import list_participants

    def cost(world: World) -> int:
        with app.app_context():
            event = db.session.get_one(Event, world.event_id)
            people = list_participants(event)
            with counting(app) as statements:
                render_agendas_pdf(event, people, "es")
            return len(statements)

    small, big = worlds
    assert cost(big) <= cost(small) + BATCHES


def test_deciding_many_and_inviting_do_not_query_per_row(app: Flask) -> None:
    """Approving a selection and creating the missing accounts read and write in bulk."""
    from matchmaker.models import MatchSuggestion, Participant
    from matchmaker.services import decisions, invitations

    def event_with(partners: int) -> int:
        with app.app_context():
            event = create_event(days=9, num_tables=OFFICIALS)
            official = create_participant(event, "government")
            for _ in range(partners):
                partner = create_participant(event, "partner")
                db.session.add(MatchSuggestion(event_id=event.id, government_id=official.id,
                                               partner_id=partner.id, score=50))  # fmt: skip
            db.session.commit()
            return event.id

    def cost(event_id: int, work) -> int:  # type: ignore[no-untyped-def]
        with app.app_context():
            from matchmaker.models import Event

            event = db.session.get_one(Event, event_id)
            with counting(app) as statements:
                work(event)
                db.session.commit()
            return len(statements)

    def decide_all(event) -> None:  # type: ignore[no-untyped-def]
        ids = db.session.execute(
            db.select(MatchSuggestion.id).where(MatchSuggestion.event_id == event.id)
        ).scalars()
        decisions.decide_many(event, list(ids), "rejected", None)

    def invite_all(event) -> None:  # type: ignore[no-untyped-def]
        invitations.invite_participants(event, invitations.MISSING)

    small, big = event_with(SMALL), event_with(BIG)
    for work in (decide_all, invite_all):
        assert cost(big, work) <= cost(small, work) + BATCHES, work.__name__
    with app.app_context():
        accounts = db.session.execute(db.select(db.func.count()).select_from(User)).scalar()
        people = db.session.execute(db.select(db.func.count()).select_from(Participant)).scalar()
        assert accounts == people == 2 + SMALL + BIG
