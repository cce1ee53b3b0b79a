"""Interpreters in the solver: the rule, staffing per slot, moves, fixed bookings, late bookings."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matchmaker.domain.scheduling import (
    ApprovedPair,
    Attendee,
    Booking,
    Interpreter,
    SchedulingProblem,
    book_one,
    format_report,
    needs_interpreter,
    solve,
    staff,
)
from matchmaker.domain.scheduling.compile import compile_problem
from matchmaker.domain.scheduling.interpreters import staff_meetings
from tests.domain.scheduling_problems import random_problem, violations, weight_of

ES, EN, FR = frozenset({"es"}), frozenset({"en"}), frozenset({"fr"})


def person(ident: str, languages: frozenset[str], slots: set[int], cap: int = 3) -> Attendee:
    return Attendee(ident, cap, frozenset(slots), languages)


def interpreter(ident: str, languages: set[str], slots: set[int]) -> Interpreter:
    return Interpreter(ident, frozenset(languages), frozenset(slots))


def problem_of(
    governments: list[Attendee],
    partners: list[Attendee],
    pairs: list[tuple[str, str, float]],
    interpreters: list[Interpreter],
    num_slots: int = 3,
    num_tables: int = 4,
) -> SchedulingProblem:
    return SchedulingProblem(
        num_slots=num_slots,
        num_tables=num_tables,
        governments={a.id: a for a in governments},
        partners={a.id: a for a in partners},
        pairs=[ApprovedPair(g, p, w) for g, p, w in pairs],
        interpreters=interpreters,
    )


def interpreter_violations(problem: SchedulingProblem, bookings: list[Booking]) -> list[str]:
    """Every interpreter rule broken by ``bookings`` with ``problem.fixed`` (independent)."""
    found = []
    by_id = {i.id: i for i in problem.interpreters}
    busy = [(b.interpreter, b.slot) for b in [*problem.fixed, *bookings] if b.interpreter]
    found += [f"interpreter twice: {k}" for k in busy if busy.count(k) > 1]
    for b in bookings:
        gov, par = problem.governments[b.government_id], problem.partners[b.partner_id]
        needed = bool(gov.languages and par.languages) and not gov.languages & par.languages
        if b.interpreter is None:
            continue
        i = by_id.get(b.interpreter)
        if not needed or i is None or b.slot not in i.available:
            found.append(f"wrong interpreter: {b}")
        elif not (i.languages & gov.languages and i.languages & par.languages):
            found.append(f"languages not covered: {b}")
    return found


def meetings(bookings: list[Booking]) -> list[tuple[str, str, int, str | None]]:
    """Who meets when with which interpreter (tables are another module's business)."""
    return [(b.government_id, b.partner_id, b.slot, b.interpreter) for b in bookings]


# -- the rule ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("a", "b", "needed"),
    [
        (ES, EN, True),
        (ES | EN, EN | FR, False),
        (ES, frozenset(), False),  # unknown languages never ask for an interpreter
        (frozenset(), frozenset(), False),
    ],
)
def test_a_meeting_needs_an_interpreter_when_both_declare_languages_and_share_none(
    a: frozenset[str], b: frozenset[str], needed: bool
) -> None:
    assert needs_interpreter(person("g", a, {0}), person("p", b, {0})) is needed


# -- staffing within solve ---------------------------------------------------------------------
def test_an_augmenting_path_staffs_both_meetings_of_a_slot() -> None:
    # both meetings can only happen in slot 0; the heavier one (es-en) is staffed first and
    # takes I-both (the less versatile: fewer slots), which the es-fr meeting needs: the
    # matching must hand I-en to the first meeting to staff both
    problem = problem_of(
        [person("g0", ES, {0}), person("g1", ES, {0})],
        [person("p0", EN, {0}), person("p1", FR, {0})],
        [("g0", "p0", 9.0), ("g1", "p1", 1.0)],
        [
            interpreter("I-en", {"es", "en", "de"}, {0, 1}),
            interpreter("I-both", {"es", "en", "fr"}, {0}),
        ],
        num_slots=2,
    )
    result = solve(problem)
    staffed = {b.partner_id: b.interpreter for b in result.bookings}
    assert staffed == {"p0": "I-en", "p1": "I-both"}
    assert result.report.interpreted == 2 and result.report.unstaffed == []


