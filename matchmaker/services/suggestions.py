"""What a participant is offered: their suggestions, best first, and how strong each is."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

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


#: The stored reasons' codes that a computed suggestion always has (every pair gets one).
LANGUAGE_CODES = frozenset({"language", "interpreter"})
#: Explicit interest, from the stored reasons' codes.
INTEREST_LEVELS = {"interest": "one-sided", "mutual-interest": "mutual"}


@dataclass(frozen=True)
class SimilarNeed:
    """The best sentence pair of a suggestion: the official's and the partner's."""

    government_sentence: str
    partner_sentence: str
    similarity: float | None


@dataclass(frozen=True)
class PairReasons:
    """A suggestion's reasons as data (what ``participant.reasons`` puts into words)."""

    themes: list[str] = field(default_factory=list)
    similar: SimilarNeed | None = None
    common_languages: list[str] = field(default_factory=list)
    government_languages: list[str] = field(default_factory=list)
    partner_languages: list[str] = field(default_factory=list)
    #: "none", "one-sided" or "mutual": requests and must-meet marks when last computed.
    interest: str = "none"
    #: Added by an organiser rather than computed.
    manual: bool = False
    #: Whether the reasons are the stored ones or, for a pair without them, read from the
    #: two profiles as they are now.
    from_profiles: bool = False

    @property
    def interpreter_needed(self) -> bool:
        return not self.common_languages


def read_reasons(suggestion: MatchSuggestion) -> PairReasons:
    """The stored reasons of ``suggestion`` as data. A pair with no computed reasons (added
    by hand, or stored before reasons were) gets its common languages, and its themes unless
    some are stored, from the two profiles. Each side's languages are the stored ones when an
    interpreter is needed, else the profiles'."""
    entries = {
        str(entry.get("code")): entry.get("data") or {}
        for entry in suggestion.reasons or []
        if isinstance(entry, Mapping)
    }
    computed = bool(LANGUAGE_CODES & entries.keys())
    government, partner = suggestion.government, suggestion.partner
    if "themes" in entries:
        themes = _strings(entries["themes"].get("themes"))
    else:
        themes = [] if computed else [t for t in government.themes if t in partner.themes]
    # Each side's languages are stored only when they share none (the interpreter reason).
    government_languages, partner_languages = list(government.languages), list(partner.languages)
    if "language" in entries:
        common = _strings(entries["language"].get("languages"))
    elif "interpreter" in entries:
        common = []
        government_languages = _strings(entries["interpreter"].get("government_languages"))
        partner_languages = _strings(entries["interpreter"].get("partner_languages"))
    else:
        common = [lang for lang in government_languages if lang in partner_languages]
    return PairReasons(
        themes=themes,
        similar=_similar(entries.get("similar")),
        common_languages=common,
        government_languages=government_languages,
        partner_languages=partner_languages,
        interest=next((lvl for code, lvl in INTEREST_LEVELS.items() if code in entries), "none"),
        manual="manual" in entries,
        from_profiles=not computed,
    )


def stored_fit(suggestion: MatchSuggestion) -> float | None:
    """The pair's fit (0..100, content only) stored with its strength, if any."""
    for entry in suggestion.reasons or []:
        if isinstance(entry, Mapping) and entry.get("code") == STRENGTH_CODE:
            fit = (entry.get("data") or {}).get("fit")
            return float(fit) if isinstance(fit, int | float) else None
    return None


def _strings(values: Any) -> list[str]:
    return [str(value) for value in values] if isinstance(values, list) else []


def _similar(data: Mapping[str, Any] | None) -> SimilarNeed | None:
    if not data or not data.get("government_sentence") or not data.get("partner_sentence"):
        return None
    similarity = data.get("similarity")
    return SimilarNeed(
        str(data["government_sentence"]),
        str(data["partner_sentence"]),
        float(similarity) if isinstance(similarity, int | float) else None,
    )
