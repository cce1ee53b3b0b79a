"""Import and export against a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from matchmaker.domain.importing import ImportRejected
from matchmaker.extensions import db
from matchmaker.models import Event, Participant
from matchmaker.services import events, participants


def count(model: type) -> int:
    return db.session.execute(db.select(db.func.count()).select_from(model)).scalar_one()


def import_file(data: bytes) -> participants.ImportSummary:
    event = events.get_or_create_event()
    summary = participants.import_participants(event, data)
    db.session.commit()
    return summary


def rejected(data: bytes) -> ImportRejected:
    with pytest.raises(ImportRejected) as info:
        import_file(data)
    db.session.rollback()
    return info.value


def test_sample_imports_40_officials_and_80_partners(app_ctx: Flask, sample_participants: Path):
    summary = import_file(sample_participants.read_bytes())
    assert (summary.total("government"), summary.total("partner")) == (40, 80)
    assert summary.describe().startswith("40 officials, 80 partners (120 new")
    gov = db.session.execute(
        db.select(Participant).where(Participant.external_id == "g-001")
    ).scalar_one()
    assert gov.languages == ["es", "en"] and gov.kind == "government"


def test_reimport_is_idempotent_and_updates_changed_rows(
    app_ctx: Flask, sample_participants: Path
) -> None:
    data = sample_participants.read_bytes()
    import_file(data)
    again = import_file(data)
    assert sum(again.unchanged.values()) == 120 and not again.created and not again.updated
    edited = data.replace(b"Mariana Cu\xc3\xa9llar Ibarra", b"Mariana Cu\xc3\xa9llar")
    third = import_file(edited)
    assert third.updated["government"] == 1 and count(Participant) == 120


def test_export_reproduces_the_sample(app_ctx: Flask, sample_participants: Path) -> None:
    import_file(sample_participants.read_bytes())
    exported = participants.export_participants(events.get_event())
    assert exported.encode("utf-8") == sample_participants.read_bytes()


BAD_ROWS = {
    "unknown theme": "x-1,government,A,B,municipality,R,a1@example.org,MX,Puebla,es,smart-parking,d",
    "unknown kind": "x-1,mayor,A,B,municipality,R,a1@example.org,MX,Puebla,es,urban-mobility,d",
    "unknown organisation type": "x-1,partner,A,B,city,R,a1@example.org,MX,Puebla,es,urban-mobility,d",
    "bad email": "x-1,partner,A,B,company,R,not-an-email,MX,Puebla,es,urban-mobility,d",
    "duplicate email": "x-1,partner,A,B,company,R,mariana.cuellar@example.org,MX,Puebla,es,urban-mobility,d",
    "duplicate id": "g-001,government,A,B,municipality,R,a1@example.org,MX,Puebla,es,urban-mobility,d",
    "missing value": "x-1,partner,,B,company,R,a1@example.org,MX,Puebla,es,urban-mobility,d",
    "wrong field count": "x-1,partner,A,B,company,R,a1@example.org,MX,Puebla,es",
}


@pytest.mark.parametrize("problem", sorted(BAD_ROWS))
def test_one_bad_row_writes_nothing(app_ctx: Flask, sample_participants: Path, problem: str):
    data = sample_participants.read_bytes() + BAD_ROWS[problem].encode() + b"\r\n"
    error = rejected(data)
    assert [e.line for e in error.errors] == [122]
    assert (count(Participant), count(Event)) == (0, 0)


def test_unknown_column_and_wrong_encoding_write_nothing(
    app_ctx: Flask, sample_participants: Path
) -> None:
    data = sample_participants.read_bytes()
    error = rejected(data.replace(b",description", b",challenge", 1))
    assert {(e.line, e.column) for e in error.errors} == {(1, "challenge"), (1, "description")}
    error = rejected(data.decode("utf-8").encode("cp1252", errors="replace"))
    assert "UTF-8" in error.report()
    assert (count(Participant), count(Event)) == (0, 0)


def test_rules_against_stored_participants(app_ctx: Flask, sample_participants: Path) -> None:
    import_file(sample_participants.read_bytes())
    header = sample_participants.read_bytes().split(b"\r\n", 1)[0]
    taken = b"p-999,partner,A,B,company,R,edgar.zegarra@example.org,MX,Puebla,es,urban-mobility,d"
    kind_change = b"g-001,partner,A,B,company,R,zz@example.com,MX,Puebla,es,urban-mobility,d"
    error = rejected(header + b"\r\n" + taken + b"\r\n" + kind_change + b"\r\n")
    assert [(e.line, e.column) for e in error.errors] == [(2, "email"), (3, "kind")]
    assert count(Participant) == 120


def test_three_bad_rows_are_all_reported(app_ctx: Flask, sample_participants: Path) -> None:
    rows = [BAD_ROWS["unknown theme"], BAD_ROWS["bad email"].replace("x-1", "x-2"),
            BAD_ROWS["duplicate id"]]  # fmt: skip
    data = sample_participants.read_bytes() + "\r\n".join(rows).encode() + b"\r\n"
    error = rejected(data)
    assert [e.line for e in error.errors] == [122, 123, 124]
    assert count(Participant) == 0


# Bad input that once crashed the import (issue #9): each is a row error and writes nothing.

HEADER = "id,kind,name,organisation,organisation_type,role_title,email,country,city,languages,themes,description,max_meetings"


def person(id_: str, email: str, kind: str = "partner", **changes: str) -> str:
    cells = {"id": id_, "kind": kind, "name": "A", "organisation": "B",
             "organisation_type": "company" if kind == "partner" else "municipality",
             "role_title": "R", "email": email, "country": "MX", "city": "Puebla",
             "languages": "es", "themes": "urban-mobility", "description": "d",
             "max_meetings": ""} | changes  # fmt: skip
    return ",".join(cells.values())


def csv_file(*rows: str) -> bytes:
    return "\r\n".join([HEADER, *rows, ""]).encode()


def stored() -> list[tuple[str, str, str, int | None]]:
    query = db.select(Participant.external_id, Participant.email, Participant.name,
                      Participant.max_meetings).order_by(Participant.external_id)  # fmt: skip
    return [tuple(row) for row in db.session.execute(query)]


def test_two_participants_can_swap_their_emails(app_ctx: Flask) -> None:
    import_file(csv_file(person("p-1", "one@example.org"), person("p-2", "two@example.org"),
                         person("p-3", "three@example.org")))  # fmt: skip
    summary = import_file(csv_file(person("p-1", "two@example.org"),
                                   person("p-2", "one@example.org")))  # fmt: skip
    assert summary.updated["partner"] == 2
    assert [(p[0], p[1]) for p in stored()] == [
        ("p-1", "two@example.org"),
        ("p-2", "one@example.org"),
        ("p-3", "three@example.org"),
    ]
    # A chain: p-3 takes p-1's address, p-1 p-2's, p-2 a new one; and a new p-4 takes p-3's.
    import_file(csv_file(person("p-3", "two@example.org"), person("p-1", "one@example.org"),
                         person("p-2", "four@example.org"),
                         person("p-4", "three@example.org")))  # fmt: skip
    assert [(p[0], p[1]) for p in stored()] == [
        ("p-1", "one@example.org"), ("p-2", "four@example.org"),
        ("p-3", "two@example.org"), ("p-4", "three@example.org"),
    ]  # fmt: skip


def test_an_email_held_by_a_participant_not_in_the_file_is_a_row_error(app_ctx: Flask) -> None:
    import_file(csv_file(person("p-1", "one@example.org"), person("p-2", "two@example.org")))
    before = stored()
    error = rejected(csv_file(person("p-1", "TWO@example.org")))
    assert [(e.line, e.column, e.code) for e in error.errors] == [(2, "email", "email_taken")]
    assert error.errors[0].params == {"value": "TWO@example.org", "owner": "p-2"}
    assert stored() == before


@pytest.mark.parametrize(
    ("row", "column", "code"),
    [
        (person("p-9", "n@example.org", max_meetings="99999999999999999999"), "max_meetings",
         "too_many_meetings"),
        (person("p-9", "n@example.org", max_meetings="²"), "max_meetings", "not_whole_number"),
        (person("p-9", "n@example.org", max_meetings="٣"), "max_meetings", "not_whole_number"),
        (person("x" * 300, "n@example.org"), "id", "too_long"),
        (person("p-9", "n@example.org", name="N" * 201), "name", "too_long"),
        (person("p-9", "n@example.org", organisation="O" * 131_000), "organisation", "too_long"),
        (person("p-9", "n@example.org", description="D" * 5001), "description", "too_long"),
        (person("p-9", "n@example.org", name='"Ana\nRuiz"'), "name", "hidden_character"),
        (person("p-9", "n@example.org", city="Puebla\x1b"), "city", "hidden_character"),
    ],
)  # fmt: skip
def test_values_the_database_cannot_hold_are_row_errors(
    app_ctx: Flask, row: str, column: str, code: str
) -> None:
    import_file(csv_file(person("p-1", "one@example.org")))
    before = stored()
    error = rejected(csv_file(person("p-1", "one@example.org", name="Changed"), row))
    assert [(e.line, e.column, e.code) for e in error.errors] == [(3, column, code)]
    assert stored() == before and count(Participant) == 1


def test_slots_beyond_the_event_are_a_row_error_as_data(app_ctx: Flask) -> None:
    event = events.get_or_create_event()
    event.days = ["2032-03-10"]
    header = HEADER.replace(",max_meetings", ",unavailable")  # the last column: slots
    row = person("p-1", "one@example.org", max_meetings="2;40;90")
    error = rejected(f"{header}\r\n{row}\r\n".encode())
    [problem] = error.errors
    assert (problem.column, problem.code) == ("unavailable", "no_such_slot")
    assert str(problem).endswith(f"slot(s) [40, 90] do not exist (the event has "
                                 f"{event.calendar().num_slots} slots)")  # fmt: skip


def test_import_limits_agree_with_the_participant_table() -> None:
    from matchmaker.domain.importing import MAX_LENGTHS
    from matchmaker.domain.vocabulary import KINDS, ORGANISATION_TYPES
    from matchmaker.services.profiles import DESCRIPTION_MAX

    columns = Participant.__table__.c
    for file_column, limit in MAX_LENGTHS.items():
        column = columns["external_id" if file_column == "id" else file_column]
        assert getattr(column.type, "length", None) == (
            None if file_column == "description" else limit
        )
    assert MAX_LENGTHS["description"] == DESCRIPTION_MAX  # what the profile page allows
    # The other text columns hold codes from fixed lists, each of which fits.
    assert max(map(len, KINDS)) <= columns["kind"].type.length
    types = [t for group in ORGANISATION_TYPES.values() for t in group]
    assert max(map(len, types)) <= columns["organisation_type"].type.length
    assert columns["country"].type.length == 2
    sized = {c.name for c in columns if getattr(c.type, "length", None)}
    assert sized == {"external_id", "kind", "name", "organisation", "organisation_type",
                     "role_title", "email", "country", "city"}  # fmt: skip
