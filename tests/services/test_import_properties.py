"""The import against a real database (SQLite and PostgreSQL), fed arbitrary rows: it imports
all of them or reports row errors having written nothing; it never raises anything else."""

from __future__ import annotations

from flask import Flask
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from matchmaker.domain.importing import MESSAGES, ImportRejected, parse_participants
from matchmaker.extensions import db
from matchmaker.models import Event, Participant
from matchmaker.services import participants
from tests.domain.participant_files import files
from tests.factories import create_event

#: Already stored when each file arrives: the files' ids and emails overlap these, so they
#: update, swap emails, take one that is in use, change a kind.
SEED = (
    b"id,kind,name,organisation,organisation_type,role_title,email,country,city,languages,themes,description\r\n"
    b"g-1,government,Ana,A,municipality,R,ana@example.org,MX,Puebla,es,urban-mobility,d\r\n"
    b"g-2,government,Gil,G,state,R,c@example.net,MX,Puebla,es,urban-mobility,d\r\n"
    b"p-1,partner,Bob,B,company,R,bob@example.com,US,Austin,en,urban-mobility,d\r\n"
)


HEADER = SEED.splitlines()[0].decode()


@st.composite
def reassignments(draw: st.DrawFn) -> bytes:
    """Stored and new participants with the stored emails dealt out again: swaps, chains,
    an address still held by someone left out of the file, a kind that changes."""
    ids = draw(st.permutations(["g-1", "g-2", "p-1", "p-2", "p-3"]))[: draw(st.integers(1, 5))]
    emails = draw(st.permutations(["ana@example.org", "c@example.net", "bob@example.com",
                                   "d@example.net", "e@example.net"]))  # fmt: skip
    lines = [HEADER]
    for id_, email in zip(ids, emails, strict=False):
        usual = "government" if id_.startswith("g") else "partner"
        kind = draw(st.sampled_from([usual] * 5 + ["government", "partner"]))
        kind_type = "municipality" if kind == "government" else "company"
        lines.append(f"{id_},{kind},N {id_},O,{kind_type},R,{email},MX,Puebla,es,urban-mobility,d")
    return ("\r\n".join(lines) + "\r\n").encode()


def known_case(*rows: str, header: str = HEADER) -> bytes:
    return "\r\n".join([header, *rows, ""]).encode()


WITH_CAP = HEADER + ",max_meetings"
#: Files that once crashed the import (issue #9): always tried, before the generated ones.
KNOWN_CASES = [
    known_case("g-1,government,Ana,A,municipality,R,c@example.net,MX,Puebla,es,urban-mobility,d",
               "g-2,government,Gil,G,state,R,ana@example.org,MX,Puebla,es,urban-mobility,d"),
    known_case("x" * 300 + ",partner,X,X,company,R,x@example.org,MX,Puebla,es,urban-mobility,d"),
    known_case("p-1,partner,Bob,B,company,R,bob@example.com,US,Austin,en,urban-mobility,d,"
               "99999999999999999999", header=WITH_CAP),
    known_case("p-1,partner,Bob,B,company,R,bob@example.com,US,Austin,en,urban-mobility,d,²",
               header=WITH_CAP),
    known_case('p-1,partner,"Bob\nLee",B,company,R,bob@example.com,US,Austin,en,urban-mobility,d'),
]  # fmt: skip


def snapshot() -> tuple[int, list[tuple[object, ...]]]:
    columns = [c for c in Participant.__table__.c if c.name != "updated_at"]
    rows = db.session.execute(db.select(*columns).order_by(Participant.id))
    events = db.session.execute(db.select(db.func.count()).select_from(Event)).scalar_one()
    return events, [tuple(row) for row in rows]


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=files(max_changes=1) | reassignments())
@example(data=KNOWN_CASES[0])
@example(data=KNOWN_CASES[1])
@example(data=KNOWN_CASES[2])
@example(data=KNOWN_CASES[3])
@example(data=KNOWN_CASES[4])
def test_any_file_imports_whole_or_writes_nothing(app_ctx: Flask, data: bytes) -> None:
    try:
        stored_event = create_event(days=1)
        participants.import_participants(stored_event, SEED)
        before = snapshot()
        try:
            summary = participants.import_participants(stored_event, data)
        except ImportRejected as rejected:
            event("rejected")
            assert rejected.errors and {e.code for e in rejected.errors} <= set(MESSAGES)
            assert snapshot() == before
            return
        records = parse_participants(data).records
        event(f"imported {len(records)} rows")
        stored = {p.external_id: p for p in participants.list_participants(stored_event)}
        assert len(stored) == len(before[1]) + sum(summary.created.values())
        assert sum(summary.created.values()) + sum(summary.updated.values()) + sum(
            summary.unchanged.values()
        ) == len(records)
        for record in records:
            person = stored[record.id]
            assert (person.kind, person.name, person.email, person.description) == (
                record.kind, record.name, record.email, record.description
            )  # fmt: skip
            assert person.max_meetings == record.max_meetings
            assert person.unavailable == list(record.unavailable)
    finally:
        db.session.rollback()
