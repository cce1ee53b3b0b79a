"""The organisers' figures in words: percentages, shares, why approved pairs were left without
a meeting, and a finished schedule job's result read plainly (its technical numbers apart)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import format_percent
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from matchmaker.services.lead_figures import Share

#: Why the scheduler left an approved pair without a meeting (its reason codes,
#: matchmaker/domain/scheduling/report.py and compile.py), in the organiser's words.
PAIR_REASONS = {
    "no common slot": _l("no hay ningún turno al que asistan los dos"),
    "no common free slot": _l("los turnos a los que asisten los dos ya están ocupados por "
                              "otras reuniones"),
    "no free table in their common free slots": _l("no queda mesa libre en los turnos en que "
                                                   "los dos están libres"),
    "official at cap": _l("el funcionario/a ya tiene todas las reuniones que admite"),
    "partner at cap": _l("el socio ya tiene todas las reuniones que admite"),
    "official and partner at cap": _l("los dos ya tienen todas las reuniones que admiten"),
    "negative weight": _l("su afinidad es nula"),
}  # fmt: skip


def pair_reason_label(code: str) -> str:
    """A scheduler's reason code in words; one it does not know as "otro motivo"."""
    words = PAIR_REASONS.get(code)
    return str(words) if words is not None else _("otro motivo")


def percent(ratio: float | None) -> str:
    """A ratio as a percentage in the reader's notation ("67 %"); "sin datos" when there was
    nothing to divide by."""
    return _("sin datos") if ratio is None else format_percent(ratio)


def share_text(share: Share) -> str:
    """E.g. "12 de 15 (80 %)"; "sin datos" when there is nothing to count from."""
    if share.ratio is None:
        return _("sin datos")
    return _("%(part)s de %(whole)s (%(percent)s)", part=share.part, whole=share.whole,
             percent=percent(share.ratio))  # fmt: skip


@dataclass(frozen=True)
class ScheduleOutcome:
    """A schedule job's result as organisers read it first."""

    meetings: int
    unscheduled: int
    #: (reason in words, how many pairs), commonest first.
    reasons: list[tuple[str, int]]
    #: Pairs counted without a stored reason (jobs from before reasons were all counted).
    unexplained: int
    #: None when the job did not record the histogram.
    officials_without: int | None
    partners_without: int | None


def schedule_outcome(result: Mapping[str, Any]) -> ScheduleOutcome:
    """The plain lead of a finished schedule job, from the summary the worker stored
    (``workers.tasks.report_summary``)."""
    unscheduled = int(result.get("unscheduled_count", 0))
    counts: Counter[str] = Counter(result.get("unscheduled_reasons") or {})
    if not counts:  # older jobs kept only the first pairs, each with its reason
        counts = Counter(pair.get("reason", "") for pair in result.get("unscheduled_pairs", []))
    words: Counter[str] = Counter()
    for code, n in counts.items():
        words[pair_reason_label(code)] += int(n)
    return ScheduleOutcome(
        meetings=int(result.get("meetings", 0)),
        unscheduled=unscheduled,
        reasons=words.most_common(),
        unexplained=max(0, unscheduled - sum(words.values())),
        officials_without=_nobody_count(result.get("meetings_per_official")),
        partners_without=_nobody_count(result.get("meetings_per_partner")),
    )


def _nobody_count(histogram: Mapping[str, int] | None) -> int | None:
    """How many have no meeting, from a stored histogram (JSON keys are strings)."""
    if histogram is None:
        return None
    return int({str(k): v for k, v in histogram.items()}.get("0", 0))
