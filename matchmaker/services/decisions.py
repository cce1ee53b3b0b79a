"""Organiser decisions on suggestions; every one goes to the audit log."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select

from matchmaker import background
from matchmaker.extensions import db
from matchmaker.models import BlockedPair, Event, MatchSuggestion, Meeting, Participant, User
from matchmaker.orm import utcnow
from matchmaker.services import audit

DECISIONS = ("approved", "rejected", "suggested")
#: The weight of a pair added by hand when the organiser gives none: a strong suggestion.
MANUAL_SCORE = 80.0


class DecisionError(ValueError):
    """A decision the rules refuse (a blocked pair, a pair of the wrong kinds...)."""


class PairBlocked(DecisionError):
    pass


def blocked_pairs(event: Event) -> set[tuple[int, int]]:
    """The event's blocked (government id, partner id) pairs."""
    query = db.select(BlockedPair.government_id, BlockedPair.partner_id).where(
        BlockedPair.event_id == event.id
    )
    return {(g, p) for g, p in db.session.execute(query).all()}


def suggestion_is_blocked() -> ColumnElement[bool]:
    """An SQL condition on MatchSuggestion rows: an organiser blocked the pair."""
    return (
        db.select(BlockedPair.id)
        .where(
            BlockedPair.government_id == MatchSuggestion.government_id,
            BlockedPair.partner_id == MatchSuggestion.partner_id,
        )
        .exists()
    )


def list_blocks(event: Event) -> list[BlockedPair]:
    """The event's blocks, newest first."""
    query = db.select(BlockedPair).where(BlockedPair.event_id == event.id)
    return list(db.session.execute(query.order_by(BlockedPair.created_at.desc())).scalars())


def get_block(government_id: int, partner_id: int) -> BlockedPair | None:
    query = db.select(BlockedPair).where(
        BlockedPair.government_id == government_id, BlockedPair.partner_id == partner_id
    )
    return db.session.execute(query).scalar_one_or_none()


def find_suggestion(event_id: int, government_id: int, partner_id: int) -> MatchSuggestion | None:
    """The event's suggestion for this pair, whatever its status."""
    query = db.select(MatchSuggestion).where(
        MatchSuggestion.event_id == event_id,
        MatchSuggestion.government_id == government_id,
        MatchSuggestion.partner_id == partner_id,
    )
    return db.session.execute(query).scalar_one_or_none()


def decide(suggestion: MatchSuggestion, status: str, actor: User | None) -> None:
    """Approve, reject or reopen one suggestion; a blocked pair cannot be approved. A pair
    approved after the schedule is out gets a meeting (``book_late_approvals``)."""
    blocked = get_block(suggestion.government_id, suggestion.partner_id) is not None
    previous = suggestion.status
    approved_now = _apply_decision(suggestion, status, actor, blocked)
    audit.record_many([_decision_entry(suggestion, actor, previous)])
    db.session.flush()
    if approved_now:
        book_late_approvals(suggestion.event_id, [suggestion])


def _apply_decision(
    suggestion: MatchSuggestion, status: str, actor: User | None, blocked: bool
) -> bool:
    """``decide`` without the log, the flush and the booking; True when the pair has just
    been approved. PairBlocked, changing nothing, for approving a blocked pair."""
    if status not in DECISIONS:
        raise ValueError(f"unknown decision {status!r}")
    if status == "approved" and blocked:
        raise PairBlocked(f"suggestion {suggestion.id} is a blocked pair")
    previous = suggestion.status
    _set_status(suggestion, status, actor)
    return status == "approved" and previous != "approved"


def _decision_entry(
    suggestion: MatchSuggestion, actor: User | None, previous: str
) -> dict[str, object]:
    return audit.entry_values(f"suggestion.{suggestion.status}", actor=actor,
                              event_id=suggestion.event_id, target=suggestion,
                              previous=previous, score=suggestion.score)  # fmt: skip


def decide_many(
    event: Event, suggestion_ids: Iterable[int], status: str, actor: User | None
) -> tuple[int, int]:
    """Decide a selection of the event's suggestions; returns (decided, skipped as blocked)."""
    ids = sorted(set(suggestion_ids))
    if not ids:
        return 0, 0
    query = db.select(MatchSuggestion).where(
        MatchSuggestion.event_id == event.id, MatchSuggestion.id.in_(ids)
    )
    blocked = blocked_pairs(event)
    decided = skipped = 0
    newly_approved, entries = [], []
    for suggestion in db.session.execute(query.order_by(MatchSuggestion.id)).scalars():
        pair, previous = (suggestion.government_id, suggestion.partner_id), suggestion.status
        try:
            approved_now = _apply_decision(suggestion, status, actor, pair in blocked)
        except PairBlocked:
            skipped += 1
        else:
            decided += 1
            entries.append(_decision_entry(suggestion, actor, previous))
            if approved_now:
                newly_approved.append(suggestion)
    db.session.flush()  # once for the whole selection
    audit.record_many(entries)
    book_late_approvals(event.id, newly_approved)
    return decided, skipped


@dataclass(frozen=True)
class ApprovalPreview:
    """What approving every pending suggestion from a score would do, before it is done."""

    pairs: int
    officials: int
    partners: int
    #: the schedule is out: each pair is booked into a free slot and both sides are invited
    books_now: bool


