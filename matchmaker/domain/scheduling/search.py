"""Improving a timetable: swap an unplaced pair in for the meetings that block it."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import NamedTuple

from .board import FIXED, FREE, Board, bits
from .moves import try_insert

SLOTS_TRIED_PER_EJECTION = 4  # the cheapest few slots hold almost all successful ejections
REFILL_TRIES = 8  # best unplaced pairs per participant offered the room an ejection frees


def eject_insert(
    board: Board,
    e: int,
    protected: list[int] | None = None,
    worth: int | None = None,
    slots_tried: int = SLOTS_TRIED_PER_EJECTION,
) -> int:
    """Place ``e`` by removing the meetings in its way, then re-placing them where possible.

    Slots are tried cheapest first; each attempt is kept only if the total value grows, and
    undone otherwise. ``protected[i]`` (fairness floor) forbids taking participant ``i`` below
    that many meetings; ``worth`` overrides what placing ``e`` is worth (to serve a floor at
    a loss). Returns the value gained by the accepted change (0 when nothing changed).
    """
    worth = board.value[e] if worth is None else worth
    for option in _options(board, e, worth, protected)[:slots_tried]:
        removed = option.removed
        mark = len(board.journal)
        for f in removed:
            board.unplace(f)
        board.place(e, option.slot)
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


class Ejection(NamedTuple):
    """What placing a pair in ``slot`` would take out: the meetings in its way (``removed``),
    the value that cannot come back (``certain_loss``) and all the value removed."""

    certain_loss: int
    removed_value: int
    slot: int
    removed: list[int]


def _options(board: Board, pair: int, worth: int, protected: list[int] | None) -> list[Ejection]:
    """The ejections that could place ``pair``, one per slot, best first.

    Meetings removed because of a cap cannot come back (the cap is now used by ``pair``), so
    their value is a certain loss; meetings removed to free the slot may move elsewhere.
    Slots whose certain loss reaches ``worth`` are left out.
    """
    government, partner = board.eg[pair], board.ep[pair]
    value, placed_in, num_tables = board.value, board.slot, board.num_tables
    # The cheapest meetings of a participant at their cap do not depend on the slot.
    at_cap = {
        person: _cheapest_meetings(board, person)
        for person in (government, partner)
        if board.count[person] >= board.cap[person]
    }
    every_table_taken = sum(board.load) >= num_tables * board.num_slots
    options = []
    for slot in bits(board.emask[pair]):
        in_the_way = [
            m for m in (board.occ[government][slot], board.occ[partner][slot]) if m != FREE
        ]
        if FIXED in in_the_way:
            continue
        removed, lost = _free_caps(board, at_cap, in_the_way)
        if removed is None:
            continue  # a cap that no movable meeting can free
        if board.load[slot] - sum(1 for m in removed if placed_in[m] == slot) >= num_tables:
            no_table = board.cheapest_in_slot(slot, removed)
            if no_table is None:
                continue
            removed.append(no_table)
            if every_table_taken:
                lost += value[no_table]  # it has nowhere else to go
        if protected is not None and not _keeps_floor(board, pair, removed, protected):
            continue
        if lost < worth:
            options.append(Ejection(lost, sum(value[m] for m in removed), slot, removed))
    options.sort(key=lambda option: option[:3])
    return options


def _free_caps(
    board: Board, at_cap: dict[int, list[int]], in_the_way: list[int]
) -> tuple[list[int] | None, int]:
    """``in_the_way`` plus, for each side still at its cap after removing those, its
    cheapest other meeting; and the value those cap meetings lose for good. (None, 0) when a
    side at its cap has no other movable meeting."""
    removed, lost = list(in_the_way), 0
    for person, cheapest in at_cap.items():
        kept = board.count[person] - sum(1 for m in removed if person in (board.eg[m], board.ep[m]))
        if kept < board.cap[person]:
            continue
        meeting = next((m for m in cheapest if m not in removed), None)
        if meeting is None:
            return None, 0
        removed.append(meeting)
        lost += board.value[meeting]
    return removed, lost


def _cheapest_meetings(board: Board, i: int) -> list[int]:
    """``i``'s three cheapest movable meetings (enough: at most two are ever excluded)."""
    movable = [f for f in board.occ[i] if f >= 0]
    return sorted(movable, key=lambda f: (board.value[f], f))[:3]


def _keeps_floor(board: Board, e: int, removed: list[int], protected: list[int]) -> bool:
    change: dict[int, int] = {board.eg[e]: 1}
    for f in removed:
        change[board.eg[f]] = change.get(board.eg[f], 0) - 1
    return all(board.count[g] + d >= protected[g] or d >= 0 for g, d in change.items())


class ChangeLog:
    """When each participant's timetable last changed, and when each pair was last tried.

    Time is counted in candidates tried. A pair tried after the last change to both its
    participants fails again the same way, so the next round can skip it.
    """

    def __init__(self, num_participants: int, num_edges: int) -> None:
        self.clock = 0
        self.changed = [-1] * num_participants
        self.tried = [-1] * num_edges

    def worth_retrying(self, board: Board, e: int) -> bool:
        """Whether a participant of ``e`` changed since ``e`` was last tried."""
        return max(self.changed[board.eg[e]], self.changed[board.ep[e]]) > self.tried[e]


def improve(
    board: Board,
    candidates: list[int],
    protected: list[int] | None,
    deadline: float | None,
    log: ChangeLog | None = None,
    report: Callable[[int, int], None] | None = None,
    slots_tried: int = SLOTS_TRIED_PER_EJECTION,
) -> int:
    """One pass inserting each unplaced candidate (best first); returns the value gained.

    ``log`` (when given) records what changed when, for the next pass to skip the pairs whose
    surroundings stayed as they were; ``report`` hears now and then how many candidates of
    how many are done; ``slots_tried`` caps the slots each ejection tries.
    """
    gained = 0
    for n, e in enumerate(candidates):
        if board.slot[e] != FREE:
            continue
        if try_insert(board, e):
            gained += board.value[e]
        else:
            gained += eject_insert(board, e, protected, slots_tried=slots_tried)
        if log is not None:
            log.clock += 1
            log.tried[e] = log.clock
            for f, _ in board.journal:
                log.changed[board.eg[f]] = log.changed[board.ep[f]] = log.clock
        board.journal.clear()  # committed: nothing before this point is ever undone
        # the clock costs far less than one candidate, some of which take milliseconds
        if deadline is not None and time.perf_counter() > deadline:
            break
        if report is not None:
            report(n, len(candidates))
    return gained
