"""The organisers' match list: the event's suggestions, best first, filtered and paged."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import Select, func, or_

from matchmaker.extensions import db
from matchmaker.models import Event, MatchSuggestion, Participant
from matchmaker.models.matching import SUGGESTION_PEOPLE, SUGGESTION_STATUSES
from matchmaker.services import decisions, interest_marks

PAGE_SIZE = 50
#: What the language filter can ask for: pairs who share a language, or who need an interpreter.
LANGUAGE_FILTERS = ("common", "interpreter")


@dataclass
class MatchFilters:
    """What the organiser narrowed the list to; empty values filter nothing."""

    theme: str = ""
    min_score: float | None = None
    status: str = ""  # a suggestion status, or "blocked"
    language: str = ""  # one of LANGUAGE_FILTERS
    #: Only pairs one side (or both) marked must-meet.
    wanted: bool = False
    page: int = 1


@dataclass
class MatchRow:
    suggestion: MatchSuggestion
    blocked: bool
    common_languages: list[str]
    #: Who of the two marked the pair must-meet (participant ids; empty: nobody).
    wanted_by: frozenset[int] = frozenset()


@dataclass
class MatchPage:
    rows: list[MatchRow]
    total: int
    page: int
    pages: int


def match_page(event: Event, filters: MatchFilters, size: int | None = None) -> MatchPage:
    """One page (PAGE_SIZE rows unless ``size``) of the suggestions that pass the filters,
    best first; a page past the end shows the last.

    The filters run on ids and a few columns of every suggestion; only the page's rows are
    loaded whole, with both sides, so a page costs the same queries for any event size.
    Without a theme or language filter, the database counts and cuts the page: no id of
    another page reaches Python.
    """
    size = size or PAGE_SIZE
    if filters.theme or filters.language:
        ids = _passing_ids(event, filters)
        total = len(ids)
        pages = max(1, -(-total // size))
        page = min(max(1, filters.page), pages)
        shown = ids[(page - 1) * size : page * size]
    else:
        query = _filtered_ids(event, filters)
        total = db.session.execute(
            db.select(func.count()).select_from(query.subquery())
        ).scalar_one()
        pages = max(1, -(-total // size))
        page = min(max(1, filters.page), pages)
        ordered = query.order_by(MatchSuggestion.score.desc(), MatchSuggestion.id)
        shown = list(db.session.execute(ordered.limit(size).offset((page - 1) * size)).scalars())
    return MatchPage(_rows(event, shown), total, page, pages)


def _filtered_ids(event: Event, filters: MatchFilters) -> Select[tuple[int, int, int]]:
    """Id, official and partner of the suggestions that pass the column filters (no order)."""
    query = select_suggestions(
        event,
        status=filters.status if filters.status in SUGGESTION_STATUSES else None,
        min_score=filters.min_score,
        must_meet=True if filters.wanted else None,
    ).with_only_columns(
        MatchSuggestion.id, MatchSuggestion.government_id, MatchSuggestion.partner_id
    )
    if filters.status == "blocked":
        query = query.where(decisions.suggestion_is_blocked())
    return query


def _passing_ids(event: Event, filters: MatchFilters) -> list[int]:
    """The ids of the suggestions that pass the filters, best first. Themes and languages
    live in JSON lists: compared here, on one read of the event's participants."""
    query = _filtered_ids(event, filters)
    query = query.order_by(MatchSuggestion.score.desc(), MatchSuggestion.id)
    candidates = db.session.execute(query).all()
    people = _themes_and_languages(event)
    return [
        row.id
        for row in candidates
        if _passes(people[row.government_id], people[row.partner_id], filters)
    ]


def select_suggestions(
    event: Event,
    *,
    status: str | None = None,
    min_score: float | None = None,
    participant_id: int | None = None,
    must_meet: bool | None = None,
) -> Select[tuple[MatchSuggestion]]:
    """The event's suggestions narrowed by columns (no order): a status, a lowest score, one
    participant's pairs, and pairs one side marked must-meet (True) or that nobody did
    (False). None filters nothing. The match list and the API read the event through it."""
    query = db.select(MatchSuggestion).where(MatchSuggestion.event_id == event.id)
    if status is not None:
        query = query.where(MatchSuggestion.status == status)
    if min_score is not None:
        query = query.where(MatchSuggestion.score >= min_score)
    if participant_id is not None:
        query = query.where(
            or_(
                MatchSuggestion.government_id == participant_id,
                MatchSuggestion.partner_id == participant_id,
            )
        )
    if must_meet is not None:
        wanted = interest_marks.suggestion_is_wanted()
        query = query.where(wanted if must_meet else ~wanted)
    return query


class _Side(NamedTuple):
    themes: list[str]
    languages: list[str]


def _themes_and_languages(event: Event) -> dict[int, _Side]:
    query = db.select(Participant.id, Participant.themes, Participant.languages).where(
        Participant.event_id == event.id
    )
    return {row.id: _Side(row.themes, row.languages) for row in db.session.execute(query)}


def _passes(government: _Side, partner: _Side, filters: MatchFilters) -> bool:
    if filters.theme and filters.theme not in (*government.themes, *partner.themes):
        return False
    shared = set(government.languages) & set(partner.languages)
    if filters.language == "common":
        return bool(shared)
    if filters.language == "interpreter":
        return not shared
    return True


def _rows(event: Event, ids: list[int]) -> list[MatchRow]:
    """The page's suggestions, in the order of ``ids``, with both sides loaded."""
    if not ids:
        return []
    query = db.select(MatchSuggestion).where(MatchSuggestion.id.in_(ids))
    loaded = {s.id: s for s in db.session.execute(query.options(*SUGGESTION_PEOPLE)).scalars()}
    blocked = decisions.blocked_pairs(event)
    wanted = interest_marks.wanted_by((s.government_id, s.partner_id) for s in loaded.values())
    rows = []
    for suggestion in (loaded[i] for i in ids if i in loaded):
        government, partner = suggestion.government, suggestion.partner
        common = [lang for lang in government.languages if lang in partner.languages]
        pair = (government.id, partner.id)
        authors = frozenset(wanted.get(pair, ()))
        rows.append(MatchRow(suggestion, pair in blocked, common, authors))
    return rows
