"""The schedule report as the job row keeps it: long lists cut, every reason still counted."""

from __future__ import annotations

from matchmaker.domain.scheduling import ApprovedPair, ScheduleReport
from workers.tasks import report_summary


def test_every_unscheduled_pair_is_counted_by_reason_beyond_the_kept_list() -> None:
    pairs = [(ApprovedPair(f"g{k}", f"p{k}", 1.0), "official at cap") for k in range(5)]
    pairs.append((ApprovedPair("g9", "p9", 1.0), "no common slot"))
    report = ScheduleReport(total_weight=1.0, meetings=1, upper_bound=2.0, gap_to_bound=0.5,
                            meetings_per_official={0: 6}, meetings_per_partner={0: 6},
                            unserved_officials=[], unscheduled_pairs=pairs,
                            seconds=0.1)  # fmt: skip
    summary = report_summary(report, limit=2)
    assert len(summary["unscheduled_pairs"]) == 2 and summary["unscheduled_count"] == 6
    assert summary["unscheduled_reasons"] == {"official at cap": 5, "no common slot": 1}
