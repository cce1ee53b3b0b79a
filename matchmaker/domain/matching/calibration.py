"""Fitting the few fitted weights on judged pairs (logistic regression), for small events.

The defaults in :class:`~matchmaker.domain.matching.scoring.Weights` came from this on the sample
judgements; ``bench/match_quality.py`` refits on half the officials and measures the other half.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import numpy as np

from matchmaker.domain.matching.scoring import MatchIndex, Weights, score_block

#: Fitted components, in the order of the feature columns.
FITTED = ("semantic_whole", "semantic_sentence", "themes")


def feature_matrix(index: MatchIndex, rows: np.ndarray) -> np.ndarray:
    """(len(rows) × partners × 3) features: the two semantic z-scores and theme overlap."""
    block = score_block(index, rows)
    s = index.stats
    return np.stack(
        [
            (block.whole - s.whole_mean) / s.whole_std,
            (block.sentence - s.sentence_mean) / s.sentence_std,
            block.themes,
        ],
        axis=-1,
    )


def grade_matrix(index: MatchIndex, grades: Mapping[tuple[str, str], int]) -> np.ndarray:
    """(officials × partners) grades, 0 where a pair is not listed."""
    matrix = np.zeros((len(index.governments), len(index.partners)), dtype=np.int8)
    for (g, p), grade in grades.items():
        if g in index.governments.position and p in index.partners.position:
            matrix[index.governments.position[g], index.partners.position[p]] = grade
    return matrix


def fit_weights(
    index: MatchIndex,
    grades: Mapping[tuple[str, str], int],
    rows: np.ndarray | None = None,
    *,
    strength: float = 1.0,
) -> Weights:
    """``index.weights`` with the semantic, theme and bias weights fitted on officials ``rows``.

    Relevant (grade ≥ 1) against not; grade-2 pairs count twice. ``strength`` is the inverse
    L2 penalty; with three features and thousands of pairs it matters little.
    """
    from sklearn.linear_model import LogisticRegression

    rows = np.arange(len(index.governments)) if rows is None else np.asarray(rows)
    features = feature_matrix(index, rows).reshape(-1, len(FITTED))
    labels = grade_matrix(index, grades)[rows].reshape(-1)
    model = LogisticRegression(C=strength)
    model.fit(features, labels > 0, sample_weight=np.where(labels == 2, 2.0, 1.0))
    fitted = dict(zip(FITTED, (float(w) for w in model.coef_[0]), strict=True))
    return replace(index.weights, bias=float(model.intercept_[0]), **fitted)
