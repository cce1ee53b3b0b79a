"""Pair scores over whole matrices: semantic similarity, themes, languages, interest, rules.

Every official-partner pair gets a logit (then a score ``100 * sigmoid(logit)``) from a handful of
components, computed for a block of officials against all partners at once (matrix products and
in-place maxima, see :mod:`~matchmaker.domain.matching.sentences`), never pair by pair in Python.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Literal

import numpy as np

from matchmaker.domain.matching.sentences import SentenceSlots, best_over_slots, sentence_slots
from matchmaker.domain.matching.strength import StrengthCalibration, default_calibration
from matchmaker.domain.matching.vectors import Centring, Profile, ProfileVectors, fit_centring
from matchmaker.domain.vocabulary import THEMES

Interest = Literal["one-sided", "mutual"]
Pair = tuple[str, str]


@dataclass(frozen=True)
class MatchRules:
    """The organiser's rules and the participants' expressed interest.

    Keys are ``(government_id, partner_id)``. Blocked pairs and declined requests are never
    suggested; ``interest`` marks a request or proposal from one side, or from both.
    """

    blocked: frozenset[Pair] = frozenset()
    declined: frozenset[Pair] = frozenset()
    interest: Mapping[Pair, Interest] = field(default_factory=dict)


@dataclass(frozen=True)
class Weights:
    """The few numbers that turn components into a logit; ``score = 100 * sigmoid(logit)``.

    The first four were fitted by logistic regression (relevant vs not, grade-2 pairs counted
    twice) on the sample judgements and rounded; two-fold cross-validation over officials keeps
    the same ranking figures (``bench/match_quality.py``). Semantic components enter as z-scores
    over the event's pairs, so the weights do not depend on one model's range of cosines.
    """

    #: Whole challenge vs whole offering: the strongest signal on the judgements.
    semantic_whole: float = 2.0
    #: Best-matching sentence pair: small on its own, it rescues long texts whose one relevant
    #: sentence is diluted in the whole-text vector, and it is the quoted reason.
    semantic_sentence: float = 0.3
    #: Share of the official's themes the partner also declared (0..1).
    themes: float = 1.9
    #: Puts a typical pair near score 0 and a strong one near 100.
    bias: float = -5.8
    # Policy, not fitted (the judgements ignore language and interest):
    #: No spoken language in common: a strong penalty, not an exclusion (interpreters exist);
    #: it divides a pair's odds by about 12.
    no_common_language: float = -2.5
    #: A request or a proposal from one side multiplies the odds by about 4.5...
    interest_one_sided: float = 1.5
    #: ...and interest from both sides by about 20, above any purely textual argument.
    interest_mutual: float = 3.0
    #: Share of each language's mean vector removed before comparing (see Centring); 0.5-0.9
    #: all do well on the judgements, 0 loses ~0.08 of cross-language nDCG@10.
    centring: float = 0.7


DEFAULT_WEIGHTS = Weights()

#: Working memory for one block of sentence similarities (float32), which bounds peak memory.
BLOCK_BYTES = 96 * 2**20
#: Officials sampled to estimate the mean and spread of the semantic components.
STATS_SAMPLE = 128


@dataclass(frozen=True)
class Side:
    """One side of the match (officials or partners) ready for scoring."""

    profiles: tuple[Profile, ...]
    vectors: ProfileVectors  # centred
    centring: Centring
    themes: np.ndarray  # (n, themes) 0/1 float32
    spoken: np.ndarray  # (n, languages) 0/1 float32
    position: Mapping[str, int]

    def __len__(self) -> int:
        return len(self.profiles)

    @cached_property
    def slots(self) -> SentenceSlots:
        """All the side's sentences laid out for :func:`best_over_slots`, made on first use.

        Derived from ``vectors``: a copy made with ``dataclasses.replace`` lays them out anew.
        """
        return sentence_slots(self.vectors.sentences, self.vectors.offsets)


@dataclass(frozen=True)
class Stats:
    """Mean and standard deviation of the semantic components over the event's pairs."""

    whole_mean: float
    whole_std: float
    sentence_mean: float
    sentence_std: float


@dataclass(frozen=True)
class BlockScores:
    """Components and logits for ``rows`` × ``cols`` pairs (indexes into the two sides)."""

    rows: np.ndarray
    cols: np.ndarray
    whole: np.ndarray
    sentence: np.ndarray
    themes: np.ndarray
    common: np.ndarray
    interest: np.ndarray
    logit: np.ndarray  # -inf where a rule forbids the pair


@dataclass(frozen=True)
class MatchIndex:
    """Everything needed to score any pair quickly; build once per run with :func:`build_index`."""

    governments: Side
    partners: Side
    rules: MatchRules
    weights: Weights
    theme_columns: tuple[str, ...]
    language_columns: tuple[str, ...]
    cells: RuleCells
    stats: Stats
    #: When a similar need is claimed and how strong a pair is (see matching.strength).
    calibration: StrengthCalibration = field(default_factory=default_calibration)