def approve_above_preview(event: Event, min_score: float) -> ApprovalPreview:
    """The pairs ``approve_above`` would approve, counted in SQL, and what follows from it."""
    pending = _approvable_above(event, min_score).subquery()
    counts = db.select(
        db.func.count(),
        db.func.count(db.distinct(pending.c.government_id)),
        db.func.count(db.distinct(pending.c.partner_id)),
    )
    pairs, officials, partners = db.session.execute(counts).one()
    return ApprovalPreview(pairs, officials, partners, schedule_is_published(event.id))


def approve_above(event: Event, min_score: float, actor: User | None) -> int:
    """Approve every undecided, unblocked suggestion scoring at least ``min_score``."""
    query = _approvable_above(event, min_score).order_by(MatchSuggestion.id)
    suggestions = list(db.session.execute(query).scalars())
    for suggestion in suggestions:
        _set_status(suggestion, "approved", actor)
    audit.record("suggestions.approved-above", actor=actor, event_id=event.id,
                 min_score=min_score, count=len(suggestions),
                 suggestion_ids=[s.id for s in suggestions])  # fmt: skip
    db.session.flush()
    book_late_approvals(event.id, suggestions)
    return len(suggestions)


def _approvable_above(event: Event, min_score: float) -> Select[tuple[MatchSuggestion]]:
    return db.select(MatchSuggestion).where(
        MatchSuggestion.event_id == event.id,
        MatchSuggestion.status == "suggested",
        MatchSuggestion.score >= min_score,
        ~suggestion_is_blocked(),
    )


def add_pair(
    event: Event,
    government: Participant,
    partner: Participant,
    actor: User | None,
    score: float | None = None,
) -> MatchSuggestion:
    """Approve a pair chosen by hand (source "manual"); an existing suggestion is approved.

    Two organisers adding a new pair at once: the unique index on the event's pair refuses
    the second INSERT (IntegrityError at the flush); run again, it approves the first's row."""
    _check_pair(event, government, partner)
    if get_block(government.id, partner.id):
        raise PairBlocked(f"{government.external_id}–{partner.external_id} is blocked")
    suggestion = find_suggestion(event.id, government.id, partner.id)
    if suggestion is None:
        suggestion = MatchSuggestion(
            event_id=event.id,
            government_id=government.id,
            partner_id=partner.id,
            score=MANUAL_SCORE if score is None else score,
            source="manual",
            reasons=[{"code": "manual", "text": "added by an organiser", "data": {}}],
        )
        db.session.add(suggestion)
        db.session.flush()
    elif score is not None:
        suggestion.score = score
    previous = suggestion.status
    _set_status(suggestion, "approved", actor)
    audit.record("suggestion.added", actor=actor, event_id=event.id, target=suggestion,
                 previous=previous, score=suggestion.score, source=suggestion.source,
                 government=government.external_id, partner=partner.external_id)  # fmt: skip
    db.session.flush()
    if previous != "approved":
        book_late_approvals(event.id, [suggestion])
    return suggestion


def block_pair(
    event: Event, government: Participant, partner: Participant, reason: str, actor: User | None
) -> BlockedPair:
    """Forbid a pair for good: it is never suggested, approved or scheduled again.

    Its suggestion, if any, is rejected. A meeting already booked is left to the organiser
    (cancelling it is a separate, visible decision). Blocking a blocked pair updates the reason;
    so does the loser of two blocks at once, run again after its IntegrityError.
    """
    _check_pair(event, government, partner)
    block = get_block(government.id, partner.id)
    if block is None:
        block = BlockedPair(
            event_id=event.id,
            government_id=government.id,
            partner_id=partner.id,
            reason=reason,
            created_by_id=actor.id if actor is not None else None,
        )
        db.session.add(block)
    else:
        block.reason = reason
    db.session.flush()
    suggestion = find_suggestion(event.id, government.id, partner.id)
    if suggestion is not None and suggestion.status != "rejected":
        _set_status(suggestion, "rejected", actor)
    audit.record("pair.blocked", actor=actor, event_id=event.id, target=block, reason=reason,
                 government=government.external_id, partner=partner.external_id)  # fmt: skip
    db.session.flush()
    return block


def unblock_pair(block: BlockedPair, actor: User | None) -> None:
    """Lift a block; the pair's suggestion stays rejected until someone decides again."""
    audit.record("pair.unblocked", actor=actor, event_id=block.event_id, target=block,
                 government_id=block.government_id, partner_id=block.partner_id,
                 reason=block.reason)  # fmt: skip
    db.session.delete(block)
    db.session.flush()


def _check_pair(event: Event, government: Participant, partner: Participant) -> None:
    if government.event_id != event.id or partner.event_id != event.id:
        raise DecisionError("both participants must belong to the event")
    if not government.is_government or partner.is_government:
        raise DecisionError("a pair is one official and one partner")


def book_late_approvals(event_id: int, suggestions: list[MatchSuggestion]) -> None:
    """Once the schedule is published, a pair approved later is booked by a worker (after the
    commit) into the best free slot, without moving anyone; before that, the next draft
    books it with the rest."""
    if suggestions and schedule_is_published(event_id):
        for suggestion in suggestions:
            background.enqueue("book_approved_pair", event_id, suggestion.government_id,
                               suggestion.partner_id)  # fmt: skip


def schedule_is_published(event_id: int) -> bool:
    query = db.select(Meeting.id).where(Meeting.event_id == event_id,
                                        Meeting.status == "published").limit(1)  # fmt: skip
    return db.session.execute(query).first() is not None


def _set_status(suggestion: MatchSuggestion, status: str, actor: User | None) -> None:
    suggestion.status = status
    suggestion.decided_by_id = actor.id if actor is not None else None
    suggestion.decided_at = utcnow()
