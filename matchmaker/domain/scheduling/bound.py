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
    cap = np.asarray(caps, dtype=np.int64)
    group_caps = np.array([[(f & m).bit_count() for m in groups] for f in free], dtype=np.int64)
    group_caps = np.minimum(group_caps, cap[:, None])
    group_node, num_nodes = _group_nodes(
        board.avail, groups, cap, group_caps, FIRST_PARTICIPANT + n
    )
    p_tails, p_heads, p_caps = _participant_arcs(
        caps, group_caps, group_node, num_governments, total
    )
    # Many flows are worth the same, and which one the solver returns (it depends on the
    # order of the arcs) decides how well the board laid afresh from its pairs places: on
    # xl-stress 1,010,480 to 1,010,537 after the search. The most valuable pairs' arcs first
    # did best of the orders tried (edge order, by value, by common slots, by both)
    value = np.asarray(board.value, dtype=np.int64)
    edge = np.asarray(edges, dtype=np.int64)
    edge = edge[np.lexsort((edge, -value[edge]))]
    e_tails, e_heads, num_nodes = _edge_arcs(board, edge, groups, group_node, num_nodes)
    costs = np.zeros(len(p_tails) + len(e_tails), dtype=np.int64)
    # the first len(edge) edge arcs carry the values, one per edge in order
    costs[len(p_tails) : len(p_tails) + len(edge)] = -value[edge]

    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        np.concatenate([p_tails, e_tails]).astype(np.int32),
        np.concatenate([p_heads, e_heads]).astype(np.int32),
        np.concatenate([p_caps, np.ones(len(e_tails), dtype=np.int64)]),
        costs,
    )
    supplies = np.zeros(num_nodes, dtype=np.int64)
    supplies[SOURCE], supplies[SINK] = total, -total
    flow.set_nodes_supplies(np.arange(num_nodes, dtype=np.int32), supplies)
    if flow.solve() != flow.OPTIMAL:
        raise RuntimeError("min-cost flow failed for the grouped bound")
    value_arcs = len(p_tails) + np.arange(len(edge), dtype=np.int32)
    used = flow.flows(value_arcs) > 0
    return sorted(edge[used].tolist())


def _group_nodes(
    avail: list[int], groups: list[int], cap: np.ndarray, group_caps: np.ndarray, first: int
) -> tuple[np.ndarray, int]:
    """Per participant and group, the node that keeps their limit in that group, numbered
    from ``first``, where that limit binds (-1 elsewhere); and the first number left.

    A limit binds where a participant attends fewer free slots than their cap: elsewhere
    the cap alone limits them (see ``_edge_arcs``). On xl-stress two thirds of the
    participants have no binding limit at all; with group nodes for every participant and
    group the flow had 80,000 nodes and 170,000 arcs and took 1.3 s, now 22,000, 82,000
    and 0.35 s, with its value as it was.
    """
    attends = np.array([[(a & m) != 0 for m in groups] for a in avail], dtype=bool)
    binding = (group_caps < cap[:, None]) & attends & (cap > 0)[:, None]
    group_node = np.full(binding.shape, -1, dtype=np.int64)
    group_node[binding] = first + np.arange(int(binding.sum()), dtype=np.int64)
    return group_node, first + int(binding.sum())


def _edge_arcs(
    board: Board, edge: np.ndarray, groups: list[int], group_node: np.ndarray, first: int
) -> tuple[np.ndarray, np.ndarray, int]:
    """Arcs for the candidate edges: tails, heads and the node count (new nodes are
    numbered from ``first``).

    The first ``len(edge)`` arcs carry the edges' values, in the order of ``edge``. On each
    side an edge's unit enters the participant's own node when one of the groups the two
    share has no binding limit for them (see ``_group_nodes``): meeting there is never
    worse than meeting in a group whose limit binds. Else it enters one of their group
    nodes among the groups the two share. One way in on each side is one arc; a side with
    several ways in gets a joint node, so that the edge still carries one unit at most
    (two joints, in -> out, when both sides have several).
    """
    eg = np.asarray(board.eg, dtype=np.int64)[edge]
    ep = np.asarray(board.ep, dtype=np.int64)[edge]
    emask = np.asarray(board.emask, dtype=np.int64)[edge]
    in_group = np.stack([(emask & m) != 0 for m in groups], axis=1)  # edges x groups
    spans = in_group.sum(axis=1) > 1
    g_free = (in_group & (group_node[eg] < 0)).any(axis=1)
    p_free = (in_group & (group_node[ep] < 0)).any(axis=1)
    g_split, p_split = ~g_free & spans, ~p_free & spans
    # the one way in of a side that does not split: its own node or its only shared group
    first_group = in_group.argmax(axis=1)
    g_end = np.where(g_free, FIRST_PARTICIPANT + eg, group_node[eg, first_group])
    p_end = np.where(p_free, FIRST_PARTICIPANT + ep, group_node[ep, first_group])
    joint_in = np.full(len(edge), -1, dtype=np.int64)
    split = np.flatnonzero(g_split | p_split)
    joint_in[split] = first + np.arange(len(split), dtype=np.int64)
    first += len(split)
    joint_out = joint_in.copy()
    both = np.flatnonzero(g_split & p_split)
    joint_out[both] = first + np.arange(len(both), dtype=np.int64)
    first += len(both)
    tails = [np.where(g_split, joint_in, g_end)]
    heads = [np.where(p_split, joint_out, p_end)]
    for g in range(len(groups)):
        into = np.flatnonzero(g_split & in_group[:, g])
        tails += [group_node[eg[into], g]]
        heads += [joint_in[into]]
        out_of = np.flatnonzero(p_split & in_group[:, g])
        tails += [joint_out[out_of]]
        heads += [group_node[ep[out_of], g]]
    return np.concatenate(tails), np.concatenate(heads), first


def _participant_arcs(
    caps: list[int],
    group_caps: np.ndarray,
    group_node: np.ndarray,
    num_governments: int,
    total: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Source -> hub -> official -> official's groups; partner's groups -> partner -> sink
    (the groups only where ``group_node`` has them)."""
    tails, heads, capacity = [SOURCE, SOURCE], [SINK, HUB], [total, total]
    for i, cap in enumerate(caps):
        if cap <= 0:
            continue
        node = FIRST_PARTICIPANT + i
        official = i < num_governments
        tails.append(HUB if official else node)
        heads.append(node if official else SINK)
        capacity.append(cap)
        for g, group in enumerate(group_node[i].tolist()):
            if group >= 0 and group_caps[i, g] > 0:
                tails.append(node if official else group)
                heads.append(group if official else node)
                capacity.append(int(group_caps[i, g]))
    as_array = np.asarray
    return as_array(tails), as_array(heads), as_array(capacity, dtype=np.int64)
