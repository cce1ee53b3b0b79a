"""An upper bound on what one ejection attempt (``search.eject_insert``) can gain.

Almost every attempt fails: on xl-stress 17 of the first round's 34,000 ejections gain, and
each tried up to four slots, removing meetings, re-placing them, refilling the room they left
and rolling it all back. The bound is cheap and skips most of those attempts without changing
what the search finds: an attempt it skips would have been undone.

An attempt places pair ``e`` in a slot after removing the meetings ``removed``; those it cannot
put back are lost, and the room each lost meeting ``f`` leaves its two participants is
refilled with their other unplaced pairs (``search._refill``). So it gains
``worth - sum(value[f] - refill(f) for the lost f)``. Two facts bound that:

- a participant of ``e`` at their cap gets ``e`` for one of their removed meetings, so at
  least one of those is lost (caps are never exceeded, and re-placing moves no one's count
  down);
- ``refill(f)`` places at most, per participant, as many pairs as they have room for, each
  one that was unplaced (or removed) and whose other side was below the cap (or lost a
  meeting to the attempt, the only way a count goes down).
"""

from __future__ import annotations

from .board import FREE, Board

REFILL_TRIES = 8  # best unplaced pairs per participant offered the room an ejection frees
# best open pairs kept per participant: the refill's limit plus the two it always skips
KEPT = REFILL_TRIES + 2


