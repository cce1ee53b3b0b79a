"""An exact time-indexed MIP for small events, where it is cheap and proves optimality.

The local search is not exact on every small instance (some optima need three or more
coordinated moves). When the model has only a few thousand (pair, slot) variables, HiGHS
solves it to proven optimality in well under a second, so small events get the best
schedule there is. The search result stays whenever the MIP does not beat it.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_array

from .board import FIXED, FREE, Board, bits

MAX_VARIABLES = 4000  # beyond this, solve time grows unpredictably; the search is near-optimal
NODE_LIMIT = 2000  # a deterministic cap (unlike a time limit) on pathological small cases


def improve_exactly(board: Board, edges: list[int]) -> bool:
    """Replace the placement of ``edges`` by a better one from the MIP, if there is one.

    Fixed bookings stay as they are. Returns whether the board changed.
    """
    if sum(board.emask[e].bit_count() for e in edges) > 2 * MAX_VARIABLES:
        return False  # clearly too big: skip building the model at all
    fixed_busy = [sum(1 << s for s, f in enumerate(row) if f == FIXED) for row in board.occ]
    columns = [
        (e, s)
        for e in edges
        for s in bits(board.emask[e] & ~(fixed_busy[board.eg[e]] | fixed_busy[board.ep[e]]))
    ]
    if not columns or len(columns) > MAX_VARIABLES:
        return False
    rows: dict[tuple[int, ...], int] = {}
    upper: list[float] = []
    entries_r: list[int] = []
    entries_c: list[int] = []
    fixed_load = [board.load[s] - len(board.in_slot[s]) for s in range(board.num_slots)]
    fixed_count = [c - sum(1 for f in board.occ[i] if f >= 0) for i, c in enumerate(board.count)]
    for col, (e, s) in enumerate(columns):
        g, p = board.eg[e], board.ep[e]
        for key, limit in (
            ((0, g, s), 1),
            ((0, p, s), 1),
            ((1, g), board.cap[g] - fixed_count[g]),
            ((1, p), board.cap[p] - fixed_count[p]),
            ((2, s), board.num_tables - fixed_load[s]),
            ((3, e), 1),
        ):
            if key not in rows:
                rows[key] = len(upper)
                upper.append(max(limit, 0))
            entries_r.append(rows[key])
            entries_c.append(col)
    matrix = csr_array(
        (np.ones(len(entries_r)), (entries_r, entries_c)), shape=(len(upper), len(columns))
    )
    cost = -np.array([board.value[e] for e, _ in columns], dtype=float)
    result = milp(
        cost,
        integrality=np.ones(len(columns)),
        bounds=Bounds(0, 1),
        constraints=LinearConstraint(matrix, -np.inf, np.array(upper)),
        options={"node_limit": NODE_LIMIT, "mip_rel_gap": 0.0},
    )
    if result.x is None:
        return False
    chosen = [columns[k] for k in np.flatnonzero(result.x > 0.5).tolist()]
    if sum(board.value[e] for e, _ in chosen) <= board.placed_value():
        return False
    return _replace(board, edges, chosen)


def _replace(board: Board, edges: list[int], chosen: list[tuple[int, int]]) -> bool:
    """Swap in the MIP's placement, re-checking every rule (the MIP works to a tolerance)."""
    mark = len(board.journal)
    for e in edges:
        if board.slot[e] != FREE:
            board.unplace(e)
    for e, s in chosen:
        if not (board.has_room(e) and board.free_slots(e) >> s & 1):
            board.rollback(mark)
            return False
        board.place(e, s)
    board.journal.clear()
    return True
