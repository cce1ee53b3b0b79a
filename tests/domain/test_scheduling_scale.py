"""Scheduling at scale: the tighter bound, later rounds that retry only what changed, time limits."""

from __future__ import annotations

import pytest

from matchmaker.domain.scheduling import (
    ApprovedPair,
    Attendee,
    SchedulingProblem,
    format_report,
    solve,
    tighter_upper_bound,
    upper_bound,
)
from matchmaker.domain.scheduling.board import FREE
from matchmaker.domain.scheduling.compile import compile_problem
from matchmaker.domain.scheduling.solver import _flows_misses_first, _place, _start_over_with
from tests.domain.scheduling_problems import (
    brute_force,
    random_problem,
    two_day_problem,
    violations,
)


def test_tighter_bound_sees_that_one_day_limits_an_official() -> None:
    # g0 attends both days, but the four heavy partners attend day one only (two slots)
    day_one, day_two, both = frozenset({0, 1}), frozenset({2, 3}), frozenset(range(4))
    partners = {f"p{i}": Attendee(f"p{i}", 1, day_one) for i in range(4)}
    partners["late"] = Attendee("late", 1, day_two)
    problem = SchedulingProblem(
        num_slots=4,
        num_tables=4,
        governments={"g0": Attendee("g0", 4, both)},
        partners=partners,
        pairs=[ApprovedPair("g0", p, 10.0) for p in sorted(partners) if p != "late"]
        + [ApprovedPair("g0", "late", 1.0)],
    )
    assert upper_bound(problem) == 40.0  # the b-matching lets g0 meet all four
    assert tighter_upper_bound(problem) == 21.0 == brute_force(problem)[0]
    report = solve(problem).report
    assert report.total_weight == 21.0 and report.tighter_bound == 21.0
    assert "tighter bound: 21 (weight is 100.00% of it)" in format_report(report)


@pytest.mark.parametrize("seed", range(40))
def test_tighter_bound_is_a_valid_bound_below_the_relaxation(seed: int) -> None:
    problem = random_problem(seed, people=3, slots=4, pairs=7)
    best, _ = brute_force(problem)
    tighter = tighter_upper_bound(problem)
    assert best - 1e-9 <= tighter <= upper_bound(problem) + 1e-9


@pytest.mark.parametrize("seed", range(3))
def test_two_day_events_keep_the_rules_and_stay_under_the_tighter_bound(seed: int) -> None:
    problem = two_day_problem(seed)
    result = solve(problem)
    report = result.report
    assert violations(problem, result.bookings) == []
    assert report.tighter_bound is not None
    assert report.total_weight <= report.tighter_bound + 1e-9
    assert report.tighter_bound <= report.upper_bound + 1e-9
    assert report.tighter_bound == tighter_upper_bound(problem)


def test_tighter_bound_is_below_the_relaxation_on_a_two_day_event() -> None:
    problem = two_day_problem(0, people=60, pairs=900)
    assert tighter_upper_bound(problem) < upper_bound(problem)


def test_fixed_bookings_count_in_the_tighter_bound() -> None:
    problem = two_day_problem(1)
    problem.fixed = solve(problem).bookings[::4]
    result = solve(problem)
    assert violations(problem, result.bookings) == []
    tighter = tighter_upper_bound(problem)
    assert result.report.total_weight <= tighter + 1e-9 <= upper_bound(problem) + 2e-9


@pytest.mark.parametrize("limit", [0.0, 0.05])
def test_a_time_limit_returns_a_valid_schedule_with_its_report(limit: float) -> None:
    problem = two_day_problem(2, people=60, pairs=900)
    result = solve(problem, time_limit=limit)
    assert violations(problem, result.bookings) == []
    assert result.report.meetings == len(result.bookings)
    assert result.report.total_weight <= result.report.upper_bound


def test_later_rounds_report_progress_under_their_round_number() -> None:
    seen: list[tuple[float, str, int]] = []

    def progress(fraction: float, step: str, /, **counts: int) -> None:
        seen.append((fraction, step, counts.get("round", 0)))

    # seed 2: one of the few where placing the grouped flow's pairs leaves work to the search
    solve(two_day_problem(2, people=60, pairs=900), progress=progress)
    assert [f for f, _, _ in seen] == sorted(f for f, _, _ in seen)
    rounds = [r for _, step, r in seen if step == "improving"]
    assert rounds and rounds == sorted(rounds) and rounds[0] == 1


@pytest.mark.parametrize("seed", [0, 3])
def test_placing_the_grouped_flows_pairs_can_prove_a_schedule_optimal(seed: int) -> None:
    # the b-matching's pairs do not all fit these two-day events; the grouped flow's do, and a
    # schedule worth the grouped bound needs no search
    problem = two_day_problem(seed, people=60, pairs=900)
    steps: list[str] = []
    result = solve(problem, progress=lambda fraction, step, /, **counts: steps.append(step))
    assert violations(problem, result.bookings) == []
    assert result.report.total_weight == result.report.tighter_bound < upper_bound(problem)
    assert "improving" not in steps


def test_starting_over_keeps_the_first_placement_when_it_is_worth_more() -> None:
    # one slot, one table: g0-p0 (10) is placed; starting over from g0-p1 (5) would lose
    problem = SchedulingProblem(
        num_slots=1,
        num_tables=1,
        governments={"g0": Attendee("g0", 1, frozenset({0}))},
        partners={p: Attendee(p, 1, frozenset({0})) for p in ("p0", "p1")},
        pairs=[ApprovedPair("g0", "p0", 10.0), ApprovedPair("g0", "p1", 5.0)],
    )
    board = compile_problem(problem).board
    _place(board, [0])
    assert not _start_over_with(board, [1])
    assert board.slot == [0, FREE] and board.journal == []
    board.unplace(0)
    board.place(1, 0)
    assert _start_over_with(board, [0])
    assert board.slot == [0, FREE] and board.journal == []


def test_the_search_tries_the_flows_unplaced_pairs_first() -> None:
    one_slot = frozenset({0})
    problem = SchedulingProblem(
        num_slots=1,
        num_tables=3,
        governments={f"g{i}": Attendee(f"g{i}", 1, one_slot) for i in range(3)},
        partners={f"p{i}": Attendee(f"p{i}", 1, one_slot) for i in range(3)},
        pairs=[ApprovedPair(f"g{i}", f"p{i}", 1.0 + i) for i in range(3)],
    )
    board = compile_problem(problem).board
    board.place(0, 0)
    # the flow chose pairs 0 (placed) and 1 (not): 1 goes first, the rest keep their order
    assert _flows_misses_first(board, [0, 1], [2, 1, 0]) == [1, 2, 0]
