"""Compact personal agendas and even use of tables (issue 15): the polish after the search
moves meetings between slots, never changes who meets whom, and tables are used evenly."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matchmaker.domain.scheduling import (
    ApprovedPair,
    Attendee,
    Booking,
    SchedulingProblem,
    format_report,
    load_instance,
    solve,
)
from matchmaker.domain.scheduling import solver as solver_module
from matchmaker.domain.scheduling.compile import Compiled, compile_problem
from matchmaker.domain.scheduling.moves import try_insert
from matchmaker.domain.scheduling.polish import (
    CLOCK_EVERY,
    agenda_figures,
    day_masks,
    idle_slots,
    polish,
)
from matchmaker.domain.scheduling.report import assign_tables
from matchmaker.domain.scheduling.tables import seat
from tests.domain.scheduling_problems import random_problem, violations, weight_of

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("MATCHMAKER_SHARED_DIR") or REPO / ".." / "shared")


def everyone_free(
    governments: int, partners: int, slots: int, tables: int, pairs: list[tuple[int, int]]
) -> SchedulingProblem:
    """Officials ``g*`` and partners ``p*`` who attend every slot, with a cap of ``slots``."""
    always = frozenset(range(slots))
    return SchedulingProblem(
        num_slots=slots,
        num_tables=tables,
        governments={f"g{i}": Attendee(f"g{i}", slots, always) for i in range(governments)},
        partners={f"p{i}": Attendee(f"p{i}", slots, always) for i in range(partners)},
        pairs=[ApprovedPair(f"g{g}", f"p{p}", 10.0) for g, p in pairs],
    )


def without_polish(monkeypatch: pytest.MonkeyPatch, problem: SchedulingProblem) -> list[Booking]:
    with monkeypatch.context() as patch:
        patch.setattr(solver_module, "polish", lambda *args: 0)
        return solve(problem).bookings


def greedy_board(problem: SchedulingProblem) -> Compiled:
    """A compiled problem with every pair placed where it first fits (no search)."""
    compiled = compile_problem(problem)
    for e in range(len(compiled.board.eg)):
        if compiled.board.value[e] > 0:
            try_insert(compiled.board, e)
    compiled.board.journal.clear()
    return compiled


# -- the case ---------------------------------------------------------------------------
def test_a_dozen_meetings_go_to_the_first_slot_in_parallel_at_different_tables() -> None:
    problem = everyone_free(12, 12, slots=12, tables=12, pairs=[(i, i) for i in range(12)])
    result = solve(problem)
    assert [b.slot for b in result.bookings] == [0] * 12
    assert sorted(b.table for b in result.bookings) == list(range(12))
    assert result.report.table_spread == 0
    assert result.report.mean_last_slot == 1.0


def test_with_four_tables_a_dozen_meetings_fill_the_first_three_slots() -> None:
    problem = everyone_free(12, 12, slots=12, tables=4, pairs=[(i, i) for i in range(12)])
    result = solve(problem)
    assert sorted(b.slot for b in result.bookings) == [0] * 4 + [1] * 4 + [2] * 4
    assert result.report.table_spread == 0  # each table three times
    assert violations(problem, result.bookings) == []


def test_one_officials_meetings_come_back_to_back_from_the_first_slot() -> None:
    problem = everyone_free(1, 4, slots=8, tables=4, pairs=[(0, p) for p in range(4)])
    result = solve(problem)
    assert sorted(b.slot for b in result.bookings) == [0, 1, 2, 3]
    report = result.report
    assert (report.idle_gaps, report.people_with_gaps) == (0, 0)
    assert report.mean_last_slot == pytest.approx((4 + 1 + 2 + 3 + 4) / 5)
    assert "0 idle slots between meetings (0 people)" in format_report(report)


def test_a_fixed_booking_counts_and_the_new_meeting_sits_next_to_it() -> None:
    problem = everyone_free(1, 2, slots=8, tables=2, pairs=[(0, 0), (0, 1)])
    problem.fixed = [Booking("g0", "p0", 5, 0)]
    result = solve(problem)
    assert [(b.partner_id, b.slot) for b in result.bookings] == [("p1", 4)]
    assert result.report.idle_gaps == 0


# -- what the polish never changes --------------------------------------------------------------
@pytest.mark.parametrize("seed", range(12))
def test_the_same_pairs_meet_with_the_same_weight_and_fewer_idle_slots(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    problem = random_problem(seed, people=10, slots=8, pairs=40)
    problem.day_of_slot = [1] * 4 + [2] * 4
    plain = without_polish(monkeypatch, problem)
    result = solve(problem)
    assert violations(problem, result.bookings) == []
    pairs = {(b.government_id, b.partner_id) for b in result.bookings}
    assert pairs == {(b.government_id, b.partner_id) for b in plain}
    assert weight_of(problem, result.bookings) == weight_of(problem, plain)
    days = day_masks(problem.day_of_slot, problem.num_slots)
    assert result.report.idle_gaps <= _idle_of(problem, plain, days)


def _idle_of(problem: SchedulingProblem, bookings: list[Booking], days: list[int]) -> int:
    """Idle slots counted straight from the bookings (an independent check of the report)."""
    people = [*problem.governments.values(), *problem.partners.values()]
    busy = {(a.id, a in problem.governments.values()): 0 for a in people}
    for b in [*problem.fixed, *bookings]:
        busy[(b.government_id, True)] |= 1 << b.slot
        busy[(b.partner_id, False)] |= 1 << b.slot
    attended = {(a.id, a in problem.governments.values()): a.available for a in people}
    return sum(
        idle_slots(mask, sum(1 << s for s in attended[key]), days) for key, mask in busy.items()
    )


@pytest.mark.parametrize("seed", range(6))
def test_fixed_bookings_never_move_and_the_report_counts_them(seed: int) -> None:
    problem = random_problem(seed + 100, people=10, slots=6, pairs=50)
    problem.fixed = solve(problem).bookings[::3]
    result = solve(problem)
    assert violations(problem, result.bookings) == []
    days = day_masks(None, problem.num_slots)
    assert result.report.idle_gaps == _idle_of(problem, result.bookings, days)
    fixed_pairs = {(b.government_id, b.partner_id) for b in problem.fixed}
    assert not fixed_pairs & {(b.government_id, b.partner_id) for b in result.bookings}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10**6),
    people=st.integers(2, 6),
    slots=st.integers(2, 7),
    pairs=st.integers(1, 24),
    split=st.integers(0, 7),
)
def test_polishing_any_timetable_keeps_it_valid_and_never_adds_idle_slots(
    seed: int, people: int, slots: int, pairs: int, split: int
) -> None:
    problem = random_problem(seed, people=people, slots=slots, pairs=pairs)
    problem.day_of_slot = [1 if s < split else 2 for s in range(slots)]
    compiled = greedy_board(problem)
    board = compiled.board
    placed = [s != -1 for s in board.slot]
    days = day_masks(problem.day_of_slot, slots)
    before = agenda_figures(board, days)
    polish(board, days)
    assert [s != -1 for s in board.slot] == placed
    assert violations(problem, assign_tables(compiled)) == []
    assert agenda_figures(board, days).idle_gaps <= before.idle_gaps
    assert board.journal == []


def test_the_polish_stops_at_its_deadline() -> None:
    pairs = [(g, p) for g in range(40) for p in range(g % 4, 40, 4)]  # 400 meetings
    problem = everyone_free(40, 40, slots=12, tables=40, pairs=pairs)
    compiled = greedy_board(problem)
    days = day_masks(None, problem.num_slots)
    kept = polish(compiled.board, days, deadline=time.perf_counter() - 1.0)
    assert 0 < kept <= CLOCK_EVERY
    assert violations(problem, assign_tables(compiled)) == []
    assert polish(compiled.board, days) > 0  # there was more to do


# -- days ---------------------------------------------------------------------------------------
def test_idle_slots_are_counted_within_a_day_and_only_where_the_person_attends() -> None:
    met = 1 << 1 | 1 << 5
    everything = (1 << 8) - 1
    assert idle_slots(met, everything, day_masks(None, 8)) == 3
    assert idle_slots(met, everything, day_masks([1, 1, 1, 1, 2, 2, 2, 2], 8)) == 0
    assert idle_slots(met, everything & ~(1 << 3), day_masks(None, 8)) == 2


def test_a_wrong_number_of_days_is_rejected() -> None:
    problem = everyone_free(1, 1, slots=4, tables=1, pairs=[(0, 0)])
    problem.day_of_slot = [1, 1, 2]
    with pytest.raises(ValueError, match="day_of_slot has 3 entries for 4 slots"):
        solve(problem)


def test_meetings_keep_to_a_day_start_when_days_are_known() -> None:
    # g0 attends day two only; its two meetings go to that day's first two slots
    problem = everyone_free(1, 2, slots=8, tables=2, pairs=[(0, 0), (0, 1)])
    problem.governments["g0"] = Attendee("g0", 2, frozenset(range(4, 8)))
    problem.day_of_slot = [1] * 4 + [2] * 4
    result = solve(problem)
    assert sorted(b.slot for b in result.bookings) == [4, 5]
    assert result.report.mean_last_slot == pytest.approx((2 + 1 + 2) / 3)


def _instance(tmp_path: Path, slots: object) -> Path:
    data = {
        "format": "b2b-sched/1",
        "num_slots": 2,
        "num_tables": 1,
        "slots": slots,
        "governments": [{"id": "G0", "cap": 2, "available": [0, 1]}],
        "partners": [{"id": "P0", "cap": 2, "available": [0, 1]}],
        "pairs": [{"government_id": "G0", "partner_id": "P0", "weight": 1}],
    }
    path = tmp_path / "instance.json"
    path.write_text(json.dumps(data))
    return path


def test_instances_give_the_day_of_each_slot(tmp_path: Path) -> None:
    slots = [{"index": 1, "day": 2, "start": "09:00"}, {"index": 0, "day": 1, "start": "09:00"}]
    assert load_instance(_instance(tmp_path, slots)).day_of_slot == [1, 2]


@pytest.mark.parametrize(
    ("slots", "message"),
    [
        ([{"index": 0, "day": 1}], "slots must list each of the 2 slots once"),
        ([{"index": 0, "day": 1}, {"index": 0, "day": 1}], r"slots\[1\].index 0 is repeated"),
        ([{"index": 0, "day": "one"}, {"index": 1, "day": 1}], r"slots\[0\].day must be"),
        ({"0": 1}, "slots must be a list"),
    ],
)
def test_bad_slot_days_are_rejected_clearly(tmp_path: Path, slots: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        load_instance(_instance(tmp_path, slots))


# -- tables -------------------------------------------------------------------------------------
def test_few_meetings_spread_over_the_tables() -> None:
    meetings = [(s, f"g{s}", f"p{s}") for s in range(6)]
    tables = [b.table for b in seat(meetings, [], num_tables=4)]
    assert tables == [0, 1, 2, 3, 0, 1]


def test_fixed_bookings_count_towards_table_use() -> None:
    fixed = [Booking("g9", "p9", 3, 0)]
    assert seat([(0, "g0", "p0")], fixed, num_tables=2)[0].table == 1


def test_people_keep_their_table_between_back_to_back_meetings_when_it_costs_nothing() -> None:
    first = [(0, "g0", "p0"), (0, "g1", "p1")]
    second = [(1, "g1", "p2"), (1, "g2", "p0")]
    seated = {(b.government_id, b.partner_id): b.table for b in seat(first + second, [], 2)}
    assert (seated[("g0", "p0")], seated[("g1", "p1")]) == (0, 1)
    # g1 stays at table 1; p0 stays at table 0 (in id order g1-p2 would have taken table 0)
    assert (seated[("g1", "p2")], seated[("g2", "p0")]) == (1, 0)


def test_a_small_public_instance_gets_compact_agendas_and_even_tables() -> None:
    path = SHARED / "bench" / "sched" / "instances" / "small-loose.json"
    if not path.exists():
        pytest.skip("benchmark instances not found")
    problem = load_instance(path)
    assert problem.day_of_slot is not None
    report = solve(problem).report
    assert report.table_spread <= 1
    assert report.idle_gaps < 60  # 278 before the polish
