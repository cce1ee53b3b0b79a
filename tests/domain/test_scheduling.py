"""The scheduling solver: hard rules, optimality, fixed bookings, late bookings, fairness."""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

import pytest

from matchmaker.domain.progress import STEPS
from matchmaker.domain.scheduling import (
    ApprovedPair,
    Attendee,
    Booking,
    SchedulingProblem,
    book_one,
    load_instance,
    solve,
    upper_bound,
)
from tests.domain.scheduling_problems import brute_force, random_problem, violations, weight_of

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("MATCHMAKER_SHARED_DIR") or REPO / ".." / "shared")
INSTANCES = SHARED / "bench" / "sched" / "instances"


# -- helpers ------------------------------------------------------------------------------------
def one_slot_problem(**changes: object) -> SchedulingProblem:
    """Two officials and two partners, three slots, two tables; everyone attends everything."""
    everyone = frozenset(range(3))
    problem = SchedulingProblem(
        num_slots=3,
        num_tables=2,
        governments={g: Attendee(g, 3, everyone) for g in ("g0", "g1")},
        partners={p: Attendee(p, 3, everyone) for p in ("p0", "p1")},
        pairs=[ApprovedPair(g, p, 5.0) for g in ("g0", "g1") for p in ("p0", "p1")],
    )
    for key, value in changes.items():
        setattr(problem, key, value)
    return problem


# -- hard rules and optimality ------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(40))
def test_random_schedules_keep_every_hard_rule(seed: int) -> None:
    problem = random_problem(seed, people=8, slots=6, pairs=30)
    result = solve(problem)
    assert violations(problem, result.bookings) == []
    assert result.report.total_weight == weight_of(problem, result.bookings)
    assert result.report.meetings == len(result.bookings)
    assert result.report.total_weight <= upper_bound(problem) + 1e-9


@pytest.mark.parametrize("seed", range(60))
def test_tiny_instances_are_solved_optimally(seed: int) -> None:
    problem = random_problem(seed, people=3, slots=3, pairs=7)
    result = solve(problem)
    assert (result.report.total_weight, result.report.meetings) == brute_force(problem)


def test_weight_comes_before_the_number_of_meetings() -> None:
    # one table, one slot: the heavy pair beats two light ones that could not both meet anyway
    everyone = frozenset({0})
    problem = SchedulingProblem(
        1,
        1,
        {"g0": Attendee("g0", 1, everyone), "g1": Attendee("g1", 1, everyone)},
        {"p0": Attendee("p0", 1, everyone)},
        [ApprovedPair("g0", "p0", 3.0), ApprovedPair("g1", "p0", 7.0)],
    )
    assert [(b.government_id, b.slot, b.table) for b in solve(problem).bookings] == [("g1", 0, 0)]


def test_availability_that_does_not_bind_reaches_the_flow_bound() -> None:
    problem = random_problem(7, people=10, slots=8, pairs=40)
    everyone = frozenset(range(problem.num_slots))
    for people in (problem.governments, problem.partners):
        for ident, a in people.items():
            people[ident] = Attendee(ident, a.cap, everyone)
    problem.num_tables = 40
    result = solve(problem)
    assert result.report.total_weight == upper_bound(problem)
    assert result.report.gap_to_bound == 0.0


def test_solving_twice_gives_the_same_schedule() -> None:
    problem = random_problem(3, people=20, slots=8, pairs=120)
    first, second = solve(problem), solve(problem)
    assert first.bookings == second.bookings
    assert first.bookings == sorted(first.bookings, key=lambda b: (b.slot, b.table))


def test_a_zero_time_limit_still_returns_a_valid_schedule() -> None:
    problem = random_problem(5, people=20, slots=8, pairs=120)
    result = solve(problem, time_limit=0.0)
    assert violations(problem, result.bookings) == []


