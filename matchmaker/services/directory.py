"""The directory of the other side: search, filters and pages, all in SQL.

An event may hold 20,000 participants: a page loads its own rows only, and the count and the
country list are computed by the database. Themes and languages live in JSON lists, matched
as their quoted item in the list's text (``["es", "pt"]`` holds ``"pt"``), which both SQLite
and PostgreSQL do with LIKE, on values checked against the vocabularies first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, cast, exists, func, or_

from matchmaker.domain.vocabulary import (
    GOVERNMENT,
    LANGUAGE_CODES,
    ORGANISATION_TYPES,
    PARTNER,
    THEMES,
)
from matchmaker.extensions import db
from matchmaker.models import InterestMark, Mark, Participant
from matchmaker.services.interest_marks import may_mark
from matchmaker.text_search import contains_folded

PAGE_SIZE = 20
#: Longer search words are cut: nobody's name or organisation is longer than a column holds.
QUERY_MAX = 100


@dataclass
class DirectoryFilters:
    """What the reader searched for; empty values filter nothing."""

    query: str = ""
    organisation_type: str = ""
    theme: str = ""
    language: str = ""
    country: str = ""
    #: Only the people the reader marked so (a Mark value).
    marked: str = ""
    page: int = 1

    def cleaned(self, reader: Participant) -> DirectoryFilters:
        """The filters with every value the vocabularies do not know dropped, so that any
        query string gives a page (never an error); the search text without NUL characters,
        which PostgreSQL refuses in a string."""
        other_types = ORGANISATION_TYPES[other_kind(reader)]
        return DirectoryFilters(
            query=" ".join(self.query.replace("\x00", "").split())[:QUERY_MAX],
            organisation_type=self.organisation_type if self.organisation_type in other_types
            else "",
            theme=self.theme if self.theme in THEMES else "",
            language=self.language if self.language in LANGUAGE_CODES else "",
            country=self.country.upper() if _is_country(self.country) else "",
            marked=self.marked if self.marked in set(Mark) else "",
            page=max(1, self.page),
        )  # fmt: skip


@dataclass
class DirectoryPage:
    people: list[Participant]
    total: int
    page: int
    pages: int


def other_kind(reader: Participant) -> str:
    return PARTNER if reader.kind == GOVERNMENT else GOVERNMENT


def _is_country(code: str) -> bool:
    return len(code) == 2 and code.isascii() and code.isalpha()


def _holds(json_list: Any, item: str) -> Any:
    """A JSON list of strings holds ``item`` (a vocabulary value: no quotes or wildcards)."""
    return cast(json_list, String).like(f'%"{item}"%')


def _where(reader: Participant, filters: DirectoryFilters) -> list[Any]:
    conditions = [Participant.event_id == reader.event_id, Participant.kind == other_kind(reader)]
    for word in filters.query.split():
        conditions.append(
            or_(
                contains_folded(Participant.name, word),
                contains_folded(Participant.organisation, word),
            )
        )
    if filters.organisation_type:
        conditions.append(Participant.organisation_type == filters.organisation_type)
    if filters.theme:
        conditions.append(_holds(Participant.themes, filters.theme))
    if filters.language:
        conditions.append(_holds(Participant.languages, filters.language))
    if filters.country:
        conditions.append(Participant.country == filters.country)
    if filters.marked:
        conditions.append(
            exists().where(
                InterestMark.participant_id == reader.id,
                InterestMark.other_id == Participant.id,
                InterestMark.mark == filters.marked,
            )
        )
    return conditions


def directory_page(
    reader: Participant, filters: DirectoryFilters, size: int = PAGE_SIZE
) -> DirectoryPage:
    """One page of the other side of the reader's event that passes ``filters`` (cleaned
    first), by name; a page past the end shows the last. Two queries whatever the event's size.
    """
    filters = filters.cleaned(reader)
    conditions = _where(reader, filters)
    total = db.session.execute(
        db.select(func.count()).select_from(Participant).where(*conditions)
    ).scalar_one()
    pages = max(1, -(-total // size))
    page = min(filters.page, pages)
    query = (
        db.select(Participant)
        .where(*conditions)
        .order_by(func.lower(Participant.name), Participant.id)
        .limit(size)
        .offset((page - 1) * size)
    )
    return DirectoryPage(list(db.session.execute(query).scalars()), total, page, pages)


def directory_countries(reader: Participant) -> list[str]:
    """The countries the other side comes from (codes), for the country filter."""
    query = (
        db.select(Participant.country)
        .where(Participant.event_id == reader.event_id, Participant.kind == other_kind(reader))
        .distinct()
        .order_by(Participant.country)
    )
    return [code for code in db.session.execute(query).scalars() if code]


def get_counterpart(reader: Participant, other_id: int) -> Participant | None:
    """Someone of the other side of the reader's event, or None (unknown, same side, or
    another event: the pages answer 404 alike)."""
    other = db.session.get(Participant, other_id)
    return other if other is not None and may_mark(reader, other) else None
