"""The ejection gain bound (gain_bound.py): never below what an attempt gains, so skipping the
attempts it rules out leaves the search's result exactly as it was."""

from __future__ import annotations

import copy
import random

import pytest

from matchmaker.domain.scheduling import ApprovedPair, Attendee, SchedulingProblem
from matchmaker.domain.scheduling.board import FREE, Board
from matchmaker.domain.scheduling.compile import compile_problem
from matchmaker.domain.scheduling.gain_bound import GainBound
from matchmaker.domain.scheduling.moves import try_insert
from matchmaker.domain.scheduling.search import ChangeLog, attempt, ejections, improve


def crowded_problem(seed: int) -> SchedulingProblem:
    """Low caps, few tables and many pairs: most pairs only fit by ejecting others."""
    rng = random.Random(seed)
    slots = rng.randint(3, 6)

    def attendee(prefix: str, i: int) -> Attendee:
        available = frozenset(s for s in range(slots) if rng.random() < 0.8)
        return Attendee(f"{prefix}{i}", rng.randint(1, 3), available)

    governments = {a.id: a for a in (attendee("g", i) for i in range(8))}
    partners = {a.id: a for a in (attendee("p", i) for i in range(10))}
    pairs = [
        ApprovedPair(g, p, float(rng.randint(1, 20)))
        for g in governments
        for p in partners
        if rng.random() < 0.5
    ]
    return SchedulingProblem(
        num_slots=slots,
        num_tables=rng.randint(1, 4),
        governments=governments,
        partners=partners,
        pairs=pairs,
    )


def greedy_board(seed: int, share: float = 1.0) -> Board:
    """A board with ``share`` of the pairs, in random order, placed where they fit."""
    board = compile_problem(crowded_problem(seed)).board
    order = list(range(len(board.eg)))
    random.Random(seed).shuffle(order)
    for e in order[: round(share * len(order))]:
        if board.emask[e]:
            try_insert(board, e)
    board.journal.clear()
    return board


@pytest.mark.parametrize("share", [0.5, 1.0])
@pytest.mark.parametrize("seed", range(40))
def test_no_ejection_gains_more_than_the_bound(seed: int, share: float) -> None:
    board = greedy_board(seed, share)
    bound = GainBound(board)
    tried = 0
    for e in range(len(board.eg)):
        if board.slot[e] != FREE or not board.emask[e] or board.value[e] <= 0:
            continue
        worth = board.value[e]
        for option in ejections(board, e, worth, None, limit=len(board.load)):
            mark = len(board.journal)
            gained = attempt(board, e, option, worth)
            board.rollback(mark)
            assert gained <= bound.upper(e, worth, option.removed)
            assert gained <= 0 or not bound.cannot_gain(e, worth, option.removed)
            tried += 1
    assert tried > 0


@pytest.mark.parametrize("seed", range(40))
def test_the_bound_changes_nothing_the_search_finds(seed: int) -> None:
    board = greedy_board(seed, 0.5)
    candidates = sorted(
        (e for e in range(len(board.eg)) if board.emask[e] and board.value[e] > 0),
        key=lambda e: (-board.value[e], e),
    )
    results = []
    for with_bound in (False, True):
        copied = copy.deepcopy(board)
        log = ChangeLog(len(copied.cap), len(copied.eg))
        bound = GainBound(copied) if with_bound else None
        for _ in range(3):  # later rounds see the bound told of the changes of earlier ones
            improve(copied, candidates, None, None, log, slots_tried=24, bound=bound)
        results.append(copied.slot)
    assert results[0] == results[1]