def test_a_meeting_that_needs_no_interpreter_never_gets_one() -> None:
    problem = problem_of(
        [person("g0", ES | EN, {0, 1})],
        [person("p0", EN, {0, 1}), person("p1", frozenset(), {0, 1})],
        [("g0", "p0", 5.0), ("g0", "p1", 5.0)],
        [interpreter("I0", {"es", "en"}, {0, 1})],
    )
    result = solve(problem)
    assert len(result.bookings) == 2
    assert all(b.interpreter is None for b in result.bookings)
    assert result.report.interpreted == 0 and result.report.unstaffed == []
    assert "interpreters" not in format_report(result.report)


def test_a_meeting_moves_to_the_slot_where_its_interpreter_works() -> None:
    problem = problem_of(
        [person("g0", ES, {0, 1, 2})],
        [person("p0", EN, {0, 1, 2})],
        [("g0", "p0", 5.0)],
        [interpreter("I0", {"es", "en"}, {2})],
    )
    result = solve(problem)
    assert meetings(result.bookings) == [("g0", "p0", 2, "I0")]


def test_meetings_swap_slots_so_that_an_interpreter_can_staff_one() -> None:
    # g0 meets p0 (needs an interpreter, who works only in slot 1) and p1 (no need); with g0's
    # meetings placed the wrong way round, staffing swaps them
    problem = problem_of(
        [person("g0", ES, {0, 1})],
        [person("p0", EN, {0, 1}), person("p1", ES, {0, 1})],
        [("g0", "p0", 5.0), ("g0", "p1", 5.0)],
        [interpreter("I0", {"es", "en"}, {1})],
        num_slots=2,
    )
    compiled = compile_problem(problem)
    board = compiled.board
    edge = {p.partner_id: e for e, p in enumerate(compiled.pairs)}
    board.place(edge["p0"], 0)
    board.place(edge["p1"], 1)
    staff_meetings(compiled, deadline=None)
    assert board.slot[edge["p0"]] == 1 and board.slot[edge["p1"]] == 0
    result = solve(problem)
    assert {(b.partner_id, b.slot, b.interpreter) for b in result.bookings} == {
        ("p0", 1, "I0"),
        ("p1", 0, None),
    }


def test_unstaffed_meetings_are_still_booked_and_reported() -> None:
    # one interpreter, two meetings that can only happen in slot 0
    problem = problem_of(
        [person("g0", ES, {0}), person("g1", ES, {0})],
        [person("p0", EN, {0}), person("p1", EN, {0})],
        [("g0", "p0", 9.0), ("g1", "p1", 1.0)],
        [interpreter("I0", {"es", "en"}, {0})],
    )
    result = solve(problem)
    assert len(result.bookings) == 2 and result.report.total_weight == 10.0
    assert [b.partner_id for b in result.report.unstaffed] == ["p1"]  # the lighter one
    assert result.report.interpreted == 1
    assert "interpreters : 1 meetings staffed, 1 need one and have none" in format_report(
        result.report
    )


def test_a_fixed_bookings_interpreter_is_busy_in_its_slot() -> None:
    problem = problem_of(
        [person("g0", ES, {0, 1}), person("g1", ES, {0, 1})],
        [person("p0", EN, {0}), person("p1", EN, {0, 1})],
        [("g0", "p0", 5.0), ("g1", "p1", 5.0)],
        [interpreter("I0", {"es", "en"}, {0, 1})],
        num_slots=2,
    )
    problem.fixed = [Booking("g0", "p0", 0, 0, "I0")]
    result = solve(problem)
    assert meetings(result.bookings) == [("g1", "p1", 1, "I0")]
    problem.interpreters = [interpreter("I0", {"es", "en"}, {0})]
    result = solve(problem)
    assert [b.interpreter for b in result.bookings] == [None]
    assert result.report.unstaffed == result.bookings


