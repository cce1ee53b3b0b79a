"""The best-matching sentence pair of every official-partner pair, for whole blocks at once.

After the one matrix product of every official sentence with every partner sentence, each pair of
profiles keeps its largest entry. ``np.maximum.reduceat`` over groups of two or three rows (then
columns) did that several times slower than the product itself. Here each side's sentences are
laid out in *slots* instead: slot k holds the k-th sentence of every profile that has more than k,
profiles with the most sentences first, so slot k covers a prefix of the profiles and the maximum
is a few in-place ``np.maximum`` over contiguous slices, at the speed of memory.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SentenceSlots:
    """One side's sentence vectors in slot order (see the module docstring)."""

    #: Sentence vectors, slot after slot; within a slot, profiles in ``order``.
    matrix: np.ndarray
    #: Profile indexes (into the side or block), most sentences first (ties in index order).
    order: np.ndarray
    #: Slot k is ``matrix[bounds[k]:bounds[k + 1]]``: one row for each of the first
    #: ``bounds[k + 1] - bounds[k]`` profiles of ``order``.
    bounds: np.ndarray


def sentence_slots(sentences: np.ndarray, offsets: np.ndarray) -> SentenceSlots:
    """Slots for profiles whose sentences are ``sentences[offsets[i]:offsets[i + 1]]``."""
    counts = np.diff(offsets)
    order = np.argsort(-counts, kind="stable")
    depth = int(counts.max()) if len(counts) else 0
    sizes = [np.count_nonzero(counts > k) for k in range(depth)]
    starts = offsets[:-1][order]
    rows = np.concatenate([starts[:n] + k for k, n in enumerate(sizes)] or [np.zeros(0, int)])
    bounds = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    return SentenceSlots(np.ascontiguousarray(sentences[rows]), order, bounds)


def best_over_slots(gov: SentenceSlots, par: SentenceSlots) -> np.ndarray:
    """For every (official, partner), the highest cosine between one sentence of each.

    Rows and columns are in the profiles' own order; a profile without sentences gets ``-inf``.
    """
    sims = gov.matrix @ par.matrix.T
    # Rows first: folding whole contiguous rows is the cheaper half, and it leaves the column
    # fold a third as much to do.
    best = _fold(_fold(sims, gov.bounds).T, par.bounds).T
    return _in_profile_order(best, gov.order, par.order)


def _fold(matrix: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """Slot 0's rows, each raised in place to the maximum over its profile's rows in all slots."""
    first = matrix[bounds[0] : bounds[1]]
    for start, stop in zip(bounds[1:-1].tolist(), bounds[2:].tolist(), strict=True):
        head = first[: stop - start]
        np.maximum(head, matrix[start:stop], out=head)
    return first


def _in_profile_order(best: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Undo the slot order; profiles without sentences (absent from slot 0) get ``-inf``."""
    if best.shape != (len(rows), len(cols)):
        padded = np.full((len(rows), len(cols)), -np.inf, dtype=np.float32)
        padded[: best.shape[0], : best.shape[1]] = best
        best = padded
    return best[np.ix_(np.argsort(rows), np.argsort(cols))]
