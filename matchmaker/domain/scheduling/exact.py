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


class _Rows:
    """The MIP's constraint rows, each "at most ``limit``", built as columns name them: a
    person in one slot (once), a person's meetings (their cap), a slot's tables, a pair
    (once). Rows are found by what they constrain, so each exists once."""

    def __init__(self) -> None:
        self.index: dict[tuple[object, ...], int] = {}
        self.limits: list[float] = []
        self.row_of_entry: list[int] = []
        self.column_of_entry: list[int] = []

    def add(self, column: int, constrains: tuple[object, ...], limit: int) -> None:
        if constrains not in self.index:
            self.index[constrains] = len(self.limits)
            self.limits.append(max(limit, 0))
        self.row_of_entry.append(self.index[constrains])
        self.column_of_entry.append(column)

    def constraint(self, columns: int) -> LinearConstraint:
        entries = (self.row_of_entry, self.column_of_entry)
        matrix = csr_array((np.ones(len(self.row_of_entry)), entries),
                           shape=(len(self.limits), columns))  # fmt: skip
        return LinearConstraint(matrix, -np.inf, np.array(self.limits))


def improve_exactly(board: Board, edges: list[int]) -> bool:
    """Replace the placement of ``edges`` by a better one from the MIP, if there is one.

    Fixed bookings stay as they are. Returns whether the board changed.
    """
    if sum(board.emask[e].bit_count() for e in edges) > 2 * MAX_VARIABLES:
        return False  # clearly too big: skip building the model at all
    columns = _columns(board, edges)
    if not columns or len(columns) > MAX_VARIABLES:
        return False
    chosen = _solve(board, columns)
    if chosen is None or sum(board.value[e] for e, _ in chosen) <= board.placed_value():
        return False
    return _replace(board, edges, chosen)


def _columns(board: Board, edges: list[int]) -> list[tuple[int, int]]:
    """The MIP's variables: (pair, slot) for every slot where neither side has a fixed
    booking."""
    fixed_busy = [sum(1 << s for s, f in enumerate(row) if f == FIXED) for row in board.occ]
    return [
        (edge, slot)
        for edge in edges
        for slot in bits(
            board.emask[edge] & ~(fixed_busy[board.eg[edge]] | fixed_busy[board.ep[edge]])
        )
    ]


def _solve(board: Board, columns: list[tuple[int, int]]) -> list[tuple[int, int]] | None:
    """The (pair, slot) columns of the best placement HiGHS finds, or None."""
    # What fixed bookings already take: tables per slot, meetings per person.
    fixed_tables = [board.load[s] - len(board.in_slot[s]) for s in range(board.num_slots)]
    fixed_meetings = [
        count - sum(1 for f in board.occ[person] if f >= 0)
        for person, count in enumerate(board.count)
    ]
    rows = _Rows()
    for column, (edge, slot) in enumerate(columns):
        government, partner = board.eg[edge], board.ep[edge]
        rows.add(column, ("person in slot", government, slot), 1)
        rows.add(column, ("person in slot", partner, slot), 1)
        rows.add(
            column, ("meetings of", government), board.cap[government] - fixed_meetings[government]
        )
        rows.add(column, ("meetings of", partner), board.cap[partner] - fixed_meetings[partner])
        rows.add(column, ("tables in slot", slot), board.num_tables - fixed_tables[slot])
        rows.add(column, ("pair", edge), 1)
    result = milp(
        -np.array([board.value[e] for e, _ in columns], dtype=float),  # milp minimises
        integrality=np.ones(len(columns)),
        bounds=Bounds(0, 1),
        constraints=rows.constraint(len(columns)),
        options={"node_limit": NODE_LIMIT, "mip_rel_gap": 0.0},
    )
    if result.x is None:
        return None
    return [columns[k] for k in np.flatnonzero(result.x > 0.5).tolist()]


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