# -- late bookings and moves by hand -----------------------------------------------------------
def test_book_one_prefers_a_slot_where_an_interpreter_is_free() -> None:
    problem = problem_of(
        [person("g0", ES, {0, 1, 2})],
        [person("p0", EN, {0, 1, 2})],
        [("g0", "p0", 5.0)],
        [interpreter("I0", {"es", "en"}, {1, 2}), interpreter("I1", {"es", "en"}, {0})],
    )
    problem.fixed = [Booking("gx", "px", 1, 0, "I0")]
    problem.governments["gx"] = person("gx", ES, {1})
    problem.partners["px"] = person("px", EN, {1})
    problem.fixed.append(Booking("gy", "py", 0, 0, "I1"))
    problem.governments["gy"] = person("gy", ES, {0})
    problem.partners["py"] = person("py", EN, {0})
    booking = book_one(problem, problem.pairs[0])
    assert booking is not None and meetings([booking]) == [("g0", "p0", 2, "I0")]


def test_book_one_books_without_an_interpreter_when_none_is_free() -> None:
    problem = problem_of(
        [person("g0", ES, {0})],
        [person("p0", EN, {0})],
        [("g0", "p0", 5.0)],
        [interpreter("I0", {"es", "fr"}, {0})],
    )
    assert book_one(problem, problem.pairs[0]) == Booking("g0", "p0", 0, 0, None)


def test_staff_finds_a_free_interpreter_for_a_moved_meeting() -> None:
    problem = problem_of(
        [person("g0", ES, {0, 1}), person("g1", ES, {0, 1})],
        [person("p0", EN, {0, 1}), person("p1", EN, {0, 1}), person("p2", ES, {0, 1})],
        [],
        [
            interpreter("I-wide", {"es", "en", "fr"}, {0, 1}),
            interpreter("I-narrow", {"es", "en"}, {0, 1}),
        ],
    )
    problem.fixed = [Booking("g1", "p1", 0, 1, "I-narrow"), Booking("g0", "p0", 1, 0, "I-wide")]
    # the least versatile free one; the meeting's own (old) booking does not keep anyone busy
    assert staff(problem, Booking("g0", "p0", 1, 0)) == "I-narrow"
    assert staff(problem, Booking("g0", "p0", 0, 0)) == "I-wide"
    assert staff(problem, Booking("g0", "p2", 0, 0)) is None  # they share Spanish
    problem.fixed.append(Booking("g9", "p9", 0, 2, "I-wide"))
    assert staff(problem, Booking("g0", "p0", 0, 0)) is None


# -- property: staffing keeps every rule and never costs weight ----------------------------------
def with_languages(problem: SchedulingProblem, data: st.DataObject) -> SchedulingProblem:
    languages = st.frozensets(st.sampled_from(["es", "en", "fr"]), max_size=2)
    slots = st.frozensets(st.integers(0, problem.num_slots - 1))

    def speak(a: Attendee) -> Attendee:
        return dataclasses.replace(a, languages=data.draw(languages))

    interpreters = data.draw(
        st.lists(st.builds(Interpreter, st.just(""), languages, slots), max_size=4)
    )
    return dataclasses.replace(
        problem,
        governments={k: speak(a) for k, a in problem.governments.items()},
        partners={k: speak(a) for k, a in problem.partners.items()},
        interpreters=[dataclasses.replace(i, id=f"I{k}") for k, i in enumerate(interpreters)],
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), data=st.data())
def test_staffed_schedules_keep_every_rule_and_the_weight(seed: int, data: st.DataObject) -> None:
    plain = random_problem(seed, people=5, slots=4, pairs=14)
    problem = with_languages(plain, data)
    result = solve(problem)
    assert violations(problem, result.bookings) == []
    assert interpreter_violations(problem, result.bookings) == []
    assert result.report.total_weight == solve(plain).report.total_weight
    assert result.report.total_weight == weight_of(problem, result.bookings)
    unstaffed = [
        b
        for b in result.bookings
        if b.interpreter is None
        and needs_interpreter(problem.governments[b.government_id], problem.partners[b.partner_id])
    ]
    assert result.report.unstaffed == unstaffed
    assert result.report.interpreted == sum(b.interpreter is not None for b in result.bookings)
