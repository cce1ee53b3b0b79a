"""What a participant is offered: their suggestions, best first, and how strong each is."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_

from matchmaker.domain.matching import Strength
from matchmaker.extensions import db
from matchmaker.models import MatchSuggestion, Participant
from matchmaker.models.matching import SUGGESTION_PEOPLE
from matchmaker.services.decisions import suggestion_is_blocked
from matchmaker.services.interest_marks import not_dismissed_by
from matchmaker.services.matching import STRENGTH_CODE

#: Stored reasons saying someone asked for the meeting: such a pair is shown whatever its fit.
INTEREST_CODES = frozenset({"interest", "mutual-interest"})


def list_suggestions(participant: Participant, theme: str | None = None) -> list[MatchSuggestion]:
    """The participant's suggestions, best first: not rejected, not blocked, not marked "not
    interested" by the participant, optionally only counterparts working on ``theme``."""
    if participant.is_government:
        mine, rank = MatchSuggestion.government_id, MatchSuggestion.rank_for_government
        other = MatchSuggestion.partner_id
    else:
        mine, rank = MatchSuggestion.partner_id, MatchSuggestion.rank_for_partner
        other = MatchSuggestion.government_id
    query = db.select(MatchSuggestion).where(
        mine == participant.id,
        MatchSuggestion.status != "rejected",
        or_(rank.is_not(None), MatchSuggestion.status == "approved"),
        ~suggestion_is_blocked(),
        not_dismissed_by(participant, other),
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


def stored_strength(suggestion: MatchSuggestion) -> Strength | None:
    """The strength stored with the suggestion's reasons; None for a pair added by hand or
    computed before strengths were stored."""
    for entry in suggestion.reasons or []:
        if isinstance(entry, dict) and entry.get("code") == STRENGTH_CODE:
            value = (entry.get("data") or {}).get("strength")
            return Strength(value) if value in set(Strength) else None
    return None


@dataclass
class ParticipantSuggestions:
    """What a participant's suggestions page lists, and how many weak pairs it leaves out."""

    shown: list[MatchSuggestion]
    weak_left_out: int


def participant_suggestions(
    participant: Participant, theme: str | None = None
) -> ParticipantSuggestions:
    """:func:`list_suggestions` without weak pairs: a short list of real fits reads better than
    ten filled up with unrelated ones. A weak pair stays when an organiser approved it or
    someone asked for the meeting; organisers see every pair on the match list."""
    shown, left_out = [], 0
    for suggestion in list_suggestions(participant, theme):
        if _worth_showing(suggestion):
            shown.append(suggestion)
        else:
            left_out += 1
    return ParticipantSuggestions(shown, left_out)


def _worth_showing(suggestion: MatchSuggestion) -> bool:
    if stored_strength(suggestion) is not Strength.WEAK or suggestion.status == "approved":
        return True
    return any(
        isinstance(entry, dict) and entry.get("code") in INTEREST_CODES
        for entry in suggestion.reasons or []
    )
