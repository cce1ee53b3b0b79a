"""The public entry points: schedule a whole event, book one late pair, bound the optimum."""

from __future__ import annotations

import time

from matchmaker.domain.progress import Progress, no_progress

from .board import FREE, Board, bits
from .compile import Compiled, compile_problem
from .exact import improve_exactly
from .flow import FlowInput, max_weight_b_matching
from .model import ApprovedPair, Booking, ScheduleResult, SchedulingProblem
from .moves import try_insert
from .report import assign_tables, build_report
from .search import eject_insert, improve

# improvement rounds stop earlier once a round gains nothing; this only caps pathological cases
MAX_ROUNDS = 8


def solve(
    problem: SchedulingProblem,
    time_limit: float | None = None,
    *,
    progress: Progress | None = None,
) -> ScheduleResult:
    """Schedule the approved pairs: maximise total weight, then the number of meetings.

    First a max-weight b-matching (a min-cost flow) chooses which pairs meet, then they get
    slots, the most constrained first, with Kempe-chain swaps when no common slot is free;
    finally each unplaced pair, best first, is swapped in for the meetings that block it when
    that raises the total. The result depends only on the input: ``time_limit`` (seconds) is a
    safety cap that cuts the improvement rounds short, never a tuning knob. ``progress`` gets
    the fraction done and the step (see ``matchmaker.domain.progress``).
    """
    started = time.perf_counter()
    deadline = None if time_limit is None else started + time_limit
    report_progress = progress or no_progress
    report_progress(0.0, "reading")
    compiled = compile_problem(problem)
    board = compiled.board
    floors = _floors(compiled)

    report_progress(0.1, "choosing_pairs")
    bound_edges = _choose_pairs(compiled, None)
    chosen = _choose_pairs(compiled, floors) if floors else bound_edges
    bound = compiled.fixed_weight + sum(compiled.pairs[e].weight for e in bound_edges)

    report_progress(0.2, "placing")
    # the pairs with the fewest common slots first: they have the least room to manoeuvre
    for e in sorted(chosen, key=lambda e: (board.emask[e].bit_count(), -board.value[e], e)):
        try_insert(board, e)
    board.journal.clear()
    if floors:
        _serve_floors(compiled, floors)

    # reaching the relaxation's value proves optimality: nothing left to improve
    best_possible = sum(board.value[e] for e in bound_edges)
    if floors or board.placed_value() < best_possible:
        _improve(compiled, floors, deadline, report_progress)

    report_progress(0.95, "reporting")
    bookings = assign_tables(compiled)
    report = build_report(compiled, bound, time.perf_counter() - started)
    report_progress(1.0, "done")
    return ScheduleResult(bookings, report)


def _improve(
    compiled: Compiled, floors: list[int] | None, deadline: float | None, progress: Progress
) -> None:
    """Ejection rounds until one gains nothing, then the exact MIP when the event is small."""
    board = compiled.board
    candidates = sorted(
        (e for e in range(len(board.eg)) if e not in compiled.reasons),
        key=lambda e: (-board.value[e], e),
    )
    for round_no in range(MAX_ROUNDS):
        progress(0.3 + 0.6 * round_no / MAX_ROUNDS, "improving", round=round_no + 1)
        if _past(deadline) or not improve(board, candidates, floors, deadline):
            break
    # the MIP knows nothing of fairness floors, so it only runs without them
    if floors is None and not _past(deadline):
        progress(0.9, "exact")
        improve_exactly(board, candidates)


def _past(deadline: float | None) -> bool:
    return deadline is not None and time.perf_counter() > deadline


def upper_bound(problem: SchedulingProblem) -> float:
    """An upper bound on the total weight (fixed bookings included) of any valid schedule.

    It is the b-matching relaxation: caps, tables x slots and "each pair once" are kept, but
    not which slot each meeting takes. It ignores the fairness floor.
    """
    compiled = compile_problem(problem)
    chosen = _choose_pairs(compiled, None)
    return compiled.fixed_weight + sum(compiled.pairs[e].weight for e in chosen)


