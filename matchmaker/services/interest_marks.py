"""Must-meet and not-interested marks: set, clear, read, and their effect on suggestions.

A must-meet mark counts as explicit interest in the pair, exactly as a request does
(:func:`must_meet_authors`, read by ``services.matching.match_rules``); a not-interested mark
hides the other participant from the author's own suggestions (:func:`not_dismissed_by`).
Marking again replaces the mark: there is one per author and other participant, and the
unique constraint settles two clicks racing (``matchmaker.transactions.commit_or_rerun``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import and_, exists, or_

from matchmaker.extensions import db
from matchmaker.models import Event, InterestMark, Mark, MatchSuggestion, Participant


class MarkError(Exception):
    """The other participant may not be marked by this one (same side or another event)."""


def may_mark(participant: Participant, other: Participant) -> bool:
    """Officials mark partners and partners officials, within one event."""
    return participant.event_id == other.event_id and participant.kind != other.kind


def get_mark(participant: Participant, other_id: int) -> str | None:
    """The participant's mark on ``other_id``, if any."""
    query = db.select(InterestMark.mark).where(
        InterestMark.participant_id == participant.id, InterestMark.other_id == other_id
    )
    return db.session.execute(query).scalar_one_or_none()


def marks_of(participant: Participant, other_ids: Iterable[int]) -> dict[int, str]:
    """The participant's marks on ``other_ids`` (one query), by the other's id."""
    ids = list(other_ids)
    if not ids:
        return {}
    query = db.select(InterestMark.other_id, InterestMark.mark).where(
        InterestMark.participant_id == participant.id, InterestMark.other_id.in_(ids)
    )
    return {row.other_id: row.mark for row in db.session.execute(query)}


def set_mark(participant: Participant, other: Participant, mark: Mark | None) -> bool:
    """Mark ``other`` (or clear the mark with None); flushes. Returns whether the pair's
    must-meet changed, i.e. whether the suggestions need recomputing.

    Raises MarkError when ``other`` is not of the other side of the same event. A mark a
    concurrent click inserted first fails the flush with IntegrityError; run again, this
    updates it.
    """
    if not may_mark(participant, other):
        raise MarkError
    query = db.select(InterestMark).where(
        InterestMark.participant_id == participant.id, InterestMark.other_id == other.id
    )
    row = db.session.execute(query).scalar_one_or_none()
    before = row.mark if row else None
    if mark is None:
        if row is not None:
            db.session.delete(row)
    elif row is None:
        db.session.add(InterestMark(event_id=participant.event_id, participant_id=participant.id,
                                    other_id=other.id, mark=mark.value))  # fmt: skip
    else:
        row.mark = mark.value
    db.session.flush()
    return (before == Mark.MUST_MEET) != (mark == Mark.MUST_MEET)


def must_meet_authors(event: Event) -> list[tuple[int, int, int]]:
    """(author id, government id, partner id) of every must-meet mark of the event."""
    query = db.select(InterestMark.participant_id, InterestMark.other_id, Participant.kind).join(
        Participant, Participant.id == InterestMark.participant_id
    )
    query = query.where(InterestMark.event_id == event.id, InterestMark.mark == Mark.MUST_MEET)
    return [
        (author, author, other) if kind == "government" else (author, other, author)
        for author, other, kind in db.session.execute(query)
    ]


def not_dismissed_by(participant: Participant, other_column: Any) -> Any:
    """A condition: the participant has not marked ``other_column``'s participant as not
    interesting (for the suggestions list's query)."""
    return ~exists().where(
        InterestMark.participant_id == participant.id,
        InterestMark.other_id == other_column,
        InterestMark.mark == Mark.NOT_INTERESTED,
    )


def _marked_pair(author: Any, other: Any) -> Any:
    return and_(InterestMark.participant_id == author, InterestMark.other_id == other)


def suggestion_is_wanted() -> Any:
    """A condition on MatchSuggestion: one side (or both) marked the pair must-meet."""
    return exists().where(
        InterestMark.mark == Mark.MUST_MEET,
        or_(
            _marked_pair(MatchSuggestion.government_id, MatchSuggestion.partner_id),
            _marked_pair(MatchSuggestion.partner_id, MatchSuggestion.government_id),
        ),
    )


def wanted_by(pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], set[int]]:
    """For (government id, partner id) pairs, who of the two marked the pair must-meet (one
    query over the participants involved)."""
    pairs = list(pairs)
    people = {person for pair in pairs for person in pair}
    if not people:
        return {}
    query = db.select(InterestMark.participant_id, InterestMark.other_id).where(
        InterestMark.mark == Mark.MUST_MEET,
        InterestMark.participant_id.in_(people),
        InterestMark.other_id.in_(people),
    )
    marked = {(row.participant_id, row.other_id) for row in db.session.execute(query)}
    found: dict[tuple[int, int], set[int]] = {}
    for government, partner in pairs:
        authors = {a for a, b in ((government, partner), (partner, government)) if (a, b) in marked}
        if authors:
            found[government, partner] = authors
    return found


def list_dismissed(participant: Participant) -> list[Participant]:
    """The people the participant marked not interested, by name (to undo from a list)."""
    query = (
        db.select(Participant)
        .join(InterestMark, InterestMark.other_id == Participant.id)
        .where(
            InterestMark.participant_id == participant.id,
            InterestMark.mark == Mark.NOT_INTERESTED,
        )
        .order_by(Participant.name, Participant.id)
    )
    return list(db.session.execute(query).scalars())
