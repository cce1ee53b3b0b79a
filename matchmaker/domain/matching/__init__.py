"""Matching officials and partners: scores, rankings and their reasons.

Pure functions over dataclasses and numpy arrays (no database): the services layer loads
profiles, hands them to :func:`embed_profiles` with its cache, then to the ranking functions.
"""

from matchmaker.domain.matching.ranking import (
    rank_both_ways,
    rank_for_official,
    rank_for_partner,
    rank_officials,
    rank_partners,
)
from matchmaker.domain.matching.reasons import (
    Reason,
    Suggestion,
    explain_pair,
    reasons_text,
    shorten,
    write_match_csv,
)
from matchmaker.domain.matching.scoring import (
    DEFAULT_WEIGHTS,
    MatchIndex,
    MatchRules,
    Weights,
    build_index,
    score_block,
    to_score,
)
from matchmaker.domain.matching.strength import (
    Strength,
    StrengthCalibration,
    default_calibration,
)
from matchmaker.domain.matching.text import (
    detect_language,
    normalise_text,
    split_sentences,
    text_hash,
)
from matchmaker.domain.matching.vectors import (
    EmbeddingCache,
    InMemoryEmbeddingCache,
    Profile,
    ProfileVectors,
    embed_profiles,
)

__all__ = [
    "DEFAULT_WEIGHTS",
    "EmbeddingCache",
    "InMemoryEmbeddingCache",
    "MatchIndex",
    "MatchRules",
    "Profile",
    "ProfileVectors",
    "Reason",
    "Strength",
    "StrengthCalibration",
    "Suggestion",
    "Weights",
    "build_index",
    "default_calibration",
    "detect_language",
    "embed_profiles",
    "explain_pair",
    "normalise_text",
    "rank_both_ways",
    "rank_for_official",
    "rank_for_partner",
    "rank_officials",
    "rank_partners",
    "reasons_text",
    "score_block",
    "shorten",
    "split_sentences",
    "text_hash",
    "to_score",
    "write_match_csv",
]
