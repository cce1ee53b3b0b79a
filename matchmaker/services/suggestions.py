"""What a participant is offered: their suggestions, best first."""

from __future__ import annotations

from sqlalchemy import or_

from matchmaker.extensions import db
from matchmaker.models import MatchSuggestion, Participant
from matchmaker.models.matching import SUGGESTION_PEOPLE
from matchmaker.services.decisions import suggestion_is_blocked


def list_suggestions(participant: Participant, theme: str | None = None) -> list[MatchSuggestion]:
    """The participant's suggestions, best first: not rejected, not blocked, optionally only
    counterparts working on ``theme``."""
    if participant.is_government:
        mine, rank = MatchSuggestion.government_id, MatchSuggestion.rank_for_government
    else:
        mine, rank = MatchSuggestion.partner_id, MatchSuggestion.rank_for_partner
    query = db.select(MatchSuggestion).where(
        mine == participant.id,
        MatchSuggestion.status != "rejected",
        or_(rank.is_not(None), MatchSuggestion.status == "approved"),
        ~suggestion_is_blocked(),
    )
    rows = db.session.execute(
        query.options(*SUGGESTION_PEOPLE).order_by(
            rank.is_(None), rank, MatchSuggestion.score.desc()
        )
    ).scalars()
    suggestions = list(rows)
    if theme:
        suggestions = [s for s in suggestions if theme in counterpart(s, participant).themes]
    return suggestions


def counterpart(suggestion: MatchSuggestion, participant: Participant) -> Participant:
    return suggestion.partner if participant.is_government else suggestion.government
