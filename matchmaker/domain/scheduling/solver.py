"""The public entry points: schedule a whole event, book one late pair, bound the optimum."""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

from matchmaker.domain.progress import Progress, no_progress

from .board import FREE, Board, bits
from .bound import grouped_flow_edges
from .compile import Compiled, compile_problem
from .exact import improve_exactly
from .flow import FlowInput, max_weight_b_matching
from .gain_bound import GainBound
from .interpreters import staff, staff_meetings, staffable_slots
from .model import ApprovedPair, Booking, ScheduleResult, SchedulingProblem
from .moves import try_insert
from .polish import day_masks, polish
from .report import assign_tables, build_report
from .search import ChangeLog, eject_insert, improve

# improvement rounds stop earlier once a round gains nothing; this only caps pathological cases
MAX_ROUNDS = 8
# slots an ejection tries: few in the first round, which tries every unplaced pair, and all
# in the later ones, which only retry the few pairs whose surroundings changed
FIRST_ROUND_SLOTS = 4
LATER_ROUND_SLOTS = 24
PROGRESS_EVERY = 1.0  # seconds between progress reports within one improvement round
# with a time limit, the search stops early enough to leave time for the last steps: table
# numbers and the report take up to FINISH_COST times as long as compiling the problem did,
# the grouped bound up to GROUPED_FLOW_COST times the b-matching (measured on xl and xxl:
# 1.3-1.5x and 3.7-4x before the grouped flow kept only the group limits that bind, about 2x
# since; the margin absorbs a busy machine, where 2x still overshot by 0.9 s).
# Placing the grouped flow's pairs afresh comes on top: 2.5x in all on medium and large,
# 3.5x on xxl, 4.5-7.4x on xl (wall clock, load 2-3)
FINISH_COST = 3.0
GROUPED_FLOW_COST = 8.0
# and the search leaves the agenda polish (polish.py) POLISH_COST times the compile time on
# top of any time it does not use itself: its first sweep, which makes most of the gain
# (measured on xxl: a sweep costs about as much CPU as compiling)
POLISH_COST = 1.0


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
    that raises the total. When the placement falls short of the b-matching bound, a grouped
    flow (see ``bound.py``) gives the report a tighter bound, and its pairs, which keep to what
    each participant can take on each day, are placed afresh: the search starts from whichever
    placement is worth more (and stops at once if it reaches that bound). Without
    ``time_limit`` the result depends only on the input; with it (seconds) the improvement
    stops at the limit and the best schedule so far is returned. ``progress`` gets the
    fraction done and the step (see ``matchmaker.domain.progress``).
    """
    with _collector_paused():
        return _solve(problem, time_limit, progress)


class _CollectorPause:
    """Pauses Python's cyclic garbage collector, if it runs, while any solve runs.

    The search makes millions of short-lived lists and tuples, so the collector ran again and
    again over the board's large, long-lived lists: a fifth of the time on xl-stress (1.2 of
    6.3 s). The solver makes no reference cycles that would wait for it meanwhile; everything
    else is freed as usual, by reference counting. Solves may overlap in threads (a web
    process): the first to start pauses the collector, the last to end restores it.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running = 0
        self._was_enabled = False

    @contextmanager
    def __call__(self) -> Iterator[None]:
        with self._lock:
            if self._running == 0:
                self._was_enabled = gc.isenabled()
                gc.disable()
            self._running += 1
        try:
            yield
        finally:
            with self._lock:
                self._running -= 1
                if self._running == 0 and self._was_enabled:
                    gc.enable()


_collector_paused = _CollectorPause()


def _solve(
    problem: SchedulingProblem, time_limit: float | None, progress: Progress | None
) -> ScheduleResult:
    started = time.perf_counter()
    report_progress = progress or no_progress
    report_progress(0.0, "reading")
    compiled = compile_problem(problem)
    days = day_masks(problem.day_of_slot, problem.num_slots)
    board = compiled.board
    floors = _floors(compiled)
    deadline = _search_deadline(started, time_limit)
    search_deadline = _search_deadline(started, time_limit, FINISH_COST + POLISH_COST)

    report_progress(0.1, "choosing_pairs")
    flow_started = time.perf_counter()
    relaxation = _relaxation(compiled, None)
    bound_edges = _max_b_matching(compiled, relaxation)
    flow_seconds = time.perf_counter() - flow_started
    chosen = _max_b_matching(compiled, _relaxation(compiled, floors)) if floors else bound_edges
    bound = compiled.fixed_weight + _weight(compiled, bound_edges)

    report_progress(0.2, "placing")
    free_before = [a & ~b for a, b in zip(board.avail, board.busy, strict=True)]
    _place(board, chosen)
    if floors:
        _serve_floors(compiled, floors)

    # reaching the relaxation's value proves optimality: nothing left to improve
    tighter = bound
    if floors or board.placed_value() < sum(board.value[e] for e in bound_edges):
        reached = False
        if not _past(search_deadline, GROUPED_FLOW_COST * flow_seconds):
            tighter, chosen, reached = _grouped_start(
                compiled, relaxation, free_before, floors, bound, chosen
            )
        if not reached:
            _improve(compiled, floors, search_deadline, report_progress, chosen)

    report_progress(0.95, "reporting")
    # compact agendas: moves meetings between slots, never changes which pairs meet
    polish(board, days, deadline)
    # interpreters last: staffing moves meetings but never changes which pairs meet
    staffing = staff_meetings(compiled, deadline)
    bookings = assign_tables(compiled)
    report = build_report(compiled, bound, time.perf_counter() - started, tighter, bookings)
    bookings = staffing.label(bookings, report)
    report_progress(1.0, "done")
    return ScheduleResult(bookings, report)


