"""A tighter upper bound than the b-matching: meetings per participant per part of the event.

The b-matching bound lets each participant take ``min(cap, slots they attend)`` meetings with
anyone, so an official who attends five slots of day one may, in the relaxation, meet ten
partners who attend day one only. Splitting the slots into groups (the days, found from the
data) and limiting every participant to the slots they attend *in each group* closes most of
that gap. A meeting passes through one group on each side and the two groups need not agree:
that keeps the problem a network flow, solved exactly. Any valid schedule is a feasible flow
(each meeting uses its own slot's group on both sides), so the flow's value bounds every
schedule; with one group it is the b-matching bound itself.
"""

from __future__ import annotations

import itertools

import numpy as np
from ortools.graph.python import min_cost_flow

from .board import Board
from .flow import FlowInput

# a boundary between two slots separates groups when at least this share of the largest
# change in attendance happens there (arrivals, departures, the night between two days)
GROUP_CUT_SHARE = 0.5
# measured on the stress instances: days alone give the whole gain of the flow; halves of
# days or single slots add nothing but arcs (the two sides' groups need not agree)
MAX_GROUPS = 4

SOURCE, HUB, SINK, FIRST_PARTICIPANT = 0, 1, 2, 3


def slot_groups(board: Board) -> list[int]:
    """Consecutive slot groups (as bit masks), split where attendance changes the most."""
    changes = [
        (sum(1 for a in board.avail if (a >> (s - 1) ^ a >> s) & 1), s)
        for s in range(1, board.num_slots)
    ]
    top = max((c for c, _ in changes), default=0)
    biggest = sorted((c for c in changes if top and c[0] >= GROUP_CUT_SHARE * top), reverse=True)
    cuts = sorted(s for _, s in biggest[: MAX_GROUPS - 1])
    ends = [0, *cuts, board.num_slots]
    return [(1 << hi) - (1 << lo) for lo, hi in itertools.pairwise(ends)]


def grouped_flow_edges(
    board: Board, num_governments: int, relaxation: FlowInput, free: list[int]
) -> list[int] | None:
    """The edges of a max-value flow that also keeps per-group limits; None with one group.

    ``relaxation`` is the b-matching (its edges, caps at most the free slots, and free
    places) and ``free`` each participant's free slots, both before anything was placed.
    The summed weight of the returned edges bounds what any schedule can add to that board.
    """
    groups = slot_groups(board)
    if len(groups) < 2:
        return None
    edges, caps, total = relaxation.edges or [], relaxation.caps, relaxation.total
    if not edges or total <= 0:
        return []
    n = len(caps)
    group_caps = np.array([[(f & m).bit_count() for m in groups] for f in free], dtype=np.int64)
    group_caps = np.minimum(group_caps, np.asarray(caps, dtype=np.int64)[:, None])
    first_group = FIRST_PARTICIPANT + n
    p_tails, p_heads, p_caps = _participant_arcs(
        caps, group_caps, num_governments, total, first_group
    )
    edge = np.asarray(edges, dtype=np.int64)
    e_tails, e_heads, e_costs, order, num_nodes = _edge_arcs(board, edge, groups, first_group)

    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        np.concatenate([p_tails, e_tails]).astype(np.int32),
        np.concatenate([p_heads, e_heads]).astype(np.int32),
        np.concatenate([p_caps, np.ones(len(e_tails), dtype=np.int64)]),
        np.concatenate([np.zeros(len(p_tails), dtype=np.int64), e_costs]),
    )
    supplies = np.zeros(num_nodes, dtype=np.int64)
    supplies[SOURCE], supplies[SINK] = total, -total
    flow.set_nodes_supplies(np.arange(num_nodes, dtype=np.int32), supplies)
    if flow.solve() != flow.OPTIMAL:
        raise RuntimeError("min-cost flow failed for the grouped bound")
    # the first len(edge) edge arcs carry the values, one per edge in ``order``
    value_arcs = len(p_tails) + np.arange(len(edge), dtype=np.int32)
    used = flow.flows(value_arcs) > 0
    return sorted(edge[order[used]].tolist())


def _edge_arcs(
    board: Board, edge: np.ndarray, groups: list[int], first_group: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """Arcs for the candidate edges: tails, heads, costs, the edges' order, the node count.

    The first ``len(edge)`` arcs carry the edges' values, in the returned order.
    """
    k = len(groups)
    n = first_group - FIRST_PARTICIPANT
    eg = np.asarray(board.eg, dtype=np.int64)[edge]
    ep = np.asarray(board.ep, dtype=np.int64)[edge]
    value = np.asarray(board.value, dtype=np.int64)[edge]
    emask = np.asarray(board.emask, dtype=np.int64)[edge]
    in_group = np.stack([(emask & m) != 0 for m in groups], axis=1)  # edges x groups
    single = in_group.sum(axis=1) == 1
    # an edge within one group is one arc between its two participants' group nodes
    one = np.flatnonzero(single)
    grp = in_group[one].argmax(axis=1)
    tails = [first_group + eg[one] * k + grp]
    heads = [first_group + ep[one] * k + grp]
    # an edge spanning groups gets a node pair (in -> out, one unit) that joins them
    many = np.flatnonzero(~single)
    e_in = first_group + n * k + 2 * np.arange(len(many), dtype=np.int64)
    tails.append(e_in)
    heads.append(e_in + 1)
    costs = [-value[one], -value[many]]
    for g in range(k):
        where = np.flatnonzero(in_group[many, g])
        tails += [first_group + eg[many[where]] * k + g, e_in[where] + 1]
        heads += [e_in[where], first_group + ep[many[where]] * k + g]
    joined_tails, joined_heads = np.concatenate(tails), np.concatenate(heads)
    costs.append(np.zeros(len(joined_tails) - len(edge), dtype=np.int64))
    order = np.concatenate([one, many])
    num_nodes = first_group + n * k + 2 * len(many)
    return joined_tails, joined_heads, np.concatenate(costs), order, num_nodes


def _participant_arcs(
    caps: list[int], group_caps: np.ndarray, num_governments: int, total: int, first_group: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Source -> hub -> official -> official's groups; partner's groups -> partner -> sink."""
    k = group_caps.shape[1]
    tails, heads, capacity = [SOURCE, SOURCE], [SINK, HUB], [total, total]
    for i, cap in enumerate(caps):
        if cap <= 0:
            continue
        node = FIRST_PARTICIPANT + i
        official = i < num_governments
        tails.append(HUB if official else node)
        heads.append(node if official else SINK)
        capacity.append(cap)
        for g in range(k):
            if group_caps[i, g] > 0:
                group_node = first_group + i * k + g
                tails.append(node if official else group_node)
                heads.append(group_node if official else node)
                capacity.append(int(group_caps[i, g]))
    as_array = np.asarray
    return as_array(tails), as_array(heads), as_array(capacity, dtype=np.int64)
