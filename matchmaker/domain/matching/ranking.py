"""Top-k suggestions in both directions, whole events or one edited profile at a time."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from matchmaker.domain.matching.reasons import Suggestion, explain_pairs
from matchmaker.domain.matching.scoring import (
    MatchIndex,
    row_blocks,
    score_block,
    to_score,
)

# (row, col, logit) triples, grouped by whoever the list is for, best first.
Picks = list[tuple[int, int, float]]


def _top_k_rows(logit: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Column indexes and values of each row's ``k`` largest values, best first."""
    k = min(k, logit.shape[1])
    if k <= 0:
        return np.zeros((len(logit), 0), np.int64), np.zeros((len(logit), 0))
    cols = np.argpartition(-logit, k - 1, axis=1)[:, :k]
    values = np.take_along_axis(logit, cols, axis=1)
    order = np.argsort(-values, axis=1, kind="stable")
    return np.take_along_axis(cols, order, axis=1), np.take_along_axis(values, order, axis=1)


def _row_picks(rows: np.ndarray, cols: np.ndarray, values: np.ndarray) -> list[Picks]:
    """One list per row, dropping forbidden pairs (``-inf``)."""
    return [
        [(int(r), int(c), float(v)) for c, v in zip(cs, vs, strict=True) if np.isfinite(v)]
        for r, cs, vs in zip(rows, cols, values, strict=True)
    ]


def _suggestions(index: MatchIndex, groups: Sequence[Picks]) -> list[Suggestion]:
    """Reasons are worked out here, for the final picks only."""
    picks = [(rank, *pick) for group in groups for rank, pick in enumerate(group, start=1)]
    if not picks:
        return []
    ranks, rows, cols, logits = zip(*picks, strict=True)
    explained = explain_pairs(index, np.array(rows), np.array(cols))
    scores = to_score(np.array(logits)).tolist()
    gov, par = index.governments.profiles, index.partners.profiles
    return [
        Suggestion(
            government_id=gov[row].id,
            partner_id=par[col].id,
            rank=rank,
            score=score,
            reasons=reasons,
            components=components,
            strength=index.calibration.strength(components["fit"]),
        )
        for rank, row, col, score, (reasons, components) in zip(
            ranks, rows, cols, scores, explained, strict=True
        )
    ]


class _BestPerPartner:
    """A running top k per partner over blocks of officials: memory stays at k rows."""

    def __init__(self, k: int, n_par: int) -> None:
        self.k = k
        self.best = np.full((k, n_par), -np.inf)
        self.best_rows = np.zeros((k, n_par), dtype=np.int64)

    def add(self, rows: np.ndarray, logit: np.ndarray) -> None:
        values = np.vstack([self.best, logit])
        candidates = np.vstack(
            [self.best_rows, np.broadcast_to(rows[:, None], (len(rows), logit.shape[1]))]
        )
        keep, _ = _top_k_rows(values.T, self.k)
        self.best = np.take_along_axis(values, keep.T, axis=0)
        self.best_rows = np.take_along_axis(candidates, keep.T, axis=0)

    def picks(self) -> list[Picks]:
        return [
            [(int(r), col, float(v)) for r, v in zip(rows, values, strict=True) if np.isfinite(v)]
            for col, (rows, values) in enumerate(zip(self.best_rows.T, self.best.T, strict=True))
        ]


def _rank(
    index: MatchIndex, top_k: int, *, officials: bool, partners: bool
) -> tuple[list[Suggestion], list[Suggestion]]:
    """Each official's and/or each partner's ``top_k``, scoring every block of pairs once."""
    n_par, k = len(index.partners), min(top_k, len(index.governments))
    officials, partners = officials and n_par > 0, partners and n_par > 0 and k > 0
    by_official: list[Picks] = []
    by_partner = _BestPerPartner(k, n_par)
    for rows in row_blocks(index) if officials or partners else []:
        logit = score_block(index, rows).logit
        if officials:
            by_official.extend(_row_picks(rows, *_top_k_rows(logit, top_k)))
        if partners:
            by_partner.add(rows, logit)
    return (
        _suggestions(index, by_official) if officials else [],
        _suggestions(index, by_partner.picks()) if partners else [],
    )


def rank_partners(index: MatchIndex, top_k: int = 10) -> list[Suggestion]:
    """Every official's ``top_k`` partners, best first, officials in index order."""
    return _rank(index, top_k, officials=True, partners=False)[0]


def rank_officials(index: MatchIndex, top_k: int = 10) -> list[Suggestion]:
    """Every partner's ``top_k`` officials, best first (same scores as :func:`rank_partners`)."""
    return _rank(index, top_k, officials=False, partners=True)[1]


def rank_both_ways(index: MatchIndex, top_k: int = 10) -> tuple[list[Suggestion], list[Suggestion]]:
    """:func:`rank_partners` and :func:`rank_officials` together, for the price of one scoring
    pass instead of two (the sentence product is most of a run's time)."""
    return _rank(index, top_k, officials=True, partners=True)


def rank_for_official(index: MatchIndex, government_id: str, top_k: int = 10) -> list[Suggestion]:
    """One official's row against every partner."""
    rows = np.array([index.governments.position[government_id]])
    block = score_block(index, rows)
    return _suggestions(index, _row_picks(rows, *_top_k_rows(block.logit, top_k)))


def rank_for_partner(index: MatchIndex, partner_id: str, top_k: int = 10) -> list[Suggestion]:
    """One partner's column against every official."""
    col = index.partners.position[partner_id]
    block = score_block(index, np.arange(len(index.governments)), np.array([col]))
    rows, values = _top_k_rows(block.logit.T, top_k)
    picks = [(int(r), col, float(v)) for r, v in zip(rows[0], values[0], strict=True)]
    return _suggestions(index, [[p for p in picks if np.isfinite(p[2])]])
