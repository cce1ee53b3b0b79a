"""Editing one profile in a built index and ranking again, for the scale benchmark's
"re-rank after one edit" figure.

The product recomputes an event's suggestions whole (embeddings are cached, so an edit costs
one profile's encoding and one vectorised ranking); this shows how far an incremental path
could go, should a very large event need one.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from matchmaker.domain.matching.scoring import MatchIndex, MatchRules, Side, one_hot, rule_cells
from matchmaker.domain.matching.vectors import Profile, ProfileVectors
from matchmaker.domain.vocabulary import GOVERNMENT


def with_rules(index: MatchIndex, rules: MatchRules) -> MatchIndex:
    """The same index under new rules or interest (no vector is touched)."""
    return replace(index, rules=rules, cells=rule_cells(rules, index.governments, index.partners))


def _splice(old: ProfileVectors, row: int, new: ProfileVectors) -> ProfileVectors:
    """``old`` with profile ``row`` replaced by (or, at ``row == len``, extended with) ``new``."""
    start = old.offsets[row]
    stop = old.offsets[row + 1] if row < len(old.ids) else start
    counts = np.diff(old.offsets).tolist()
    counts[row : row + 1] = [len(new.sentences)]
    return ProfileVectors(
        ids=(*old.ids[:row], *new.ids, *old.ids[row + 1 :]),
        whole=np.vstack([old.whole[:row], new.whole, old.whole[row + 1 :]]),
        sentences=np.vstack([old.sentences[:start], new.sentences, old.sentences[stop:]]),
        offsets=np.cumsum([0, *counts], dtype=np.int64),
        sentence_texts=(
            *old.sentence_texts[:start],
            *new.sentence_texts,
            *old.sentence_texts[stop:],
        ),
        languages=(*old.languages[:row], *new.languages, *old.languages[row + 1 :]),
    )


def _with_columns(index: MatchIndex, profile: Profile) -> MatchIndex:
    """Add theme or language columns the edited profile brings (zeros for everyone else)."""
    themes = tuple(t for t in profile.themes if t not in index.theme_columns)
    langs = tuple(x for x in dict.fromkeys(profile.languages) if x not in index.language_columns)
    if not themes and not langs:
        return index

    def widen(side: Side) -> Side:
        grow = lambda m, n: np.hstack([m, np.zeros((len(m), n), np.float32)])  # noqa: E731
        return replace(
            side, themes=grow(side.themes, len(themes)), spoken=grow(side.spoken, len(langs))
        )

    return replace(
        index,
        governments=widen(index.governments),
        partners=widen(index.partners),
        theme_columns=(*index.theme_columns, *themes),
        language_columns=(*index.language_columns, *langs),
    )


def _replace_in_side(
    side: Side, profile: Profile, vectors: ProfileVectors, index: MatchIndex
) -> Side:
    row = side.position.get(profile.id, len(side))
    after = row + 1

    def put(matrix: np.ndarray, new: np.ndarray) -> np.ndarray:
        return np.vstack([matrix[:row], new, matrix[after:]])

    return replace(
        side,
        profiles=(*side.profiles[:row], profile, *side.profiles[after:]),
        vectors=_splice(side.vectors, row, side.centring.apply(vectors)),
        themes=put(side.themes, one_hot([profile.themes], index.theme_columns)),
        spoken=put(side.spoken, one_hot([profile.languages], index.language_columns)),
        position={**side.position, profile.id: row},
    )


def replace_profile(index: MatchIndex, profile: Profile, vectors: ProfileVectors) -> MatchIndex:
    """The index with one profile edited (or added); ``vectors`` are its raw, uncentred vectors.

    The per-language means and the score statistics are kept: one edit barely moves them, and
    keeping them leaves every other pair's score unchanged. A full run refreshes them.
    """
    if vectors.ids != (profile.id,):
        raise ValueError("vectors must hold exactly the edited profile")
    index = _with_columns(index, profile)
    if profile.kind == GOVERNMENT:
        gov = _replace_in_side(index.governments, profile, vectors, index)
        index = replace(index, governments=gov)
    else:
        index = replace(index, partners=_replace_in_side(index.partners, profile, vectors, index))
    return with_rules(index, index.rules)
