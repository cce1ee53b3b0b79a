"""How strong a suggested pair is, in three words, and when two sentences may be called similar.

Both rest on three numbers calibrated on the sample judgements by ``bench/calibrate_strength.py``,
which writes them to :mod:`~matchmaker.domain.matching.strength_calibration`:

* **The similar-need claim.** A pair's best sentence pair is quoted as "similar need and
  offering" only when their cosine, as a z-score over the event's pairs (the scale the weights
  use, so no model's range of cosines is built in), reaches ``similar_sentence_z``. Below it
  the two sentences are usually unrelated and quoting them side by side would claim a likeness
  that is not there.
* **Strength in words.** A pair's *fit* is ``100 * sigmoid`` of the part of its logit that judges
  content: the two semantic components, shared themes and the bias, without the language
  penalty and without expressed interest. The judgements grade content only; a missing common
  language and a request are each reported as their own reason, never as a better or worse
  fit. ``fit >= strong_fit`` is strong, ``fit >= good_fit`` good, anything else weak.

Ranking does not change: the fit and the claim only decide what is said about a pair and,
on the participants' pages, whether a weak pair fills a place in their list.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from matchmaker.domain.matching import strength_calibration


class Strength(StrEnum):
    """How well a challenge and an offering fit; the edges put it into words."""

    STRONG = "strong"
    GOOD = "good"
    WEAK = "weak"


@dataclass(frozen=True)
class StrengthCalibration:
    """The calibrated thresholds (see the module docstring)."""

    #: Sentence z-score from which the best sentence pair is claimed as a similar need.
    similar_sentence_z: float
    #: Fit (0..100) from which a pair is good, and from which it is strong.
    good_fit: float
    strong_fit: float

    def __post_init__(self) -> None:
        if not 0 <= self.good_fit <= self.strong_fit <= 100:
            raise ValueError("expected 0 <= good_fit <= strong_fit <= 100")

    def strength(self, fit: float) -> Strength:
        """The band a pair with this fit falls in."""
        if fit >= self.strong_fit:
            return Strength.STRONG
        if fit >= self.good_fit:
            return Strength.GOOD
        return Strength.WEAK

    def claims_similar(self, sentence_z: float) -> bool:
        """Whether a best sentence pair this far above the event's typical one is quoted."""
        return sentence_z >= self.similar_sentence_z


@cache
def default_calibration() -> StrengthCalibration:
    """The thresholds calibrated on the sample judgements (a module of constants: no file or
    model is read)."""
    return StrengthCalibration(
        similar_sentence_z=strength_calibration.SIMILAR_SENTENCE_Z,
        good_fit=strength_calibration.GOOD_FIT,
        strong_fit=strength_calibration.STRONG_FIT,
    )
