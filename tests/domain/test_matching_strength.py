"""The similar-need claim and strength bands, with the small deterministic embedder (no model)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from matchmaker.domain.embedding import HashingEmbedder
from matchmaker.domain.matching import (
    InMemoryEmbeddingCache,
    MatchIndex,
    MatchRules,
    Profile,
    Strength,
    StrengthCalibration,
    build_index,
    default_calibration,
    embed_profiles,
    rank_partners,
    strength_calibration,
)

TOPICS = {
    "water": "fugas de agua potable en tuberías antiguas con sensores acústicos",
    "light": "alumbrado público LED con telegestión de cada luminaria",
    "bus": "carriles exclusivos de autobús con prioridad en los semáforos",
    "waste": "recolección de residuos con rutas optimizadas y contenedores con sensores",
    "health": "consultas médicas a distancia para clínicas de barrio",
    "cyber": "protección de sistemas municipales contra ransomware y robo de datos",
}
#: Thresholds for these 36 pairs: z-scores over so few pairs, six of them matches, stay below
#: the ones calibrated on the sample event's 3,200 (see test_matching_model.py for those).
SMALL = StrengthCalibration(similar_sentence_z=2.0, good_fit=30.0, strong_fit=70.0)


def event(rules: MatchRules | None = None, partner_langs: tuple[str, ...] = ("es",)) -> MatchIndex:
    """Six officials, each with one topic, and six partners offering one topic each."""
    governments = [
        Profile(f"g-{t}", "government", ("es",), ("public-services",), f"Necesitamos {text}.")
        for t, text in TOPICS.items()
    ]
    partners = [
        Profile(f"p-{t}", "partner", partner_langs, ("public-services",), f"Ofrecemos {text}.")
        for t, text in TOPICS.items()
    ]
    cache = InMemoryEmbeddingCache()
    index = build_index(
        governments,
        partners,
        embed_profiles(HashingEmbedder(), governments, cache, "query"),
        embed_profiles(HashingEmbedder(), partners, cache, "passage"),
        rules or MatchRules(),
    )
    assert index.calibration == default_calibration()
    return replace(index, calibration=SMALL)


def test_bands_and_claim_follow_the_thresholds() -> None:
    calibration = StrengthCalibration(similar_sentence_z=2.0, good_fit=30.0, strong_fit=80.0)
    assert calibration.strength(80.0) is Strength.STRONG
    assert calibration.strength(79.9) is Strength.GOOD
    assert calibration.strength(30.0) is Strength.GOOD
    assert calibration.strength(29.9) is Strength.WEAK
    assert calibration.claims_similar(2.0) and not calibration.claims_similar(1.99)
    with pytest.raises(ValueError):
        StrengthCalibration(similar_sentence_z=2.0, good_fit=90.0, strong_fit=80.0)


def test_the_default_calibration_is_the_written_one() -> None:
    calibration = default_calibration()
    assert calibration.similar_sentence_z == strength_calibration.SIMILAR_SENTENCE_Z > 0
    assert 0 < calibration.good_fit < calibration.strong_fit < 100


def test_similar_need_is_claimed_only_above_the_threshold() -> None:
    index = event()
    z = sorted(s.components["sentence_z"] for s in rank_partners(index, 6))
    middle = (z[len(z) // 2] + z[len(z) // 2 + 1]) / 2
    for threshold, claimed in ((z[0] - 1, len(z)), (middle, len(z) - len(z) // 2 - 1)):
        calibration = StrengthCalibration(threshold, 30.0, 80.0)
        suggestions = rank_partners(replace(index, calibration=calibration), 6)
        similar = [s for s in suggestions if any(r.code == "similar" for r in s.reasons)]
        assert len(similar) == claimed
        assert all(s.components["sentence_z"] >= threshold for s in similar)
    # Above every pair's z-score: the quotes are never offered as a likeness.
    top = StrengthCalibration(z[-1] + 0.01, 30.0, 80.0)
    suggestions = rank_partners(replace(index, calibration=top), 6)
    assert not any(r.code == "similar" for s in suggestions for r in s.reasons)


def test_the_matching_offer_is_strong_and_the_others_weak() -> None:
    suggestions = rank_partners(event(), 6)
    for s in suggestions:
        matching = s.government_id[2:] == s.partner_id[2:]
        assert s.rank == 1 if matching else s.rank > 1
        assert s.strength is (Strength.STRONG if matching else Strength.WEAK)
        assert s.strength is SMALL.strength(s.components["fit"])


def test_strength_is_the_fit_of_the_texts_not_interest_or_language() -> None:
    rules = MatchRules(interest={("g-water", "p-cyber"): "mutual"})
    plain = {(s.government_id, s.partner_id): s for s in rank_partners(event(), 6)}
    wanted = {(s.government_id, s.partner_id): s for s in rank_partners(event(rules), 6)}
    foreign = {(s.government_id, s.partner_id): s for s in rank_partners(event(None, ("pt",)), 6)}
    pair = ("g-water", "p-cyber")
    assert wanted[pair].score > 5 * plain[pair].score  # mutual interest lifts the rank...
    assert wanted[pair].strength is plain[pair].strength is Strength.WEAK  # ...not the fit
    assert wanted[pair].components["fit"] == pytest.approx(plain[pair].components["fit"])
    match = ("g-water", "p-water")
    assert foreign[match].score < plain[match].score / 2  # an interpreter costs rank...
    assert foreign[match].strength is Strength.STRONG  # ...and the texts still fit


def test_calibration_changes_words_never_the_ranking() -> None:
    index = event()
    strict = replace(index, calibration=StrengthCalibration(9.0, 99.0, 99.9))
    ranked = [(s.government_id, s.partner_id, s.rank, s.score) for s in rank_partners(index, 6)]
    again = [(s.government_id, s.partner_id, s.rank, s.score) for s in rank_partners(strict, 6)]
    assert ranked == again
    assert {s.strength for s in rank_partners(strict, 6)} == {Strength.WEAK}
    assert np.isfinite([s.components["fit"] for s in rank_partners(index, 6)]).all()
