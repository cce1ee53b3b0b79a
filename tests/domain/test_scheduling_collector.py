"""The solver pauses Python's cyclic garbage collector while it runs, and leaves it as it was."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from matchmaker.domain.scheduling import SchedulingProblem, solve
from matchmaker.domain.scheduling.solver import _collector_paused
from tests.domain.scheduling_problems import random_problem


@pytest.fixture
def collector_restored() -> Iterator[None]:
    enabled = gc.isenabled()
    yield
    if enabled:
        gc.enable()
    else:
        gc.disable()


@pytest.mark.usefixtures("collector_restored")
@pytest.mark.parametrize("enabled", [True, False])
def test_the_collector_is_paused_during_a_solve_and_left_as_it_was(enabled: bool) -> None:
    if enabled:
        gc.enable()
    else:
        gc.disable()
    seen = []
    solve(random_problem(3), progress=lambda *_, **__: seen.append(gc.isenabled()))
    assert seen and not any(seen)
    assert gc.isenabled() is enabled


@pytest.mark.usefixtures("collector_restored")
def test_the_collector_runs_again_after_a_solve_that_fails() -> None:
    gc.enable()
    bad = SchedulingProblem(num_slots=0, num_tables=1, governments={}, partners={}, pairs=[])
    with pytest.raises(ValueError):
        solve(bad)
    assert gc.isenabled()


@pytest.mark.usefixtures("collector_restored")
def test_overlapping_solves_restore_the_collector_when_the_last_one_ends() -> None:
    gc.enable()
    first, second = _collector_paused(), _collector_paused()
    first.__enter__()
    second.__enter__()  # a second thread's solve starts while the first runs
    first.__exit__(None, None, None)
    assert not gc.isenabled()  # the second still runs
    second.__exit__(None, None, None)
    assert gc.isenabled()
