"""Calibrate the similar-need claim and the strength bands on the sample judgements.

    python bench/calibrate_strength.py            # print the figures, write the constants
    python bench/calibrate_strength.py --check    # print them; fail if the stored ones differ

The sample event is encoded with the real default model and scored with the default weights;
every one of its 40 x 80 pairs counts, graded 2, 1 or 0 (unlisted) by ``sample_relevance.csv``.

* **Claim threshold.** Pairs sorted by their best-sentence z-score: the threshold is the z-score
  of the last pair of the largest top set in which at least ``CLAIM_PRECISION`` of the pairs
  are judged relevant (grade >= 1). Rounded up to 0.05, so the claim never gets looser.
* **Strength bands.** Isotonic regression of "judged relevant" on the fit (the content score,
  see ``matching.strength``) estimates the chance a pair at that fit is relevant; strong starts
  at the lowest fit where that chance reaches ``STRONG_CHANCE``, good where it reaches
  ``GOOD_CHANCE``. Rounded down to whole points.

Then it prints what participants will see: the precision of the claim, how judged pairs spread
across the bands (all pairs, and the top-10 lists), how many of each top 10 are not weak; and,
as a check against fitting noise, the same rules fitted on half the officials and measured on
the other half. Nothing here changes the ranking (``bench/match_quality.py`` measures that).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from pathlib import Path

import numpy as np
from _judgements import MODEL_DIR, REPO, load_grades, load_profiles

from matchmaker.domain.embedding import get_embedder
from matchmaker.domain.matching import (
    InMemoryEmbeddingCache,
    MatchIndex,
    MatchRules,
    Strength,
    StrengthCalibration,
    build_index,
    default_calibration,
    embed_profiles,
    rank_both_ways,
)
from matchmaker.domain.matching.calibration import grade_matrix
from matchmaker.domain.matching.scoring import fit_logit, score_block, sentence_z, to_score
from matchmaker.domain.vocabulary import GOVERNMENT

#: Share of claimed pairs that must be judged relevant.
CLAIM_PRECISION = 0.75
#: Chance of being judged relevant from which a pair is strong, and from which it is good.
STRONG_CHANCE = 0.75
GOOD_CHANCE = 1 / 3
CONSTANTS = REPO / "matchmaker" / "domain" / "matching" / "strength_calibration.py"
TEMPLATE = (
    '"""Written by bench/calibrate_strength.py: do not edit by hand (see matching.strength)."""\n'
    "\nSIMILAR_SENTENCE_Z = {z}\nGOOD_FIT = {good}\nSTRONG_FIT = {strong}\n"
)


def claim_threshold(z: np.ndarray, relevant: np.ndarray) -> float:
    """The lowest z-score whose claims (every pair at or above it) are precise enough."""
    order = np.argsort(-z, kind="stable")
    precision = np.cumsum(relevant[order]) / np.arange(1, len(order) + 1)
    passing = np.flatnonzero(precision >= CLAIM_PRECISION)
    if not len(passing):
        return math.inf
    return math.ceil(float(z[order[passing[-1]]]) * 20) / 20


def band_thresholds(fit: np.ndarray, relevant: np.ndarray) -> tuple[float, float]:
    """(good, strong): the lowest fits where the isotonic chance of relevance reaches each."""
    from sklearn.isotonic import IsotonicRegression

    chance = IsotonicRegression(out_of_bounds="clip").fit(fit, relevant.astype(float))
    grid = np.sort(fit)
    predicted = chance.predict(grid)

    def lowest(target: float) -> float:
        reached = np.flatnonzero(predicted >= target)
        return math.floor(float(grid[reached[0]])) if len(reached) else 100.0

    return lowest(GOOD_CHANCE), lowest(STRONG_CHANCE)


def calibrate(z: np.ndarray, fit: np.ndarray, grades: np.ndarray) -> StrengthCalibration:
    """The three thresholds from pairs' z-scores, fits and grades (flat arrays)."""
    relevant = grades > 0
    good, strong = band_thresholds(fit, relevant)
    return StrengthCalibration(claim_threshold(z, relevant), float(good), float(strong))


def sample_index() -> tuple[MatchIndex, np.ndarray]:
    """The sample event scored with the default model and weights, and its grade matrix."""
    profiles = load_profiles()
    governments = [p for p in profiles if p.kind == GOVERNMENT]
    partners = [p for p in profiles if p.kind != GOVERNMENT]
    embedder = get_embedder(os.environ.get("MATCHMAKER_EMBEDDING_MODEL"), MODEL_DIR)
    cache = InMemoryEmbeddingCache()
    gov_vectors = embed_profiles(embedder, governments, cache, "query")
    par_vectors = embed_profiles(embedder, partners, cache, "passage")
    print(f"model {embedder.model_id}, {len(governments)} officials x {len(partners)} partners")
    index = build_index(governments, partners, gov_vectors, par_vectors, MatchRules())
    return index, grade_matrix(index, load_grades())