def book_one(problem: SchedulingProblem, pair: ApprovedPair) -> Booking | None:
    """Book a late-approved pair into the best free slot, moving no existing booking.

    ``problem.fixed`` holds the bookings that exist. The best slot is the one that takes the
    fewest options away from the two participants' other unbooked pairs (then the emptiest,
    then the earliest); the table is the lowest free one. Returns the existing booking if the
    pair is already booked (so that a retried task books nothing twice) and ``None`` when
    either participant is at their cap or they share no free slot with a free table.
    """
    for b in problem.fixed:
        if (b.government_id, b.partner_id) == (pair.government_id, pair.partner_id):
            return b
    compiled = compile_problem(problem)
    board = compiled.board
    g = compiled.index(pair.government_id, government=True)
    p = compiled.index(pair.partner_id, government=False)
    if board.count[g] >= board.cap[g] or board.count[p] >= board.cap[p]:
        return None
    free = board.avail[g] & board.avail[p] & ~(board.busy[g] | board.busy[p] | board.full)
    if not free:
        return None
    pressure = _option_pressure(compiled, g, p)
    slot = min(bits(free), key=lambda s: (pressure[s], board.load[s], s))
    taken = {b.table for b in problem.fixed if b.slot == slot}
    table = min(t for t in range(problem.num_tables) if t not in taken)
    return Booking(pair.government_id, pair.partner_id, slot, table)


def _option_pressure(compiled: Compiled, g: int, p: int) -> list[int]:
    """Per slot, how many unbooked pairs of ``g`` or ``p`` could still meet there."""
    board = compiled.board
    pressure = [0] * board.num_slots
    for e in range(len(board.eg)):
        if (board.eg[e] == g) != (board.ep[e] == p):
            for s in bits(board.free_slots(e)):
                pressure[s] += 1
    return pressure


def _floors(compiled: Compiled) -> list[int] | None:
    """Per participant, the fairness floor: K for every official, 0 for partners."""
    k = compiled.problem.min_meetings_per_official
    if k <= 0:
        return None
    return [k if i < compiled.num_governments else 0 for i in range(len(compiled.ids))]


def _choose_pairs(compiled: Compiled, floors: list[int] | None) -> list[int]:
    """The edges of a max-value b-matching on what is still free on the board."""
    board = compiled.board
    edges = [
        e
        for e in range(len(board.eg))
        if e not in compiled.reasons and board.has_room(e) and board.free_slots(e)
    ]
    reach = [0] * len(board.cap)
    for e in edges:
        reach[board.eg[e]] |= board.free_slots(e)
        reach[board.ep[e]] |= board.free_slots(e)
    # nobody can take more meetings than the free slots they share with someone they may meet
    caps = [
        min(c - n, r.bit_count()) for c, n, r in zip(board.cap, board.count, reach, strict=True)
    ]
    total = sum(max(board.num_tables - n, 0) for n in board.load)
    guaranteed = None
    if floors is not None:
        guaranteed = [max(f - n, 0) for f, n in zip(floors, board.count, strict=True)]
    data = FlowInput(
        caps=caps,
        num_governments=compiled.num_governments,
        total=total,
        eg=[board.eg[e] for e in edges],
        ep=[board.ep[e] for e in edges],
        value=[board.value[e] for e in edges],
        guaranteed=guaranteed,
        bonus=_fairness_bonus(board, total),
    )
    return [edges[k] for k in max_weight_b_matching(data)]


def _fairness_bonus(board: Board, total: int) -> int:
    """A bonus per guaranteed meeting larger than the value of any whole schedule."""
    return max(board.value, default=0) * max(total, 1) + 1


def _serve_floors(compiled: Compiled, floors: list[int]) -> None:
    """Give officials below their floor more meetings, even at some loss of weight."""
    board = compiled.board
    # worth more than any loss an ejection can cause, so the floor wins over weight
    worth = 4 * max(board.value, default=0) + 1
    for g in range(compiled.num_governments):
        for e in board.edges_of[g]:  # best first
            if board.count[g] >= floors[g]:
                break
            if e in compiled.reasons or board.slot[e] != FREE:
                continue
            if not try_insert(board, e):
                eject_insert(board, e, floors, worth=worth)
            board.journal.clear()
