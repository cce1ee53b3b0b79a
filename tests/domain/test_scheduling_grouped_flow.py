"""The grouped flow (bound.py) gives group nodes only to participants whose group limits bind;
its value must be that of the flow that gives every participant their group nodes."""

from __future__ import annotations

import numpy as np
import pytest
from ortools.graph.python import min_cost_flow

from matchmaker.domain.scheduling import solve
from matchmaker.domain.scheduling.board import Board
from matchmaker.domain.scheduling.bound import grouped_flow_edges, slot_groups
from matchmaker.domain.scheduling.compile import compile_problem
from matchmaker.domain.scheduling.flow import FlowInput
from matchmaker.domain.scheduling.solver import _relaxation
from tests.domain.scheduling_problems import two_day_problem


def every_group_split_value(
    board: Board, num_governments: int, relaxation: FlowInput, free: list[int]
) -> int:
    """The grouped flow built plainly: every participant has a node per group, every edge
    an in and an out node joined by its value arc."""
    groups = slot_groups(board)
    k, n, total = len(groups), len(relaxation.caps), relaxation.total
    source, hub, sink, first = 0, 1, 2, 3
    group_node = first + n
    arcs = [(source, sink, total, 0), (source, hub, total, 0)]
    for i, cap in enumerate(relaxation.caps):
        official = i < num_governments
        arcs.append((hub, first + i, cap, 0) if official else (first + i, sink, cap, 0))
        for g, mask in enumerate(groups):
            room = min((free[i] & mask).bit_count(), cap)
            node = group_node + i * k + g
            arcs.append((first + i, node, room, 0) if official else (node, first + i, room, 0))
    edge_node = group_node + n * k
    for j, e in enumerate(relaxation.edges or []):
        into, out = edge_node + 2 * j, edge_node + 2 * j + 1
        arcs.append((into, out, 1, -board.value[e]))
        for g, mask in enumerate(groups):
            if board.emask[e] & mask:
                arcs.append((group_node + board.eg[e] * k + g, into, 1, 0))
                arcs.append((out, group_node + board.ep[e] * k + g, 1, 0))
    tails, heads, caps, costs = (np.asarray(column) for column in zip(*arcs, strict=True))
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        tails.astype(np.int32), heads.astype(np.int32), caps.astype(np.int64), costs
    )
    num_nodes = edge_node + 2 * len(relaxation.edges or [])
    supplies = np.zeros(num_nodes, dtype=np.int64)
    supplies[source], supplies[sink] = total, -total
    flow.set_nodes_supplies(np.arange(num_nodes, dtype=np.int32), supplies)
    assert flow.solve() == flow.OPTIMAL
    return -flow.optimal_cost()


@pytest.mark.parametrize("with_fixed", [False, True])
@pytest.mark.parametrize("seed", range(6))
def test_group_nodes_only_where_limits_bind_leave_the_flow_value_as_it_was(
    seed: int, with_fixed: bool
) -> None:
    problem = two_day_problem(seed, people=30, pairs=300)
    if with_fixed:  # busy slots make some participants' group limits bind
        problem.fixed = solve(problem).bookings[::3]
    compiled = compile_problem(problem)
    board = compiled.board
    relaxation = _relaxation(compiled, None)
    free = [a & ~b for a, b in zip(board.avail, board.busy, strict=True)]
    chosen = grouped_flow_edges(board, compiled.num_governments, relaxation, free)
    assert chosen is not None and chosen == sorted(set(chosen))
    assert set(chosen) <= set(relaxation.edges or [])
    reference = every_group_split_value(board, compiled.num_governments, relaxation, free)
    assert sum(board.value[e] for e in chosen) == reference
