"""Which pairs should meet, ignoring when: a max-weight b-matching solved as a min-cost flow.

Each participant can take ``cap`` meetings (never more than their free slots), the event can
host ``tables x slots`` meetings, and each pair meets once. Without the "same slot" condition
this is a flow problem, solved exactly and fast; its value bounds every real schedule, and it
is the optimum itself when availability does not bind.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow

SOURCE, HUB, SINK, FIRST_PARTICIPANT = 0, 1, 2, 3


@dataclass
class FlowInput:
    """A b-matching instance over integer-indexed participants and candidate edges.

    ``guaranteed[i]`` units of participant ``i``'s capacity carry ``bonus`` each, so the flow
    first serves as many guaranteed units as it can (the fairness floor), then maximises value.
    """

    caps: list[int]
    num_governments: int  # participants 0..num_governments-1 are governments, the rest partners
    total: int
    eg: list[int]
    ep: list[int]
    value: list[int]
    guaranteed: list[int] | None = None
    bonus: int = 0
    edges: list[int] | None = None  # the caller's ids of the edges, aligned with eg and ep


def max_weight_b_matching(data: FlowInput) -> list[int]:
    """Indexes (into ``data.eg``) of the edges of a maximum-value b-matching."""
    keep = [k for k, v in enumerate(data.value) if v > 0]
    if not keep or data.total <= 0:
        return []
    n = len(data.caps)
    tails, heads, caps, costs = _participant_arcs(data)
    eg = np.asarray(data.eg, dtype=np.int64)[keep]
    ep = np.asarray(data.ep, dtype=np.int64)[keep]
    first_edge_arc = len(tails)
    tails.extend((eg + FIRST_PARTICIPANT).tolist())
    heads.extend((ep + FIRST_PARTICIPANT).tolist())
    caps.extend([1] * len(keep))
    costs.extend((-np.asarray(data.value, dtype=np.int64)[keep]).tolist())

    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        np.asarray(tails, dtype=np.int32),
        np.asarray(heads, dtype=np.int32),
        np.asarray(caps, dtype=np.int64),
        np.asarray(costs, dtype=np.int64),
    )
    supply = data.total
    supplies = np.zeros(n + FIRST_PARTICIPANT, dtype=np.int64)
    supplies[SOURCE], supplies[SINK] = supply, -supply
    flow.set_nodes_supplies(np.arange(n + FIRST_PARTICIPANT, dtype=np.int32), supplies)
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed with status {status}")
    arcs = np.arange(first_edge_arc, first_edge_arc + len(keep), dtype=np.int32)
    used = flow.flows(arcs) > 0
    return [keep[k] for k in np.flatnonzero(used).tolist()]


def _participant_arcs(data: FlowInput) -> tuple[list[int], list[int], list[int], list[int]]:
    """Source, hub and sink arcs: hub -> government, partner -> sink."""
    # the bypass lets the flow leave capacity unused: we maximise value, not the number of units
    arcs = [(SOURCE, SINK, data.total, 0), (SOURCE, HUB, data.total, 0)]
    guaranteed = data.guaranteed or [0] * len(data.caps)
    for i, cap in enumerate(data.caps):
        node = i + FIRST_PARTICIPANT
        if cap <= 0:
            continue
        if i >= data.num_governments:
            arcs.append((node, SINK, cap, 0))
            continue
        floor = min(guaranteed[i], cap)
        if floor > 0:
            arcs.append((HUB, node, floor, -data.bonus))
        if cap > floor:
            arcs.append((HUB, node, cap - floor, 0))
    tails, heads, caps, costs = (list(column) for column in zip(*arcs, strict=True))
    return tails, heads, caps, costs