def test_progress_is_reported_from_start_to_finish_as_steps_and_numbers() -> None:
    seen: list[tuple[float, str, dict[str, int]]] = []

    def progress(fraction: float, step: str, /, **counts: int) -> None:
        seen.append((fraction, step, counts))

    solve(random_problem(1), progress=progress)
    fractions = [f for f, _, _ in seen]
    assert fractions[0] == 0.0 and fractions[-1] == 1.0
    assert fractions == sorted(fractions)
    steps = [step for _, step, _ in seen]
    assert steps[:3] == ["reading", "choosing_pairs", "placing"]
    assert steps[-2:] == ["reporting", "done"]
    # Data, not sentences: every step is a known code and carries exactly its numbers.
    for _, step, counts in seen:
        assert step in STEPS and set(counts) == set(STEPS[step]), (step, counts)
    rounds = [counts["round"] for _, step, counts in seen if step == "improving"]
    # a long round reports again under its own number; rounds come in order, none skipped
    assert rounds and rounds == sorted(rounds)  # this problem needs rounds
    assert sorted(set(rounds)) == list(range(1, rounds[-1] + 1))


def test_unscheduled_pairs_come_with_a_reason() -> None:
    problem = one_slot_problem(num_slots=1)
    problem.governments["g2"] = Attendee("g2", 2, frozenset())
    problem.pairs.append(ApprovedPair("g2", "p0", 9.0))
    report = solve(problem).report
    reasons = {(p.government_id, p.partner_id): why for p, why in report.unscheduled_pairs}
    assert reasons[("g2", "p0")] == "no common slot"
    assert len(reasons) == 3  # one slot: each official and each partner meets once
    assert set(reasons.values()) == {"no common slot", "no common free slot"}
    assert report.meetings_per_official == {0: 1, 1: 2}


# -- fixed bookings and late approvals ----------------------------------------------------------
def test_fixed_bookings_stay_and_count_against_caps_tables_and_slots() -> None:
    problem = random_problem(11, people=10, slots=6, pairs=50)
    base = solve(problem).bookings
    problem.fixed = base[::3]
    result = solve(problem)
    fixed_pairs = {(b.government_id, b.partner_id) for b in problem.fixed}
    assert not fixed_pairs & {(b.government_id, b.partner_id) for b in result.bookings}
    assert violations(problem, result.bookings) == []
    assert result.report.meetings == len(problem.fixed) + len(result.bookings)
    assert result.report.total_weight == pytest.approx(
        weight_of(problem, [*problem.fixed, *result.bookings])
    )


def test_conflicting_fixed_bookings_are_rejected() -> None:
    problem = one_slot_problem(
        fixed=[Booking("g0", "p0", 0, 0), Booking("g0", "p1", 0, 1)],
    )
    with pytest.raises(ValueError, match="clashes"):
        solve(problem)


def test_book_one_takes_the_only_free_slot_and_the_lowest_free_table() -> None:
    problem = one_slot_problem(
        fixed=[
            Booking("g0", "p1", 0, 1),
            Booking("g1", "p0", 1, 0),
            Booking("g1", "p1", 2, 0),
        ],
    )
    # g0 is busy at 0, p0 at 1: only slot 2 is left, where table 0 is taken
    assert book_one(problem, ApprovedPair("g0", "p0", 5.0)) == Booking("g0", "p0", 2, 1)


def test_book_one_returns_none_without_a_free_slot_or_below_cap() -> None:
    busy = one_slot_problem(
        num_slots=1, fixed=[Booking("g0", "p1", 0, 0), Booking("g1", "p0", 0, 1)]
    )
    assert book_one(busy, ApprovedPair("g0", "p0", 5.0)) is None
    capped = one_slot_problem(fixed=[Booking("g0", "p1", 0, 0)])
    capped.governments["g0"] = Attendee("g0", 1, frozenset(range(3)))
    assert book_one(capped, ApprovedPair("g0", "p0", 5.0)) is None
    full = one_slot_problem(
        num_tables=1,
        fixed=[Booking("g1", "p1", 0, 0), Booking("g1", "p0", 1, 0), Booking("g0", "p1", 2, 0)],
    )
    assert book_one(full, ApprovedPair("g0", "p0", 5.0)) is None


def test_book_one_is_idempotent_for_a_pair_already_booked() -> None:
    existing = Booking("g0", "p0", 1, 1)
    problem = one_slot_problem(fixed=[existing])
    assert book_one(problem, ApprovedPair("g0", "p0", 5.0)) == existing