def pair_measures(index: MatchIndex) -> tuple[np.ndarray, np.ndarray]:
    """(officials x partners) sentence z-scores and fits."""
    block = score_block(index, np.arange(len(index.governments)))
    z = sentence_z(index, block.sentence)
    return z, to_score(fit_logit(index, block.whole, block.sentence, block.themes))


def shown_mask(index: MatchIndex) -> np.ndarray:
    """Pairs in an official's top 10 or a partner's top 10: what someone is shown."""
    mask = np.zeros((len(index.governments), len(index.partners)), dtype=bool)
    gov, par = index.governments.position, index.partners.position
    for lists in rank_both_ways(index, 10):
        for s in lists:
            mask[gov[s.government_id], par[s.partner_id]] = True
    return mask


def report(cal: StrengthCalibration, z: np.ndarray, fit: np.ndarray, grades: np.ndarray) -> None:
    """What the thresholds do on a set of pairs (flat arrays)."""
    claimed = z >= cal.similar_sentence_z
    relevant = grades > 0
    print(f"  similar-need claim: {claimed.sum()} pairs, {relevant[claimed].mean():.0%} judged "
          f"relevant; {claimed[relevant].mean():.0%} of relevant pairs claimed")  # fmt: skip
    bands = np.array([cal.strength(f).value for f in fit.tolist()])
    for band in Strength:
        here = bands == band.value
        counts = [int(((grades == g) & here).sum()) for g in (2, 1, 0)]
        share = relevant[here].mean() if here.any() else float("nan")
        print(f"  {band.value:6s} {here.sum():5d} pairs: grade 2 {counts[0]:3d}, grade 1 "
              f"{counts[1]:3d}, not relevant {counts[2]:5d} ({share:.0%} relevant)")  # fmt: skip


def held_out(z: np.ndarray, fit: np.ndarray, grades: np.ndarray, splits: int = 5) -> None:
    """Fit the thresholds on half the officials, measure the claim and bands on the rest."""
    rows = []
    for seed in range(splits):
        order = np.random.default_rng(seed).permutation(len(grades))
        half = len(order) // 2
        for train, test in ((order[:half], order[half:]), (order[half:], order[:half])):
            cal = calibrate(z[train].ravel(), fit[train].ravel(), grades[train].ravel())
            claimed = z[test] >= cal.similar_sentence_z
            strong = fit[test] >= cal.strong_fit
            weak = fit[test] < cal.good_fit
            relevant = grades[test] > 0
            rows.append((cal.similar_sentence_z, cal.good_fit, cal.strong_fit,
                         relevant[claimed].mean(), relevant[strong].mean(),
                         relevant[weak].mean()))  # fmt: skip
    table = np.array(rows)
    names = ("claim z", "good fit", "strong fit", "claim precision", "strong relevant",
             "weak relevant")  # fmt: skip
    print(f"\nheld out ({len(rows)} folds: thresholds fitted on half the officials):")
    for name, column in zip(names, table.T, strict=True):
        print(f"  {name:16s} mean {column.mean():6.2f}   min {column.min():6.2f}   "
              f"max {column.max():6.2f}")  # fmt: skip


def per_list(index: MatchIndex, cal: StrengthCalibration) -> None:
    """How many of each top 10 are not weak: what a participant's list keeps."""
    for name, lists in zip(("official", "partner"), rank_both_ways(index, 10), strict=True):
        kept: dict[str, int] = {}
        for s in lists:
            owner = s.government_id if name == "official" else s.partner_id
            kept[owner] = kept.get(owner, 0) + (cal.strength(s.components["fit"]) != "weak")
        values = np.array(list(kept.values()))
        print(f"  per {name}: {values.mean():.1f} of 10 shown on average, "
              f"{(values == 0).sum()} of {len(values)} lists with none")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="fail if the constants differ")
    args = parser.parse_args()
    index, grades = sample_index()
    z, fit = pair_measures(index)
    cal = calibrate(z.ravel(), fit.ravel(), grades.ravel())
    print(f"\ncalibrated: {cal}")
    print(f"  (claim precision >= {CLAIM_PRECISION:.0%}; strong from a {STRONG_CHANCE:.0%} "
          f"chance of relevance, good from {GOOD_CHANCE:.0%})")  # fmt: skip
    print("\nall pairs:")
    report(cal, z.ravel(), fit.ravel(), grades.ravel())
    shown = shown_mask(index)
    print("\npairs in someone's top 10:")
    report(cal, z[shown], fit[shown], grades[shown])
    per_list(index, cal)
    held_out(z, fit, grades)
    stored = default_calibration()
    if args.check:
        same = stored == cal
        print("\nstored constants " + ("match" if same else f"DIFFER: {stored}"))
        return 0 if same else 1
    values = {"z": cal.similar_sentence_z, "good": cal.good_fit, "strong": cal.strong_fit}
    Path(CONSTANTS).write_text(TEMPLATE.format(**values), encoding="utf-8")
    print(f"\nwrote {CONSTANTS.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
