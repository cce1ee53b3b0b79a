"""From a finished board to bookings with tables, and the report shown after every run."""

from __future__ import annotations

from collections import Counter

from .board import FREE
from .compile import Compiled
from .model import Booking, ScheduleReport
from .polish import agenda_figures, day_masks, table_spread
from .tables import seat

UNSERVED_SHOWN = 20  # the summary is read by people; the full list stays in the report


def assign_tables(compiled: Compiled) -> list[Booking]:
    """The new bookings with tables; fixed tables stay taken, the rest are used evenly and
    people stay at their table between back-to-back meetings where that costs no evenness
    (see ``tables.seat``).

    Tables are interchangeable, so any slot with at most ``num_tables`` meetings can seat them.
    """
    board = compiled.board
    pairs = compiled.pairs
    meetings = [
        (s, pairs[e].government_id, pairs[e].partner_id)
        for e, s in enumerate(board.slot)
        if s != FREE
    ]
    return seat(meetings, compiled.problem.fixed, compiled.problem.num_tables)


def build_report(
    compiled: Compiled,
    bound: float,
    seconds: float,
    tighter_bound: float | None = None,
    bookings: list[Booking] | None = None,
) -> ScheduleReport:
    """Totals (fixed bookings included), histograms and the reasons behind what is missing;
    with the new ``bookings`` (their tables), the spread of meetings over tables too."""
    board = compiled.board
    problem = compiled.problem
    agendas = agenda_figures(board, day_masks(problem.day_of_slot, problem.num_slots))
    tables_used = [b.table for b in [*problem.fixed, *(bookings or [])]]
    placed = [e for e, s in enumerate(board.slot) if s != FREE]
    total = compiled.fixed_weight + sum(compiled.pairs[e].weight for e in placed)
    gov = range(compiled.num_governments)
    par = range(compiled.num_governments, len(compiled.ids))
    unscheduled = [
        (compiled.pairs[e], pair_reason(compiled, e)) for e, s in enumerate(board.slot) if s == FREE
    ]
    unscheduled.sort(key=lambda u: (-u[0].weight, u[0].government_id, u[0].partner_id))
    return ScheduleReport(
        total_weight=float(total),
        meetings=len(compiled.problem.fixed) + len(placed),
        upper_bound=float(bound),
        gap_to_bound=(bound - total) / bound if bound > 0 else 0.0,
        meetings_per_official=dict(sorted(Counter(board.count[i] for i in gov).items())),
        meetings_per_partner=dict(sorted(Counter(board.count[i] for i in par).items())),
        unserved_officials=_unserved(compiled),
        unscheduled_pairs=unscheduled,
        seconds=seconds,
        tighter_bound=None if tighter_bound is None else float(tighter_bound),
        idle_gaps=agendas.idle_gaps,
        people_with_gaps=agendas.people_with_gaps,
        mean_last_slot=agendas.mean_last_slot,
        table_spread=table_spread(tables_used, problem.num_tables) if bookings is not None else 0,
    )


def pair_reason(compiled: Compiled, e: int) -> str:
    """Why unplaced edge ``e`` has no meeting in the final schedule."""
    if e in compiled.reasons:
        return compiled.reasons[e]
    board = compiled.board
    g, p = board.eg[e], board.ep[e]
    g_full, p_full = board.count[g] >= board.cap[g], board.count[p] >= board.cap[p]
    if g_full or p_full:
        return {
            (True, False): "official at cap",
            (False, True): "partner at cap",
            (True, True): "official and partner at cap",
        }[(g_full, p_full)]
    if board.emask[e] & ~(board.busy[g] | board.busy[p]):
        return "no free table in their common free slots"
    return "no common free slot"


def _unserved(compiled: Compiled) -> list[tuple[str, str]]:
    """Officials below the fairness floor, each with the most telling reason."""
    floor = compiled.problem.min_meetings_per_official
    board = compiled.board
    if floor <= 0:
        return []
    result = []
    for g in range(compiled.num_governments):
        if board.count[g] < floor:
            result.append((compiled.ids[g], _unserved_reason(compiled, g)))
    return result


def _unserved_reason(compiled: Compiled, g: int) -> str:
    board = compiled.board
    edges = [e for e in board.edges_of[g] if e not in compiled.reasons]
    fixed = board.count[g] - sum(1 for e in edges if board.slot[e] != FREE)
    left = [pair_reason(compiled, e) for e in edges if board.slot[e] == FREE]
    if board.cap[g] < compiled.problem.min_meetings_per_official:
        return f"cap is {board.cap[g]}"
    if not board.avail[g]:
        return "attends no slot"
    if left:
        # the commonest obstacle among the pairs they could still have met
        return "remaining pairs: " + Counter(left).most_common(1)[0][0]
    sharing = fixed + len(edges)
    if sharing:
        verb = "pair shares" if sharing == 1 else "pairs share"
        return f"only {sharing} approved {verb} a slot with them"
    if board.edges_of[g] or fixed:
        return "no approved partner shares a slot with them"
    return "no approved pairs"


def format_report(report: ScheduleReport) -> str:
    """A multi-line human summary of a schedule report."""
    pct = 100.0 * report.total_weight / report.upper_bound if report.upper_bound > 0 else 100.0
    lines = [
        f"total weight : {report.total_weight:g}",
        f"meetings     : {report.meetings}",
        *_interpreter_line(report),
        f"upper bound  : {report.upper_bound:g} (weight is {pct:.2f}% of bound)",
        *_tighter_line(report),
        f"time         : {report.seconds:.2f} s",
        f"agendas      : {report.idle_gaps} idle slots between meetings "
        f"({report.people_with_gaps} people), last meeting of the day at slot "
        f"{report.mean_last_slot:.1f} on average",
        f"tables       : {report.table_spread} meetings between the busiest and the idlest",
        f"officials by number of meetings : {_histogram(report.meetings_per_official)}",
        f"partners by number of meetings  : {_histogram(report.meetings_per_partner)}",
        f"unscheduled  : {len(report.unscheduled_pairs)} approved pairs",
    ]
    reasons = Counter(why for _, why in report.unscheduled_pairs)
    lines.extend(f"  {n:6d}  {why}" for why, n in reasons.most_common())
    if report.unserved_officials:
        lines.append(f"below the fairness floor: {len(report.unserved_officials)} officials")
        shown = report.unserved_officials[:UNSERVED_SHOWN]
        lines.extend(f"  {ident}: {why}" for ident, why in shown)
        if len(report.unserved_officials) > len(shown):
            lines.append(f"  ... and {len(report.unserved_officials) - len(shown)} more")
    return "\n".join(lines)


def _interpreter_line(report: ScheduleReport) -> list[str]:
    """How many new meetings have an interpreter and how many lack one, when any needs one."""
    if not report.interpreted and not report.unstaffed:
        return []
    return [
        f"interpreters : {report.interpreted} meetings staffed, "
        f"{len(report.unstaffed)} need one and have none"
    ]


def _tighter_line(report: ScheduleReport) -> list[str]:
    """The tighter bound's line, only when it is below the b-matching bound."""
    tighter = report.tighter_bound
    if tighter is None or tighter >= report.upper_bound or tighter <= 0:
        return []
    pct = 100.0 * report.total_weight / tighter
    return [f"tighter bound: {tighter:g} (weight is {pct:.2f}% of it)"]


def _histogram(counts: dict[int, int]) -> str:
    """``meetings: how many`` pairs, e.g. ``0: 3, 5: 10, 6: 2``."""
    return ", ".join(f"{n}: {k}" for n, k in sorted(counts.items())) or "-"
