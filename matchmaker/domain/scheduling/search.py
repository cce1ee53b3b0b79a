"""Improving a timetable: swap an unplaced pair in for the meetings that block it."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import NamedTuple

from .board import FIXED, FREE, Board
from .gain_bound import REFILL_TRIES, GainBound
from .moves import try_insert

SLOTS_TRIED_PER_EJECTION = 4  # the cheapest few slots hold almost all successful ejections


def eject_insert(
    board: Board,
    e: int,
    protected: list[int] | None = None,
    worth: int | None = None,
    slots_tried: int = SLOTS_TRIED_PER_EJECTION,
    bound: GainBound | None = None,
) -> int:
    """Place ``e`` by removing the meetings in its way, then re-placing them where possible.

    Slots are tried cheapest first; each attempt is kept only if the total value grows, and
    undone otherwise. ``protected[i]`` (fairness floor) forbids taking participant ``i`` below
    that many meetings; ``worth`` overrides what placing ``e`` is worth (to serve a floor at
    a loss). ``bound`` skips the attempts that cannot gain (the same ones fail without it).
    Returns the value gained by the accepted change (0 when nothing changed).
    """
    worth = board.value[e] if worth is None else worth
    for option in ejections(board, e, worth, protected, slots_tried):
        if bound is not None and bound.cannot_gain(e, worth, option.removed):
            continue
        mark = len(board.journal)
        gain = attempt(board, e, option, worth)
        if gain > 0:
            return gain
        board.rollback(mark)
    return 0


def attempt(board: Board, e: int, option: Ejection, worth: int) -> int:
    """Place ``e`` as ``option`` says, re-place or refill what it removes; the value gained
    (the caller undoes the change when that is not positive)."""
    removed = option.removed
    for f in removed:
        board.unplace(f)
    board.place(e, option.slot)
    gain = worth
    if len(removed) > 1:  # the most valuable first
        removed = sorted(removed, key=lambda f: -board.value[f])
    for f in removed:
        if not try_insert(board, f):
            gain -= board.value[f] - _refill(board, f, e)
    return gain


def _refill(board: Board, f: int, e: int) -> int:
    """Use the room ``f`` left behind for other unplaced pairs of its two participants.

    Removing ``f`` frees a unit of cap for each of them, which a pair that never fitted may
    now take. Returns the value placed.
    """
    placed = 0
    slot, value, emask, count, cap = board.slot, board.value, board.emask, board.count, board.cap
    eg, ep = board.eg, board.ep
    for i in (eg[f], ep[f]):
        if count[i] >= cap[i]:
            continue
        tries = 0
        for h in board.edges_of[i]:
            if slot[h] != FREE or h in (e, f) or value[h] <= 0:
                continue
            other = ep[h] if eg[h] == i else eg[h]
            # the other side's cap checked here first: most pairs fail on it
            if emask[h] and count[other] < cap[other] and try_insert(board, h):
                placed += value[h]
                if count[i] >= cap[i]:
                    break
            tries += 1
            if tries >= REFILL_TRIES:
                break
    return placed


class Ejection(NamedTuple):
    """What placing a pair in ``slot`` would take out: the meetings in its way (``removed``),
    the value that cannot come back (``certain_loss``) and all the value removed."""

    certain_loss: int
    removed_value: int
    slot: int
    removed: list[int]


def ejections(
    board: Board, pair: int, worth: int, protected: list[int] | None, limit: int
) -> list[Ejection]:
    """The ``limit`` best ejections that could place ``pair``, one per slot, best first.

    Meetings removed because of a cap cannot come back (the cap is now used by ``pair``), so
    their value is a certain loss; meetings removed to free the slot may move elsewhere.
    Slots whose certain loss reaches ``worth`` are left out.
    """
    government, partner = board.eg[pair], board.ep[pair]
    value, num_tables, load = board.value, board.num_tables, board.load
    occ_g, occ_p = board.occ[government], board.occ[partner]
    # a side at its cap gives up its meeting in the slot or else its cheapest one, which
    # does not depend on the slot (neither side's meetings can be the other's: that is pair)
    g_over = board.count[government] - board.cap[government]
    p_over = board.count[partner] - board.cap[partner]
    cheap_g = _cheapest_meetings(board, government) if g_over >= 0 else []
    cheap_p = _cheapest_meetings(board, partner) if p_over >= 0 else []
    every_table_taken = sum(load) >= num_tables * board.num_slots
    options = []
    mask = board.emask[pair] & _worth_a_look(board, government, partner, worth, cheap_g, cheap_p)
    while mask:
        low = mask & -mask
        mask ^= low
        slot = low.bit_length() - 1
        mg, mp = occ_g[slot], occ_p[slot]
        if mg == FIXED or mp == FIXED:
            continue
        removed = []
        lost = removed_value = 0
        if mg != FREE:
            removed.append(mg)
            removed_value += value[mg]
        if mp != FREE:
            removed.append(mp)
            removed_value += value[mp]
        in_slot = len(removed)
        # each side at its cap once its meeting in the slot is out gives its cheapest other
        if g_over >= (mg != FREE):
            extra = cheap_g[0] if cheap_g and cheap_g[0] != mg else _second(cheap_g)
            if extra is None:
                continue  # a cap that no movable meeting can free
            removed.append(extra)
            lost += value[extra]
            removed_value += value[extra]
        if p_over >= (mp != FREE):
            extra = cheap_p[0] if cheap_p and cheap_p[0] != mp else _second(cheap_p)
            if extra is None:
                continue
            removed.append(extra)
            lost += value[extra]
            removed_value += value[extra]
        if lost >= worth:
            continue  # the table meeting below could only add to it
        if load[slot] - in_slot >= num_tables:
            no_table = board.cheapest_in_slot(slot, removed)
            if no_table is None:
                continue
            removed.append(no_table)
            removed_value += value[no_table]
            if every_table_taken:
                lost += value[no_table]  # it has nowhere else to go
        if protected is not None and not _keeps_floor(board, pair, removed, protected):
            continue
        if lost < worth:
            options.append((lost, removed_value, slot, removed))
    options.sort()  # by certain loss, removed value, slot: slots differ, lists never compared
    return [Ejection(*option) for option in options[:limit]]


def _worth_a_look(
    board: Board, government: int, partner: int, worth: int, cheap_g: list[int], cheap_p: list[int]
) -> int:
    """The slots where what ``ejections`` knows before looking at them is not already a loss
    of ``worth``, as a bit mask.

    A side exactly at its cap that has no meeting in the slot gives up its cheapest one,
    the same in every such slot; where that alone (or both sides' together) reaches
    ``worth``, the slot would be skipped, after working it all out: on xl-stress almost
    half the slots the first round looked at.
    """
    every = (1 << board.num_slots) - 1
    lost_g, free_g = _loss_where_free(board, government, cheap_g)
    lost_p, free_p = _loss_where_free(board, partner, cheap_p)
    hopeless = 0
    if lost_g >= worth:
        hopeless |= free_g
    if lost_p >= worth:
        hopeless |= free_p
    if lost_g + lost_p >= worth:
        hopeless |= free_g & free_p
    return every & ~hopeless


def _loss_where_free(board: Board, i: int, cheapest: list[int]) -> tuple[float, int]:
    """What ``i`` surely gives up in each slot where they have no meeting, and those slots
    (none when that differs per slot or is nothing): their cheapest meeting when exactly at
    their cap, everything (infinity) when they have no movable one."""
    if board.count[i] != board.cap[i]:
        return 0, 0
    lost = board.value[cheapest[0]] if cheapest else math.inf
    return lost, ~board.busy[i]


def _second(cheapest: list[int]) -> int | None:
    return cheapest[1] if len(cheapest) > 1 else None


def _cheapest_meetings(board: Board, i: int) -> list[int]:
    """``i``'s two cheapest movable meetings (enough: at most one is ever excluded)."""
    value = board.value
    # one pass instead of sorting: asked for every ejection of a pair with a full side
    first = second = -1
    for f in board.occ[i]:
        if f < 0:
            continue
        if first < 0 or (value[f], f) < (value[first], first):
            first, second = f, first
        elif second < 0 or (value[f], f) < (value[second], second):
            second = f
    return [f for f in (first, second) if f >= 0]


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
    bound: GainBound | None = None,
) -> int:
    """One pass inserting each unplaced candidate (best first); returns the value gained.

    ``log`` (when given) records what changed when, for the next pass to skip the pairs whose
    surroundings stayed as they were; ``report`` hears now and then how many candidates of
    how many are done; ``slots_tried`` caps the slots each ejection tries; ``bound`` (made
    for this board, and told of every change since) skips ejection attempts that cannot gain.
    """
    gained = 0
    for n, e in enumerate(candidates):
        if board.slot[e] != FREE:
            continue
        if try_insert(board, e):
            gained += board.value[e]
        else:
            gained += eject_insert(board, e, protected, slots_tried=slots_tried, bound=bound)
        if bound is not None and board.journal:
            bound.forget([f for f, _ in board.journal])
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
