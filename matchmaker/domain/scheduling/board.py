"""The mutable timetable the search works on: who meets whom in which slot.

Participants and pairs are plain integers and slot sets are int bit masks, because the search
asks "where are both of them free?" millions of times and ``a & ~b`` answers that in one step.
Every change goes through a journal so that a tentative move can be undone exactly.
"""

from __future__ import annotations

import bisect
import heapq
from collections.abc import Iterator

FREE = -1
FIXED = -2  # an existing booking: occupies the participant's slot, never moves
# an ejection excludes at most two meetings of one slot (its two participants' own meetings
# there), so the four cheapest nearly always answer without a scan of the whole slot
CHEAP_KEPT = 4


def bits(mask: int) -> Iterator[int]:
    """The set bits of ``mask``, lowest first."""
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


class Board:
    """Slots, tables, caps and the current placement of every candidate pair ("edge").

    Edge ``e`` joins participants ``eg[e]`` (a government) and ``ep[e]`` (a partner); ``emask``
    holds the slots both attend and ``value`` what placing it is worth (weight, then count).
    """

    def __init__(
        self,
        num_slots: int,
        num_tables: int,
        caps: list[int],
        avail: list[int],
        edges: tuple[list[int], list[int], list[int], list[int]],
    ) -> None:
        self.num_slots = num_slots
        self.num_tables = num_tables
        self.cap = caps
        self.avail = avail
        n = len(caps)
        self.busy = [0] * n
        self.count = [0] * n
        self.occ = [[FREE] * num_slots for _ in range(n)]
        self.load = [0] * num_slots
        self.full = 0 if num_tables > 0 else (1 << num_slots) - 1
        self.eg, self.ep, self.emask, self.value = edges
        self.slot = [FREE] * len(self.eg)
        self.edges_of: list[list[int]] = [[] for _ in range(n)]  # best first
        for e in sorted(range(len(self.eg)), key=lambda e: (-self.value[e], e)):
            self.edges_of[self.eg[e]].append(e)
            self.edges_of[self.ep[e]].append(e)
        self.in_slot: list[set[int]] = [set() for _ in range(num_slots)]
        # the few cheapest meetings per slot, recomputed lazily: when tables are full the
        # search asks for them far more often than slots change
        self._cheap: list[list[int] | None] = [None] * num_slots
        self.journal: list[tuple[int, int]] = []  # (edge, previous slot)

    # -- elementary changes ---------------------------------------------------------------
    def add_fixed(self, g: int, p: int, s: int) -> None:
        """Occupy ``s`` for ``g`` and ``p`` with a booking that the search may not touch."""
        for i in (g, p):
            self.occ[i][s] = FIXED
            self.busy[i] |= 1 << s
            self.count[i] += 1
        self._bump(s, 1)

    def place(self, e: int, s: int) -> None:
        """Put unplaced edge ``e`` in slot ``s`` (the caller has checked it is allowed)."""
        self.journal.append((e, FREE))
        self._put(e, s)

    def unplace(self, e: int) -> None:
        """Take edge ``e`` out of the timetable."""
        self.journal.append((e, self.slot[e]))
        self._take(e)

    def move(self, e: int, s: int) -> None:
        """Move placed edge ``e`` to slot ``s``."""
        self.journal.append((e, self.slot[e]))
        self._take(e)
        self._put(e, s)

    def rollback(self, mark: int) -> None:
        """Undo every change made since ``len(self.journal)`` was ``mark``."""
        journal = self.journal
        while len(journal) > mark:
            e, before = journal.pop()
            if self.slot[e] != FREE:
                self._take(e)
            if before != FREE:
                self._put(e, before)

    # _put and _take run for every change and every undo (300,000 times in the first search
    # round on xl-stress), hence written out: both sides, and _bump
    def _put(self, e: int, s: int) -> None:
        bit = 1 << s
        g, p = self.eg[e], self.ep[e]
        occ, busy, count = self.occ, self.busy, self.count
        occ[g][s] = occ[p][s] = e
        busy[g] |= bit
        busy[p] |= bit
        count[g] += 1
        count[p] += 1
        self.slot[e] = s
        self.in_slot[s].add(e)
        if self._cheap[s] is not None:
            self._cache_put(e, s)
        self.load[s] += 1
        if self.load[s] >= self.num_tables:
            self.full |= bit
        else:
            self.full &= ~bit

    def _take(self, e: int) -> None:
        s = self.slot[e]
        bit = 1 << s
        g, p = self.eg[e], self.ep[e]
        occ, busy, count = self.occ, self.busy, self.count
        occ[g][s] = occ[p][s] = FREE
        busy[g] &= ~bit
        busy[p] &= ~bit
        count[g] -= 1
        count[p] -= 1
        self.slot[e] = FREE
        self.in_slot[s].discard(e)
        if self._cheap[s] is not None:
            self._cache_take(e, s)
        self.load[s] -= 1
        if self.load[s] >= self.num_tables:
            self.full |= bit
        else:
            self.full &= ~bit

    def _bump(self, s: int, delta: int) -> None:
        self.load[s] += delta
        if self.load[s] >= self.num_tables:
            self.full |= 1 << s
        else:
            self.full &= ~(1 << s)

    # -- queries ----------------------------------------------------------------------------
    def has_room(self, e: int) -> bool:
        """Whether both participants of ``e`` are below their caps."""
        g, p = self.eg[e], self.ep[e]
        return self.count[g] < self.cap[g] and self.count[p] < self.cap[p]

    def free_slots(self, e: int) -> int:
        """Slots where ``e`` could go right now: both attend, both free, a table left."""
        return self.emask[e] & ~(self.busy[self.eg[e]] | self.busy[self.ep[e]] | self.full)

    def cheapest_in_slot(self, s: int, exclude: list[int]) -> int | None:
        """The lowest-value meeting in slot ``s`` that is not in ``exclude`` (ties: lowest id)."""
        cheap = self._cheap[s]
        if cheap is None:
            cheap = heapq.nsmallest(CHEAP_KEPT, self.in_slot[s], key=self._key)
            self._cheap[s] = cheap
        for f in cheap:
            if f not in exclude:
                return f
        rest = [f for f in self.in_slot[s] if f not in exclude]
        return min(rest, key=self._key, default=None)

    def _key(self, e: int) -> tuple[int, int]:
        return (self.value[e], e)

    def _cache_put(self, e: int, s: int) -> None:
        """Keep the cache the smallest few of its slot after ``e`` arrives there."""
        cheap = self._cheap[s]
        if cheap is None:
            return
        if len(cheap) == len(self.in_slot[s]) - 1 or self._key(e) < self._key(cheap[-1]):
            bisect.insort(cheap, e, key=self._key)
            del cheap[CHEAP_KEPT:]

    def _cache_take(self, e: int, s: int) -> None:
        cheap = self._cheap[s]
        if cheap is not None and e in cheap:
            cheap.remove(e)  # what is left is still the smallest of what is left
            if not cheap and self.in_slot[s]:
                self._cheap[s] = None

    def placed_value(self) -> int:
        """The summed value of the placed edges."""
        return sum(v for v, s in zip(self.value, self.slot, strict=True) if s != FREE)
