"""Organiser decisions on suggestions; every one goes to the audit log."""

from __future__ import annotations

from matchmaker.extensions import db
from matchmaker.models import Event, MatchSuggestion, User
from matchmaker.orm import utcnow
from matchmaker.services import audit


def decide(suggestion: MatchSuggestion, status: str, actor: User | None) -> None:
    """Approve or reject one suggestion."""
    if status not in ("approved", "rejected", "suggested"):
        raise ValueError(f"unknown decision {status!r}")
    previous = suggestion.status
    suggestion.status = status
    suggestion.decided_by_id = actor.id if actor is not None else None
    suggestion.decided_at = utcnow()
    audit.record(f"suggestion.{status}", actor=actor, event_id=suggestion.event_id,
                 target=suggestion, previous=previous, score=suggestion.score)  # fmt: skip
    db.session.flush()


def approve_above(event: Event, min_score: float, actor: User | None) -> int:
    """Approve every undecided suggestion scoring at least ``min_score``; returns how many."""
    query = db.select(MatchSuggestion).where(
        MatchSuggestion.event_id == event.id,
        MatchSuggestion.status == "suggested",
        MatchSuggestion.score >= min_score,
    )
    suggestions = list(db.session.execute(query).scalars())
    for suggestion in suggestions:
        suggestion.status = "approved"
        suggestion.decided_by_id = actor.id if actor is not None else None
        suggestion.decided_at = utcnow()
    audit.record("suggestions.approved-above", actor=actor, event_id=event.id,
                 min_score=min_score, count=len(suggestions))  # fmt: skip
    db.session.flush()
    return len(suggestions)