def one_hot(values: Sequence[Sequence[str]], columns: Sequence[str]) -> np.ndarray:
    """A 0/1 float32 matrix: row i marks which of ``columns`` ``values[i]`` holds."""
    index = {c: i for i, c in enumerate(columns)}
    matrix = np.zeros((len(values), len(columns)), dtype=np.float32)
    for row, items in enumerate(values):
        matrix[row, [index[v] for v in items if v in index]] = 1.0
    return matrix


def _columns(profiles: Sequence[Profile]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    extra_themes = {t for p in profiles for t in p.themes} - set(THEMES)
    themes = (*THEMES, *sorted(extra_themes))
    return themes, tuple(sorted({lang for p in profiles for lang in p.languages}))


def _side(
    profiles: Sequence[Profile],
    vectors: ProfileVectors,
    centring: Centring,
    columns: tuple[tuple[str, ...], tuple[str, ...]],
) -> Side:
    if tuple(p.id for p in profiles) != vectors.ids:
        raise ValueError("profiles and vectors are not in the same order")
    return Side(
        profiles=tuple(profiles),
        vectors=centring.apply(vectors),
        centring=centring,
        themes=one_hot([p.themes for p in profiles], columns[0]),
        spoken=one_hot([p.languages for p in profiles], columns[1]),
        position={p.id: i for i, p in enumerate(profiles)},
    )


def build_index(
    governments: Sequence[Profile],
    partners: Sequence[Profile],
    gov_vectors: ProfileVectors,
    partner_vectors: ProfileVectors,
    rules: MatchRules,
    weights: Weights = DEFAULT_WEIGHTS,
) -> MatchIndex:
    """Centre the vectors per language, encode themes and languages, estimate the statistics."""
    columns = _columns([*governments, *partners])
    gov = _side(governments, gov_vectors, fit_centring(gov_vectors, weights.centring), columns)
    par = _side(partners, partner_vectors, fit_centring(partner_vectors, weights.centring), columns)
    neutral = Stats(0.0, 1.0, 0.0, 1.0)
    cells = rule_cells(rules, gov, par)
    index = MatchIndex(gov, par, rules, weights, columns[0], columns[1], cells, neutral)
    return replace(index, stats=_estimate_stats(index))


def _estimate_stats(index: MatchIndex) -> Stats:
    n_gov = len(index.governments)
    if n_gov == 0 or len(index.partners) == 0:
        return index.stats
    # A fixed seed keeps a run reproducible; a sample of officials against every partner is
    # enough to estimate two means and two spreads.
    rng = np.random.default_rng(0)
    rows = np.sort(rng.choice(n_gov, size=min(n_gov, STATS_SAMPLE), replace=False))
    block = score_block(index, rows)
    return Stats(
        float(block.whole.mean()),
        float(block.whole.std()) or 1.0,
        float(block.sentence.mean()),
        float(block.sentence.std()) or 1.0,
    )


def _sentences(vectors: ProfileVectors, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The sentence vectors of ``rows`` (ascending) and their offsets from 0."""
    starts, stops = vectors.offsets[rows], vectors.offsets[rows + 1]
    counts = stops - starts
    if len(rows) and stops[-1] - starts[0] == counts.sum():  # contiguous: a view, no copy
        matrix = vectors.sentences[starts[0] : stops[-1]]
    else:
        matrix = vectors.sentences[
            np.concatenate([np.arange(a, b) for a, b in zip(starts, stops, strict=True)])
        ]
    return matrix, np.concatenate([[0], np.cumsum(counts)])


def _slots(side: Side, members: np.ndarray) -> SentenceSlots:
    """Slots of the side's profiles ``members`` (ascending); all of them are laid out once."""
    if np.array_equal(members, np.arange(len(side))):
        return side.slots
    return sentence_slots(*_sentences(side.vectors, members))


def best_sentence_similarity(
    gov_sentences: np.ndarray,
    gov_offsets: np.ndarray,
    par_sentences: np.ndarray,
    par_offsets: np.ndarray,
) -> np.ndarray:
    """For every (official, partner), the highest cosine between one sentence of each."""
    gov = sentence_slots(gov_sentences, gov_offsets)
    return best_over_slots(gov, sentence_slots(par_sentences, par_offsets))


@dataclass(frozen=True)
class RuleCells:
    """The rules as index arrays: ``level`` -1 forbidden, 1 one-sided interest, 2 mutual."""

    rows: np.ndarray
    cols: np.ndarray
    level: np.ndarray


def rule_cells(rules: MatchRules, governments: Side, partners: Side) -> RuleCells:
    """Locate each rule's pair once; pairs naming someone absent from the run are ignored."""
    forbidden = [(pair, -1) for pair in rules.blocked | rules.declined]
    wanted = [(pair, 2 if kind == "mutual" else 1) for pair, kind in rules.interest.items()]
    cells = [
        (governments.position[g], partners.position[p], level)
        for (g, p), level in [*wanted, *forbidden]
        if g in governments.position and p in partners.position
    ]
    table = np.array(cells, dtype=np.int64).reshape(-1, 3)
    return RuleCells(table[:, 0], table[:, 1], table[:, 2])


Cells = tuple[np.ndarray, np.ndarray]


def _block_rules(
    index: MatchIndex, rows: np.ndarray, cols: np.ndarray
) -> tuple[Cells, Cells, np.ndarray]:
    """The block's forbidden cells, its interest cells and their levels (1 one-sided, 2 mutual)."""
    cells = index.cells
    row_at = np.full(len(index.governments), -1)
    row_at[rows] = np.arange(len(rows))
    col_at = np.full(len(index.partners), -1)
    col_at[cols] = np.arange(len(cols))
    i, j = row_at[cells.rows], col_at[cells.cols]
    inside = (i >= 0) & (j >= 0)
    banned = inside & (cells.level < 0)
    wanted = inside & (cells.level > 0)
    return (i[banned], j[banned]), (i[wanted], j[wanted]), cells.level[wanted]


def score_block(index: MatchIndex, rows: np.ndarray, cols: np.ndarray | None = None) -> BlockScores:
    """All components and logits for officials ``rows`` × partners ``cols`` (default: all)."""
    gov, par = index.governments, index.partners
    rows = np.asarray(rows, dtype=np.int64)
    cols = np.arange(len(par)) if cols is None else np.asarray(cols, dtype=np.int64)
    whole = gov.vectors.whole[rows] @ par.vectors.whole[cols].T
    sentence = best_over_slots(_slots(gov, rows), _slots(par, cols))
    g_themes = gov.themes[rows]
    themes = (g_themes @ par.themes[cols].T) / np.maximum(g_themes.sum(axis=1, keepdims=True), 1)
    common = (gov.spoken[rows] @ par.spoken[cols].T) > 0
    logit = _logit(index, whole, sentence, themes, common)
    # Interest and bans are sparse: touch only their cells, never the whole block.
    banned, wanted, levels = _block_rules(index, rows, cols)
    interest = np.zeros(logit.shape, dtype=np.int8)
    interest[wanted] = levels
    boosts = np.array([0.0, index.weights.interest_one_sided, index.weights.interest_mutual])
    logit[wanted] += boosts[levels].astype(np.float32)
    logit[banned] = -np.inf
    return BlockScores(rows, cols, whole, sentence, themes, common, interest, logit)


def _logit(
    index: MatchIndex,
    whole: np.ndarray,
    sentence: np.ndarray,
    themes: np.ndarray,
    common: np.ndarray,
) -> np.ndarray:
    """Dense part of the logit, in float32 (half the memory traffic of float64)."""
    w, s = index.weights, index.stats
    scale_whole = np.float32(w.semantic_whole / s.whole_std)
    scale_sentence = np.float32(w.semantic_sentence / s.sentence_std)
    constant = w.bias - scale_whole * s.whole_mean - scale_sentence * s.sentence_mean
    logit = whole * scale_whole
    logit += sentence * scale_sentence
    logit += themes * np.float32(w.themes)
    logit += np.float32(constant + w.no_common_language)
    logit -= common * np.float32(w.no_common_language)  # the penalty only where none is shared
    return logit


def fit_logit(
    index: MatchIndex, whole: np.ndarray, sentence: np.ndarray, themes: np.ndarray
) -> np.ndarray:
    """The part of the logit that judges content (semantic and theme components, bias): no
    language penalty, no interest. The judgements grade content only; see matching.strength."""
    w, s = index.weights, index.stats
    return (
        w.semantic_whole * (np.asarray(whole, np.float64) - s.whole_mean) / s.whole_std
        + w.semantic_sentence * sentence_z(index, sentence)
        + w.themes * np.asarray(themes, np.float64)
        + w.bias
    )


def sentence_z(index: MatchIndex, sentence: np.ndarray) -> np.ndarray:
    """Best-sentence cosines as z-scores over the event's pairs."""
    return (np.asarray(sentence, np.float64) - index.stats.sentence_mean) / index.stats.sentence_std


def to_score(logit: np.ndarray | float) -> np.ndarray:
    """Scores in 0..100 (the scheduler's weights); a forbidden pair's ``-inf`` becomes 0."""
    return 100.0 / (1.0 + np.exp(-np.asarray(logit, dtype=np.float64)))


def row_blocks(index: MatchIndex, cols: int | None = None) -> list[np.ndarray]:
    """Officials in consecutive blocks whose sentence similarities fit in :data:`BLOCK_BYTES`."""
    n_gov = len(index.governments)
    par_sentences = len(index.partners.vectors.sentences) if cols is None else cols
    per_official = max(1.0, len(index.governments.vectors.sentences) / max(n_gov, 1))
    size = int(BLOCK_BYTES / (4 * max(par_sentences, 1) * per_official))
    size = max(16, size)
    return [np.arange(start, min(start + size, n_gov)) for start in range(0, n_gov, size)]
