"""Participants added, edited and found one at a time, against a real database."""

from __future__ import annotations

import pytest
from flask import Flask

from matchmaker.domain.importing import ImportRejected
from matchmaker.extensions import db
from matchmaker.services import participant_admin
from matchmaker.services.participant_admin import Ambiguous, NoMatch, ParticipantFilters
from tests.factories import create_event, create_participant

GOOD = {
    "id": "p-1", "kind": "partner", "name": "Ana", "organisation": "Aguas SA",
    "organisation_type": "company", "role_title": "CEO", "email": "ana@example.org",
    "country": "MX", "city": "Puebla", "languages": "es", "themes": "public-services",
    "description": "Agua.",
}  # fmt: skip


def test_a_row_is_checked_by_the_import_rules_and_errors_name_their_column(app_ctx: Flask):
    event = create_event()
    with pytest.raises(ImportRejected) as info:
        participant_admin.save_participant(event, None, GOOD | {"country": "ZZ", "themes": "x"},
                                           None)  # fmt: skip
    assert {(e.column, e.code) for e in info.value.errors} == {
        ("country", "unknown_country"), ("themes", "unknown_theme")}  # fmt: skip
    created, changed = participant_admin.save_participant(event, None, GOOD, None)
    assert created.id and "themes" in changed and event.suggestions_requested_at is not None
    db.session.commit()
    # Renaming keeps the email its own; another's id is refused.
    other = create_participant(event, "partner")
    _, changed = participant_admin.save_participant(event, created, GOOD | {"id": "p-2"}, None)
    assert changed == {"id"}
    with pytest.raises(ImportRejected) as taken:
        participant_admin.save_participant(event, created, GOOD | {"id": other.external_id},
                                           None)  # fmt: skip
    assert [e.code for e in taken.value.errors] == ["id_taken"]


def test_the_page_filters_in_sql_and_the_picker_resolves_text(app_ctx: Flask) -> None:
    event = create_event()
    ana = create_participant(event, "partner", name="Ana Ruiz", languages=["pt", "es"])
    create_participant(event, "partner", name="Anabel Díaz", themes=["public-services"])
    create_participant(event, "government", name="Ana Gómez", country="BR")
    page = participant_admin.participant_page(event, ParticipantFilters(search="ana"), 1, 2)
    assert (page.matching, page.pages, len(page.rows)) == (3, 2, 2)
    typed_plain = participant_admin.participant_page(
        event, ParticipantFilters(search="GOMEZ"), 1, 2
    )
    assert [p.name for p in typed_plain.rows] == ["Ana Gómez"]  # accents and case aside
    only = ParticipantFilters(kind="partner", language="pt")
    assert participant_admin.participant_page(event, only, 1, 10).rows == [ana]
    assert participant_admin.participant_page(event, ParticipantFilters(country="BR"), 1, 10)
    assert participant_admin.resolve_participant(event, "partner", None, "ana ruiz") == ana
    assert participant_admin.resolve_participant(event, "partner", ana.id, "") == ana
    with pytest.raises(Ambiguous):
        participant_admin.resolve_participant(event, "partner", None, "Ana")
    with pytest.raises(NoMatch):  # the right name, the wrong kind
        participant_admin.resolve_participant(event, "government", ana.id, "Ana Ruiz")
