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
