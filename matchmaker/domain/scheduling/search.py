"""Improving a timetable: swap an unplaced pair in for the meetings that block it."""

from __future__ import annotations

import time

from .board import FIXED, FREE, Board, bits
from .moves import try_insert

SLOTS_TRIED_PER_EJECTION = 4  # the cheapest few slots hold almost all successful ejections
REFILL_TRIES = 8  # best unplaced pairs per participant offered the room an ejection frees


def eject_insert(
    board: Board, e: int, protected: list[int] | None = None, worth: int | None = None
) -> int:
    """Place ``e`` by removing the meetings in its way, then re-placing them where possible.

    Slots are tried cheapest first; each attempt is kept only if the total value grows, and
    undone otherwise. ``protected[i]`` (fairness floor) forbids taking participant ``i`` below
    that many meetings; ``worth`` overrides what placing ``e`` is worth (to serve a floor at
    a loss). Returns the value gained by the accepted change (0 when nothing changed).
    """
    worth = board.value[e] if worth is None else worth
    options = []
    for s in bits(board.emask[e]):
        blockers = _blockers(board, e, s, protected)
        if blockers is None:
            continue
        lost, removed = blockers
        if lost < worth:
            options.append((lost, sum(board.value[f] for f in removed), s, removed))
    options.sort(key=lambda o: (o[0], o[1], o[2]))
    for _, _, s, removed in options[:SLOTS_TRIED_PER_EJECTION]:
        mark = len(board.journal)
        for f in removed:
            board.unplace(f)
        board.place(e, s)
        gain = worth
        for f in sorted(removed, key=lambda f: -board.value[f]):
            if not try_insert(board, f):
                gain -= board.value[f] - _refill(board, f, e)
        if gain > 0:
            return gain
        board.rollback(mark)
    return 0


def _refill(board: Board, f: int, e: int) -> int:
    """Use the room ``f`` left behind for other unplaced pairs of its two participants.

    Removing ``f`` frees a unit of cap for each of them, which a pair that never fitted may
    now take. Returns the value placed.
    """
    placed = 0
    for i in (board.eg[f], board.ep[f]):
        tries = 0
        for h in board.edges_of[i]:
            if tries >= REFILL_TRIES or board.count[i] >= board.cap[i]:
                break
            if h in (e, f) or board.slot[h] != FREE or board.value[h] <= 0:
                continue
            tries += 1
            if board.emask[h] and try_insert(board, h):
                placed += board.value[h]
    return placed


def _blockers(
    board: Board, e: int, s: int, protected: list[int] | None
) -> tuple[int, list[int]] | None:
    """The meetings to remove so that ``e`` fits in slot ``s`` and the certain loss.

    Meetings removed because of a cap cannot come back (the cap is now used by ``e``), so
    their value is a certain loss; meetings removed to free the slot may move elsewhere.
    """
    g, p = board.eg[e], board.ep[e]
    occ = board.occ
    removed: list[int] = []
    for i in (g, p):
        f = occ[i][s]
        if f == FIXED:
            return None
        if f != FREE:
            removed.append(f)
    lost = 0
    for i in (g, p):
        kept = board.count[i] - sum(1 for f in removed if i in (board.eg[f], board.ep[f]))
        if kept < board.cap[i]:
            continue
        over_cap = _cheapest_meeting(board, i, removed)
        if over_cap is None:
            return None
        removed.append(over_cap)
        lost += board.value[over_cap]
    if board.load[s] - sum(1 for f in removed if board.slot[f] == s) >= board.num_tables:
        no_table = board.cheapest_in_slot(s, removed)
        if no_table is None:
            return None
        removed.append(no_table)
        if sum(board.load) >= board.num_tables * board.num_slots:
            lost += board.value[no_table]  # every table is taken: it has nowhere else to go
    if protected is not None and not _keeps_floor(board, e, removed, protected):
        return None
    return lost, removed


def _cheapest_meeting(board: Board, i: int, exclude: list[int]) -> int | None:
    candidates = [f for f in board.occ[i] if f >= 0 and f not in exclude]
    return min(candidates, key=lambda f: (board.value[f], f), default=None)


def _keeps_floor(board: Board, e: int, removed: list[int], protected: list[int]) -> bool:
    change: dict[int, int] = {board.eg[e]: 1}
    for f in removed:
        change[board.eg[f]] = change.get(board.eg[f], 0) - 1
    return all(board.count[g] + d >= protected[g] or d >= 0 for g, d in change.items())


def improve(
    board: Board, candidates: list[int], protected: list[int] | None, deadline: float | None
) -> int:
    """One pass inserting each unplaced candidate (best first); returns the value gained."""
    gained = 0
    for n, e in enumerate(candidates):
        if board.slot[e] != FREE:
            continue
        if try_insert(board, e):
            gained += board.value[e]
        else:
            gained += eject_insert(board, e, protected)
        board.journal.clear()  # committed: nothing before this point is ever undone
        # the clock is read rarely; it only guards against pathological inputs
        if deadline is not None and n % 512 == 0 and time.perf_counter() > deadline:
            break
    return gained