def test_book_one_keeps_options_open_for_other_pairs() -> None:
    # p1 attends only slot 0; booking g0-p0 there would leave g0-p1 nowhere to go
    problem = one_slot_problem()
    problem.partners["p1"] = Attendee("p1", 3, frozenset({0}))
    booking = book_one(problem, ApprovedPair("g0", "p0", 5.0))
    assert booking is not None and booking.slot != 0


# -- fairness -----------------------------------------------------------------------------------
def fairness_problem(slots: int = 2, tables: int = 2, partner_cap: int = 2) -> SchedulingProblem:
    """Two partners with room for four meetings: weight alone starves g1 and g2."""
    everyone = frozenset(range(slots))
    return SchedulingProblem(
        num_slots=slots,
        num_tables=tables,
        governments={g: Attendee(g, 2, everyone) for g in ("g0", "g1", "g2", "g3")},
        partners={p: Attendee(p, partner_cap, everyone) for p in ("p0", "p1")},
        pairs=[
            ApprovedPair("g0", "p0", 90.0),
            ApprovedPair("g0", "p1", 80.0),
            ApprovedPair("g3", "p0", 70.0),
            ApprovedPair("g3", "p1", 60.0),
            ApprovedPair("g1", "p0", 10.0),
            ApprovedPair("g2", "p1", 5.0),
        ],
    )


def test_fairness_floor_gives_every_official_a_meeting_where_possible() -> None:
    problem = fairness_problem()
    plain = solve(problem)
    assert {b.government_id for b in plain.bookings} == {"g0", "g3"}
    problem.min_meetings_per_official = 1
    fair = solve(problem)
    assert violations(problem, fair.bookings) == []
    assert {b.government_id for b in fair.bookings} == {"g0", "g1", "g2", "g3"}
    assert fair.report.unserved_officials == []
    assert fair.report.total_weight < plain.report.total_weight


def test_officials_the_floor_cannot_serve_are_reported_with_a_reason() -> None:
    problem = fairness_problem(slots=3, tables=4, partner_cap=3)
    problem.min_meetings_per_official = 2
    problem.governments["g4"] = Attendee("g4", 2, frozenset())
    problem.governments["g5"] = Attendee("g5", 1, frozenset({0, 1}))
    problem.governments["g6"] = Attendee("g6", 2, frozenset({0, 1}))
    problem.governments["g7"] = Attendee("g7", 2, frozenset({0, 1}))
    problem.partners["p2"] = Attendee("p2", 0, frozenset({0, 1}))
    problem.pairs += [ApprovedPair("g7", "p2", 50.0), ApprovedPair("g4", "p0", 50.0)]
    report = solve(problem).report
    reasons = dict(report.unserved_officials)
    assert reasons["g6"] == "no approved pairs"
    assert reasons["g7"] == "remaining pairs: partner at cap"
    assert reasons["g4"] == "attends no slot"
    assert reasons["g5"] == "cap is 1"
    assert reasons["g1"] == "only 1 approved pair shares a slot with them"
    assert "g0" not in reasons and "g3" not in reasons


@pytest.mark.parametrize("seed", range(10))
def test_the_floor_keeps_the_rules_and_reports_exactly_the_unserved(seed: int) -> None:
    problem = random_problem(seed, people=10, slots=6, pairs=40)
    problem.min_meetings_per_official = 2
    result = solve(problem)
    assert violations(problem, result.bookings) == []
    counts = Counter(b.government_id for b in result.bookings)
    below = {g for g in problem.governments if counts[g] < 2}
    assert {g for g, _ in result.report.unserved_officials} == below


# -- the public instances -----------------------------------------------------------------------
@pytest.mark.parametrize("variant", ["tight", "loose", "stress"])
def test_small_public_instances_are_valid_and_near_the_bound(variant: str) -> None:
    path = INSTANCES / f"small-{variant}.json"
    if not path.exists():
        pytest.skip(f"benchmark instances not found at {INSTANCES} (set MATCHMAKER_SHARED_DIR)")
    problem = load_instance(path)
    result = solve(problem)
    assert violations(problem, result.bookings) == []
    bound = json.loads(path.with_suffix(".bound.json").read_text())["upper_bound"]
    assert result.report.total_weight >= 0.998 * bound
