"""The vectorised ranking against a straightforward pair-by-pair reference, on random events."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from matchmaker.domain.matching import (
    MatchIndex,
    MatchRules,
    Profile,
    ProfileVectors,
    StrengthCalibration,
    Suggestion,
    build_index,
    rank_both_ways,
    rank_for_official,
    rank_for_partner,
    rank_officials,
    rank_partners,
)
from matchmaker.domain.matching.scoring import best_sentence_similarity

THEMES = ("water", "energy", "mobility", "health", "waste")
LANGUAGES = ("es", "en", "pt")
DIM = 16


def unit(matrix: np.ndarray) -> np.ndarray:
    return (matrix / np.linalg.norm(matrix, axis=1, keepdims=True)).astype(np.float32)


def random_side(
    kind: str, count: int, rng: np.random.Generator
) -> tuple[list[Profile], ProfileVectors]:
    """Profiles with 1-6 sentences (uneven on purpose), 0-3 themes and 1-2 languages."""
    prefix = kind[0]
    counts = rng.integers(1, 7, count)
    profiles = [
        Profile(
            f"{prefix}-{i}",
            kind,
            tuple(rng.choice(LANGUAGES, rng.integers(1, 3), replace=False).tolist()),
            tuple(rng.choice(THEMES, rng.integers(0, 4), replace=False).tolist()),
            f"text {i}",
        )
        for i in range(count)
    ]
    vectors = ProfileVectors(
        ids=tuple(p.id for p in profiles),
        whole=unit(rng.normal(size=(count, DIM))),
        sentences=unit(rng.normal(size=(int(counts.sum()), DIM))),
        offsets=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
        sentence_texts=tuple(
            f"{prefix}{i} sentence {j}" for i in range(count) for j in range(counts[i])
        ),
        languages=tuple(p.languages[0] for p in profiles),
    )
    return profiles, vectors


def random_index(seed: int, n_gov: int = 23, n_par: int = 41) -> MatchIndex:
    rng = np.random.default_rng(seed)
    governments, gov_vectors = random_side("government", n_gov, rng)
    partners, par_vectors = random_side("partner", n_par, rng)

    def pairs(n: int) -> list[tuple[str, str]]:
        return [(f"g-{rng.integers(n_gov)}", f"p-{rng.integers(n_par)}") for _ in range(n)]

    rules = MatchRules(
        blocked=frozenset(pairs(15)),
        declined=frozenset(pairs(15)),
        interest={pair: "mutual" if rng.random() < 0.5 else "one-sided" for pair in pairs(40)},
    )
    index = build_index(governments, partners, gov_vectors, par_vectors, rules)
    # Random vectors rarely reach the calibrated claim threshold: a lower one gives both cases.
    return replace(index, calibration=StrengthCalibration(1.0, 20.0, 60.0))


def reference_pair(index: MatchIndex, row: int, col: int) -> tuple[float, str, str, float]:
    """Logit, best sentence pair and its cosine of one pair, the slow and obvious way."""
    gov, par = index.governments, index.partners
    g, p = gov.profiles[row], par.profiles[col]
    if (g.id, p.id) in index.rules.blocked | index.rules.declined:
        return -math.inf, "", "", 0.0
    best = (-math.inf, "", "")
    for g_text, g_vec in zip(gov.vectors.texts_of(row), gov.vectors.sentences_of(row), strict=True):
        for p_text, p_vec in zip(
            par.vectors.texts_of(col), par.vectors.sentences_of(col), strict=True
        ):
            similarity = float(np.dot(g_vec.astype(float), p_vec.astype(float)))
            if similarity > best[0]:
                best = (similarity, g_text, p_text)
    whole = float(
        np.dot(gov.vectors.whole[row].astype(float), par.vectors.whole[col].astype(float))
    )
    w, s = index.weights, index.stats
    themes = len(set(g.themes) & set(p.themes)) / max(len(set(g.themes)), 1)
    interest = {"one-sided": w.interest_one_sided, "mutual": w.interest_mutual}
    logit = (
        w.semantic_whole * (whole - s.whole_mean) / s.whole_std
        + w.semantic_sentence * (best[0] - s.sentence_mean) / s.sentence_std
        + w.themes * themes
        + w.bias
        + (0.0 if set(g.languages) & set(p.languages) else w.no_common_language)
        + interest.get(index.rules.interest.get((g.id, p.id), ""), 0.0)
    )
    return logit, best[1], best[2], best[0]


def check(
    suggestions: list[Suggestion], index: MatchIndex, expected: list[tuple[int, int]]
) -> None:
    """``suggestions`` are the ``expected`` (row, col) pairs in order, with the reference's
    scores and best sentence pair."""
    gov, par = index.governments.profiles, index.partners.profiles
    got = [(s.government_id, s.partner_id) for s in suggestions]
    assert got == [(gov[r].id, par[c].id) for r, c in expected]
    for suggestion, (row, col) in zip(suggestions, expected, strict=True):
        logit, g_text, p_text, similarity = reference_pair(index, row, col)
        assert suggestion.score == pytest.approx(100 / (1 + math.exp(-logit)), abs=1e-4)
        similar = [r for r in suggestion.reasons if r.code == "similar"]
        z = (similarity - index.stats.sentence_mean) / index.stats.sentence_std
        if z >= index.calibration.similar_sentence_z + 1e-4:
            quoted = (similar[0].data["government_sentence"], similar[0].data["partner_sentence"])
            assert quoted == (g_text, p_text)
        elif z < index.calibration.similar_sentence_z - 1e-4:
            assert similar == []
        assert suggestion.components["sentence"] == pytest.approx(similarity, abs=1e-5)
        fit = reference_fit(index, row, col)
        assert suggestion.components["fit"] == pytest.approx(fit, abs=1e-3)
        if abs(fit - index.calibration.good_fit) > 1e-3 < abs(fit - index.calibration.strong_fit):
            assert suggestion.strength == index.calibration.strength(fit)


def reference_fit(index: MatchIndex, row: int, col: int) -> float:
    """The pair's content score: the reference logit without language penalty and interest."""
    g, p = index.governments.profiles[row], index.partners.profiles[col]
    logit, _, _, similarity = reference_pair(index, row, col)
    if not math.isfinite(logit):
        return 0.0
    w, s = index.weights, index.stats
    whole = float(np.dot(index.governments.vectors.whole[row], index.partners.vectors.whole[col]))
    themes = len(set(g.themes) & set(p.themes)) / max(len(set(g.themes)), 1)
    content = (
        w.semantic_whole * (whole - s.whole_mean) / s.whole_std
        + w.semantic_sentence * (similarity - s.sentence_mean) / s.sentence_std
        + w.themes * themes
        + w.bias
    )
    return 100 / (1 + math.exp(-content))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_rankings_match_the_pair_by_pair_reference(seed: int) -> None:
    index = random_index(seed)
    n_gov, n_par, k = len(index.governments), len(index.partners), 5
    logits = np.array(
        [[reference_pair(index, r, c)[0] for c in range(n_par)] for r in range(n_gov)]
    )
    by_official = [
        (r, int(c))
        for r in range(n_gov)
        for c in np.argsort(-logits[r], kind="stable")[:k]
        if np.isfinite(logits[r, c])
    ]
    check(rank_partners(index, k), index, by_official)
    by_partner = [
        (int(r), c)
        for c in range(n_par)
        for r in np.argsort(-logits[:, c], kind="stable")[:k]
        if np.isfinite(logits[r, c])
    ]
    check(rank_officials(index, k), index, by_partner)
    assert rank_both_ways(index, k) == (rank_partners(index, k), rank_officials(index, k))
    row, col = 3, 7
    check(rank_for_official(index, f"g-{row}", k), index, [p for p in by_official if p[0] == row])
    check(rank_for_partner(index, f"p-{col}", k), index, [p for p in by_partner if p[1] == col])


def test_best_sentence_similarity_with_uneven_counts() -> None:
    rng = np.random.default_rng(5)
    for _ in range(20):
        g_counts, p_counts = (
            rng.integers(1, 8, rng.integers(1, 9)),
            rng.integers(1, 8, rng.integers(1, 9)),
        )
        g_off = np.concatenate([[0], np.cumsum(g_counts)])
        p_off = np.concatenate([[0], np.cumsum(p_counts)])
        gov = rng.normal(size=(g_off[-1], 6)).astype(np.float32)
        par = rng.normal(size=(p_off[-1], 6)).astype(np.float32)
        got = best_sentence_similarity(gov, g_off, par, p_off)
        expected = [
            [
                (gov[g_off[i] : g_off[i + 1]] @ par[p_off[j] : p_off[j + 1]].T).max()
                for j in range(len(p_counts))
            ]
            for i in range(len(g_counts))
        ]
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