class GainBound:
    """Bounds ejection gains on one board; told of every kept change through ``forget``."""

    def __init__(self, board: Board) -> None:
        self.board = board
        # per participant, the values of their best open pairs (unplaced, worth something,
        # with a common slot, the other side below the cap) with the pair, best first
        self._open: list[list[tuple[int, int]] | None] = [None] * len(board.cap)
        # and the sums of their first 0, 1, 2, ... values (the total from there on)
        self._sums: list[list[int] | None] = [None] * len(board.cap)
        self._pair: dict[tuple[int, int], int] | None = None

    def forget(self, changed: list[int]) -> None:
        """Drop what the kept change of the ``changed`` edges may have made stale: the open
        pairs of their participants and of everyone who may meet one of them (whose open
        pairs depend on whether that participant is at the cap)."""
        board = self.board
        stale: set[int] = set()
        for f in changed:
            for i in (board.eg[f], board.ep[f]):
                stale.add(i)
                for h in board.edges_of[i]:
                    stale.update((board.eg[h], board.ep[h]))
        for i in stale:
            self._open[i] = self._sums[i] = None

    def cannot_gain(self, e: int, worth: int, removed: list[int]) -> bool:
        """Whether placing ``e`` for ``removed`` surely gains nothing (see the module docstring)."""
        board = self.board
        g, p = board.eg[e], board.ep[e]
        g_full, p_full = board.count[g] >= board.cap[g], board.count[p] >= board.cap[p]
        if not (g_full or p_full):
            return False  # nothing is lost for sure: worth may be won
        if len(removed) == 1:
            return self._upper_one(e, worth, removed[0], g_full, p_full) <= 0
        return self.upper(e, worth, removed) <= 0

    def upper(self, e: int, worth: int, removed: list[int]) -> int:
        """At least what placing ``e`` for ``removed`` can gain (see the module docstring)."""
        board = self.board
        eg, ep, value, cap, count = board.eg, board.ep, board.value, board.cap, board.count
        g, p = eg[e], ep[e]
        losing = [i for f in removed for i in (eg[f], ep[f])]  # once per meeting removed
        # whose unplaced pairs may open: those at the cap who lose a meeting
        reopening = {i for i in losing if count[i] >= cap[i]}
        bound = worth
        # a side at its cap loses one of its removed meetings for sure: the least bad counts
        forced: dict[int, int] = {}
        for f in removed:
            # what refilling the room of f, were it lost, can make up for, minus its value
            net = -value[f]
            for i in (eg[f], ep[f]):
                # the most room i can have: all its removed meetings lost, e taken if theirs
                room = cap[i] - count[i] + losing.count(i) - (i in (g, p))
                if room > 0:
                    net += self._refill_most(i, min(room, REFILL_TRIES), e, f, removed, reopening)
            if net > 0:
                bound += net
            side = g if eg[f] == g else p if ep[f] == p else None
            if side is not None and count[side] >= cap[side]:
                worst = min(net, 0)
                forced[side] = max(forced[side], worst) if side in forced else worst
        return bound + sum(forced.values())

    def _upper_one(self, e: int, worth: int, f: int, g_full: bool, p_full: bool) -> int:
        """``upper`` for a single removed meeting ``f``, the commonest case, written out: the
        only pairs it can reopen are ``f`` itself and the open ones."""
        board = self.board
        eg, ep, cap, count = board.eg, board.ep, board.cap, board.count
        g, p = eg[e], ep[e]
        net = -board.value[f]
        for i in (eg[f], ep[f]):
            if i in (g, p):
                room = min(cap[i] - count[i], REFILL_TRIES)
                if room > 0:
                    net += sum([v for v, h in self._open_pairs(i)[: room + 1] if h != e][:room])
            else:  # e, a pair of g and p, is not among i's open pairs
                room = min(cap[i] - count[i] + 1, REFILL_TRIES)
                if room > 0:
                    net += self._best_sum(i, room)
        forced = (g_full and eg[f] == g) or (p_full and ep[f] == p)
        return worth + net if forced or net > 0 else worth

    def _refill_most(
        self, i: int, room: int, e: int, f: int, removed: list[int], reopening: set[int]
    ) -> int:
        """The most that refilling ``room`` places for ``i`` after ``f`` is lost: from ``i``'s
        open pairs, the other removed meetings, and unplaced pairs with someone in
        ``reopening``."""
        board = self.board
        eg, ep, value = board.eg, board.ep, board.value
        more = [value[h] for h in removed if h != f and (eg[h] == i or ep[h] == i)]
        if reopening:
            pairs = self._pairs()
            for other in reopening:
                h = pairs.get((i, other))
                if h is not None and h != e and board.slot[h] == FREE and board.emask[h]:
                    more.append(max(value[h], 0))
        if not more and i != eg[e] and i != ep[e]:
            return self._best_sum(i, room)  # e, not one of i's pairs, is not left out
        best = [v for v, h in self._open_pairs(i)[: room + 1] if h != e][:room]
        if not more:
            return sum(best)
        return sum(sorted(best + more, reverse=True)[:room])

    def _best_sum(self, i: int, room: int) -> int:
        """The summed value of ``i``'s ``room`` best open pairs (all of them if fewer)."""
        sums = self._sums[i]
        if sums is None:
            sums = [0]
            for v, _ in self._open_pairs(i):
                sums.append(sums[-1] + v)
            self._sums[i] = sums
        return sums[min(room, len(sums) - 1)]

    def _open_pairs(self, i: int) -> list[tuple[int, int]]:
        """``i``'s best open pairs: unplaced, worth something, with a common slot and the
        other side below the cap; (value, pair), best first."""
        cached = self._open[i]
        if cached is None:
            board = self.board
            cap, count = board.cap, board.count
            cached = []
            for h in board.edges_of[i]:  # best first
                if board.slot[h] != FREE or board.value[h] <= 0 or not board.emask[h]:
                    continue
                other = board.ep[h] if board.eg[h] == i else board.eg[h]
                if count[other] < cap[other]:
                    cached.append((board.value[h], h))
                    if len(cached) >= KEPT:
                        break
            self._open[i] = cached
        return cached

    def _pairs(self) -> dict[tuple[int, int], int]:
        """The pair of any two participants, looked up either way round."""
        if self._pair is None:
            board = self.board
            self._pair = {}
            for h, (g, p) in enumerate(zip(board.eg, board.ep, strict=True)):
                self._pair[g, p] = self._pair[p, g] = h
        return self._pair
