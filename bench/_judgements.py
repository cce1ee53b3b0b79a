"""Helpers for the matching benchmarks: the sample event, its judgements and ranking figures."""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from matchmaker.domain.matching import Profile, Suggestion

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("MATCHMAKER_SHARED_DIR", REPO.parent / "shared"))
DATA = SHARED / "data"
MODEL_DIR = Path(os.environ.get("MATCHMAKER_MODEL_DIR", REPO / "instance" / "models"))

Pair = tuple[str, str]


def load_profiles(path: Path = DATA / "sample_participants.csv") -> list[Profile]:
    """The participants file as matching profiles (the sample is valid; no checks here)."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return [
            Profile(
                id=row["id"],
                kind=row["kind"],
                languages=tuple(row["languages"].split(";")),
                themes=tuple(row["themes"].split(";")),
                description=row["description"],
            )
            for row in csv.DictReader(handle)
        ]


def load_grades(path: Path = DATA / "sample_relevance.csv") -> dict[Pair, int]:
    """``(government_id, partner_id) -> grade`` (1 or 2; unlisted pairs are 0)."""
    with open(path, encoding="utf-8", newline="") as handle:
        return {
            (r["government_id"], r["partner_id"]): int(r["grade"]) for r in csv.DictReader(handle)
        }


def load_mismatch(path: Path = DATA / "sample_language_mismatch.txt") -> set[Pair]:
    """Relevant pairs that share no spoken language: left out of the figures."""
    pairs = (line.strip().split(",") for line in path.read_text(encoding="utf-8").splitlines())
    return {(p[0], p[1]) for p in pairs if len(p) == 2}


@dataclass(frozen=True)
class Figures:
    """Ranking quality over a set of officials."""

    ndcg: float
    recall2: float
    cross_ndcg: float
    officials: int

    def line(self) -> str:
        """The figures on one line."""
        return (
            f"nDCG@10 {self.ndcg:.3f}   grade-2 recall@10 {self.recall2:.3f}   "
            f"cross-language nDCG@10 {self.cross_ndcg:.3f}   ({self.officials} officials)"
        )


def _dcg(gains: Sequence[int]) -> float:
    return sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(gains))


def ndcg_at(ranked: Sequence[str], grades: Mapping[str, int], k: int = 10) -> float | None:
    """nDCG@k of one ranked list (gains 2^grade - 1); None when nothing is relevant."""
    ideal = _dcg(sorted(grades.values(), reverse=True)[:k])
    return _dcg([grades.get(p, 0) for p in ranked[:k]]) / ideal if ideal else None


def recall2_at(ranked: Sequence[str], grades: Mapping[str, int], k: int = 10) -> float | None:
    """Share of the grade-2 partners found in the top k; None when there is none."""
    strong = {p for p, g in grades.items() if g == 2}
    return len(strong & set(ranked[:k])) / len(strong) if strong else None


def _mean(values: Iterable[float | None]) -> float:
    kept = [v for v in values if v is not None]
    return sum(kept) / len(kept) if kept else float("nan")


def evaluate(
    suggestions: Iterable[Suggestion],
    grades: Mapping[Pair, int],
    excluded: set[Pair],
    language_of: Mapping[str, str],
    officials: Iterable[str] | None = None,
) -> Figures:
    """Figures from full ranked lists (every partner for every official).

    Excluded pairs are dropped from both the lists and the ideal ranking. The cross-language
    figure ranks, for each official, only partners whose description language differs.
    """
    lists: dict[str, list[str]] = {}
    for s in sorted(suggestions, key=lambda s: (s.government_id, s.rank)):
        if (s.government_id, s.partner_id) not in excluded:
            lists.setdefault(s.government_id, []).append(s.partner_id)
    chosen = sorted(lists) if officials is None else sorted(officials)
    per_official = {
        g: {p: x for (gg, p), x in grades.items() if gg == g and (gg, p) not in excluded}
        for g in chosen
    }

    def cross(g: str) -> Callable[[str], bool]:
        return lambda p: language_of[p] != language_of[g]

    def only(g: str, keep: Callable[[str], bool]) -> tuple[list[str], dict[str, int]]:
        return [p for p in lists[g] if keep(p)], {
            p: x for p, x in per_official[g].items() if keep(p)
        }

    return Figures(
        ndcg=_mean(ndcg_at(lists[g], per_official[g]) for g in chosen),
        recall2=_mean(recall2_at(lists[g], per_official[g]) for g in chosen),
        cross_ndcg=_mean(ndcg_at(*only(g, cross(g))) for g in chosen),
        officials=len(chosen),
    )