def _improve(
    compiled: Compiled,
    floors: list[int] | None,
    deadline: float | None,
    progress: Progress,
    chosen: list[int],
) -> None:
    """Ejection rounds until one gains nothing, then the exact MIP when the event is small.

    The first round tries every unplaced pair, first those of ``chosen`` (the flow's pairs
    that the placement tried) that found no slot; later rounds only the pairs with a
    participant whose timetable the round before changed (the others would fail as they
    failed before).
    """
    board = compiled.board
    everything = sorted(
        (e for e in range(len(board.eg)) if e not in compiled.reasons),
        key=lambda e: (-board.value[e], e),
    )
    log = ChangeLog(len(board.cap), len(board.eg))
    bound = GainBound(board)
    candidates = _flows_misses_first(board, chosen, everything)
    for round_no in range(1, MAX_ROUNDS + 1):
        progress(_round_fraction(round_no, 0.0), "improving", round=round_no)
        reporter = _RoundProgress(progress, round_no)
        tried = FIRST_ROUND_SLOTS if round_no == 1 else LATER_ROUND_SLOTS
        gained = improve(board, candidates, floors, deadline, log, reporter, tried, bound)
        if not gained or _past(deadline):
            break
        candidates = [
            e for e in candidates if board.slot[e] == FREE and log.worth_retrying(board, e)
        ]
    # the MIP knows nothing of fairness floors, so it only runs without them
    if floors is None and not _past(deadline):
        progress(0.9, "exact")
        improve_exactly(board, everything)


def _place(board: Board, chosen: list[int]) -> None:
    """Give the ``chosen`` pairs slots where they fit, directly or after a Kempe swap."""
    for e in _most_constrained_first(board, chosen):
        try_insert(board, e)
    board.journal.clear()


def _most_constrained_first(board: Board, chosen: list[int]) -> list[int]:
    """The pairs with the fewest common slots first: they have the least room to manoeuvre."""
    return sorted(chosen, key=lambda e: (board.emask[e].bit_count(), -board.value[e], e))


def _grouped_start(
    compiled: Compiled,
    relaxation: FlowInput,
    free: list[int],
    floors: list[int] | None,
    bound: float,
    placed: list[int],
) -> tuple[float, list[int], bool]:
    """The grouped-flow bound (see ``_tighter_bound``), the flow's pairs that the board now
    holds (``placed``, those of the b-matching, or the grouped flow's) and whether the board
    reaches the bound.

    Without fairness floors (which the grouped flow knows nothing of) the board starts over
    from the grouped flow's pairs when they place better than the b-matching's did.
    """
    board = compiled.board
    chosen = grouped_flow_edges(board, compiled.num_governments, relaxation, free)
    if chosen is None:
        return bound, placed, False
    tighter = min(bound, compiled.fixed_weight + _weight(compiled, chosen))
    if floors is not None or not _start_over_with(board, chosen):
        return tighter, placed, False
    # the flow maximises value, so a board worth as much is optimal
    return tighter, chosen, board.placed_value() >= sum(board.value[e] for e in chosen)


def _start_over_with(board: Board, chosen: list[int]) -> bool:
    """Place ``chosen`` on a board cleared of the search's meetings, if that is worth at least
    as much as what it holds; returns whether it did.

    The grouped flow's pairs (see ``bound.py``) already keep to what each participant can
    take on each day, so far more of them find slots than of the b-matching's: on xxl-stress
    the placement alone then reaches 99.91 % of the grouped bound instead of 99.44 %, and the
    ejection rounds start that much nearer the optimum.
    """
    before = board.placed_value()
    mark = len(board.journal)
    for e, s in enumerate(board.slot):
        if s != FREE:
            board.unplace(e)
    for e in _most_constrained_first(board, chosen):
        try_insert(board, e)
    better = board.placed_value() >= before
    if not better:
        board.rollback(mark)  # the b-matching's placement was worth more: keep it
    board.journal.clear()
    return better


