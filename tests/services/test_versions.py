"""An event's data version (services.versions) changes with every change its parts cover."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import event as sql_event

from matchmaker import page_cache
from matchmaker.extensions import db
from matchmaker.models import Participant
from matchmaker.services.versions import data_version, kept_while_unchanged
from tests.factories import approve, create_event, create_participant


def test_swapping_approvals_with_equal_counts_and_id_sums_changes_the_version(
    app_ctx: Flask,
) -> None:
    event = create_event()
    official = create_participant(event)
    pairs = [approve(event, official, create_participant(event, "partner")) for _ in range(4)]
    for suggestion in (pairs[0], pairs[3]):
        suggestion.status = "suggested"
    db.session.commit()
    before = data_version(event, ["approvals"])
    # ids a+1 and a+2 approved, then a and a+3: the same count and the same sum of ids
    for suggestion, status in zip(
        pairs, ("approved", "suggested", "suggested", "approved"), strict=True
    ):
        suggestion.status = status
    db.session.commit()
    assert data_version(event, ["approvals"]) != before


def test_a_second_edit_within_a_second_changes_the_version(app_ctx: Flask) -> None:
    # 2,000 rows: a sum of their julianday floats would not see a few milliseconds
    event = create_event()
    people = [create_participant(event) for _ in range(2000)]
    db.session.commit()
    before = data_version(event, ["participants"])
    person = db.session.get(Participant, people[17].id)
    assert person is not None
    person.name = "Otra Persona"
    db.session.commit()
    middle = data_version(event, ["participants"])
    person.name = "Una Tercera"
    db.session.commit()
    assert len({before, middle, data_version(event, ["participants"])}) == 3


def test_while_nothing_is_written_a_version_reads_one_row(app_ctx: Flask) -> None:
    event = create_event()
    people = [create_participant(event) for _ in range(3)]
    db.session.commit()
    first = data_version(event, ["participants", "meetings"])
    statements: list[str] = []

    def note(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    sql_event.listen(db.engine, "before_cursor_execute", note)
    try:
        assert data_version(event, ["participants", "meetings"]) == first
    finally:
        sql_event.remove(db.engine, "before_cursor_execute", note)
    assert len(statements) == 1 and "data_revision" in statements[0]
    db.session.get_one(Participant, people[1].id).name = "Otro Nombre"  # the scan again
    db.session.commit()
    assert data_version(event, ["participants", "meetings"]) != first


def test_a_value_that_saw_writes_not_yet_committed_is_not_kept(app_ctx: Flask) -> None:
    event = create_event()
    person = create_participant(event)
    db.session.commit()

    def names() -> list[str]:
        return list(db.session.execute(db.select(Participant.name)).scalars())

    committed = kept_while_unchanged("names", names)
    db.session.get_one(Participant, person.id).name = "Nunca Guardado"
    db.session.flush()
    assert "Nunca Guardado" in kept_while_unchanged("names", names)  # this transaction sees it
    db.session.rollback()
    assert kept_while_unchanged("names", names) == committed


def test_a_change_made_outside_the_product_shows_once_the_value_is_old(
    app_ctx: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    event = create_event()
    person = create_participant(event)
    db.session.commit()

    def names() -> list[str]:
        return list(db.session.execute(db.select(Participant.name)).scalars())

    kept_while_unchanged("names", names)
    db.session.rollback()
    with db.engine.begin() as connection:  # by hand: the data's revision stays where it was
        connection.execute(
            db.update(Participant).where(Participant.id == person.id).values(name="A Mano")
        )
    assert "A Mano" not in kept_while_unchanged("names", names)
    db.session.rollback()
    monkeypatch.setattr(page_cache, "MAX_AGE", -1)
    assert "A Mano" in kept_while_unchanged("names", names)