def _flows_misses_first(board: Board, chosen: list[int], everything: list[int]) -> list[int]:
    """``everything``, with the pairs of ``chosen`` that found no slot moved to the front.

    The flow picked them knowing what the others can take, so swapping them in mostly pays:
    on xxl-stress trying its 32 misses first gained 1,207 in 0.02 s, all the rest of the
    search 325 more in about 37 s, so under a tight time limit the gain comes first.
    """
    missed = {e for e in chosen if board.slot[e] == FREE}
    return [e for e in everything if e in missed] + [e for e in everything if e not in missed]


def _round_fraction(round_no: int, done: float) -> float:
    return 0.3 + 0.6 * (round_no - 1 + done) / MAX_ROUNDS


class _RoundProgress:
    """Reports an improvement round's progress at most once every ``PROGRESS_EVERY`` seconds."""

    def __init__(self, progress: Progress, round_no: int) -> None:
        self.progress, self.round_no = progress, round_no
        self.last = time.perf_counter()

    def __call__(self, done: int, total: int) -> None:
        now = time.perf_counter()
        if now - self.last >= PROGRESS_EVERY:
            self.last = now
            fraction = _round_fraction(self.round_no, done / max(total, 1))
            self.progress(fraction, "improving", round=self.round_no)


def _search_deadline(
    started: float, time_limit: float | None, reserve: float = FINISH_COST
) -> float | None:
    """When the search must stop so that the whole run ends by ``time_limit``, leaving the
    steps after it ``reserve`` times the time compiling took."""
    if time_limit is None:
        return None
    compiling = time.perf_counter() - started
    return started + time_limit - reserve * compiling


def _past(deadline: float | None, needing: float = 0.0) -> bool:
    """Whether ``deadline`` has passed (or would, after ``needing`` more seconds)."""
    return deadline is not None and time.perf_counter() + needing > deadline


def _tighter_bound(
    compiled: Compiled, relaxation: FlowInput, free: list[int], bound: float
) -> float:
    """The grouped-flow bound (see ``bound.py``), never above the b-matching's ``bound``.

    ``relaxation`` and ``free`` (each participant's free slots) describe the board before
    the search placed anything.
    """
    chosen = grouped_flow_edges(compiled.board, compiled.num_governments, relaxation, free)
    if chosen is None:
        return bound
    return min(bound, compiled.fixed_weight + _weight(compiled, chosen))


def _weight(compiled: Compiled, edges: list[int]) -> float:
    return sum(compiled.pairs[e].weight for e in edges)


def upper_bound(problem: SchedulingProblem) -> float:
    """An upper bound on the total weight (fixed bookings included) of any valid schedule.

    It is the b-matching relaxation: caps, tables x slots and "each pair once" are kept, but
    not which slot each meeting takes. It ignores the fairness floor.
    """
    compiled = compile_problem(problem)
    chosen = _max_b_matching(compiled, _relaxation(compiled, None))
    return compiled.fixed_weight + _weight(compiled, chosen)


def tighter_upper_bound(problem: SchedulingProblem) -> float:
    """A bound at most ``upper_bound(problem)``: the b-matching with per-group limits.

    The slots are split into groups where attendance changes the most (the days), and every
    participant also keeps to the slots they attend in each group (see ``bound.py``).
    """
    compiled = compile_problem(problem)
    relaxation = _relaxation(compiled, None)
    bound = compiled.fixed_weight + _weight(compiled, _max_b_matching(compiled, relaxation))
    board = compiled.board
    free = [a & ~b for a, b in zip(board.avail, board.busy, strict=True)]
    return _tighter_bound(compiled, relaxation, free, bound)


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
    # a meeting that needs an interpreter goes where one is free, if anywhere
    free = staffable_slots(problem, pair.government_id, pair.partner_id, free) or free
    pressure = _option_pressure(compiled, g, p)
    slot = min(bits(free), key=lambda s: (pressure[s], board.load[s], s))
    taken = {b.table for b in problem.fixed if b.slot == slot}
    table = min(t for t in range(problem.num_tables) if t not in taken)
    booking = Booking(pair.government_id, pair.partner_id, slot, table)
    return replace(booking, interpreter=staff(problem, booking))


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


def _relaxation(compiled: Compiled, floors: list[int] | None) -> FlowInput:
    """The b-matching on what is still free on the board (``edges`` names its edges)."""
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
    return FlowInput(
        caps=caps,
        num_governments=compiled.num_governments,
        total=total,
        eg=[board.eg[e] for e in edges],
        ep=[board.ep[e] for e in edges],
        value=[board.value[e] for e in edges],
        guaranteed=guaranteed,
        bonus=_fairness_bonus(board, total),
        edges=edges,
    )


def _max_b_matching(compiled: Compiled, data: FlowInput) -> list[int]:
    """The board edges of a max-value b-matching of ``data``."""
    edges = data.edges or []
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
