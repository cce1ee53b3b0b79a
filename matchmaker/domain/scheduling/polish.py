"""Compact personal agendas: move meetings between slots without changing who meets whom.

After the search has chosen the meetings, each participant's day can still be scattered: a
meeting at 9:00, the next at 12:00, idle in between. This local search moves meetings to other
slots (directly, or by swapping two slots along a Kempe chain, as ``moves.py`` does) so that
people have fewer idle slots between their meetings and finish earlier. The same pairs meet, so
weight and meeting count cannot change; availability, caps, tables per slot and double booking
are kept by the ``Board``; fixed bookings never move.

Cost of a participant, in order of importance: each idle slot (a slot they attend, with no
meeting, between their first and last meeting of a day); each day on which they have meetings
(five meetings make one morning, not two half mornings); the position within its day of each
meeting (earlier is better). A move is kept only when it lowers the summed cost of the
participants whose timetable it changes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from .board import FREE, Board, bits
from .moves import alternating_chain

MAX_PASSES = 12  # sweeps over the meetings; most converge in fewer
# a sweep that moves at most one meeting in this many ends the polish: on xl-loose the
# sweeps after that took a sixth of the time for 1 % of the idle slots removed
LAST_SWEEP_SHARE = 100
SMALL_EVENT = 2000  # meetings: below this the polish runs to the end, in well under a second
KEMPE_TRIES = 3  # most promising slot swaps tried per meeting when no direct move helps
CLOCK_EVERY = 256  # meetings between two looks at the clock


def day_masks(day_of_slot: list[int] | None, num_slots: int) -> list[int]:
    """The slots of each day as bit masks, in day order; the whole event is one day when
    ``day_of_slot`` is None. Raises ``ValueError`` when its length is not ``num_slots``."""
    if day_of_slot is None:
        return [(1 << num_slots) - 1]
    if len(day_of_slot) != num_slots:
        raise ValueError(f"day_of_slot has {len(day_of_slot)} entries for {num_slots} slots")
    masks: dict[int, int] = {}
    for s, day in enumerate(day_of_slot):
        masks[day] = masks.get(day, 0) | 1 << s
    return [masks[day] for day in sorted(masks)]


def positions(days: list[int], num_slots: int) -> list[int]:
    """Each slot's position within its day, 0 for the day's first slot."""
    pos = [0] * num_slots
    for mask in days:
        for n, s in enumerate(bits(mask)):
            pos[s] = n
    return pos


def idle_slots(busy: int, attended: int, days: list[int]) -> int:
    """Slots in ``attended`` without a meeting between the first and last meeting of a day."""
    return sum(_idle_in(busy & day, attended) for day in days)


@dataclass(frozen=True)
class AgendaFigures:
    """How compact the personal agendas are (fixed bookings included)."""

    idle_gaps: int  # idle slots between meetings on a day, summed over people
    people_with_gaps: int
    mean_last_slot: float  # per person and day with a meeting: the last one's slot (from 1)


def agenda_figures(board: Board, days: list[int]) -> AgendaFigures:
    """The agenda figures of the board as it stands."""
    pos = positions(days, board.num_slots)
    gaps = people = ends = person_days = 0
    for busy, attended in zip(board.busy, board.avail, strict=True):
        idle = idle_slots(busy, attended, days)
        gaps += idle
        people += idle > 0
        for day in days:
            met = busy & day
            if met:
                ends += pos[met.bit_length() - 1] + 1
                person_days += 1
    return AgendaFigures(gaps, people, ends / person_days if person_days else 0.0)


def table_spread(tables_used: list[int], num_tables: int) -> int:
    """Meetings at the busiest table minus at the idlest one (0 without tables)."""
    if num_tables <= 0:
        return 0
    per_table = [0] * num_tables
    for t in tables_used:
        per_table[t] += 1
    return max(per_table) - min(per_table)


def polish(board: Board, days: list[int], deadline: float | None = None) -> int:
    """Move placed meetings to make agendas compact; returns how many moves were kept.

    Sweeps over the meetings, grouped by partner, each sweep looking again only at the
    meetings whose participants changed since or that could move to a slot that got a table
    back, until a sweep moves (almost) nothing, after ``MAX_PASSES`` sweeps, or when
    ``deadline`` (a ``time.perf_counter()`` value) passes. Without a deadline the result
    depends only on the board. Leaves the board's journal empty.
    """
    agendas = _Agendas(board, days)
    looked = [-1] * len(board.eg)
    # moves never place or remove a meeting, so the placed ones stay the same. Grouped by
    # partner (officials come grouped already in the instances): on xl this left a fifth
    # fewer idle slots than the edge order
    placed = sorted(
        (e for e, s in enumerate(board.slot) if s != FREE), key=lambda e: (board.ep[e], e)
    )
    enough = len(placed) // LAST_SWEEP_SHARE if len(placed) > SMALL_EVENT else 0
    kept = 0
    for _ in range(MAX_PASSES):
        changed = 0
        for e in placed:
            if not agendas.worth_a_look(e, looked[e]):
                continue
            looked[e] = agendas.clock
            changed += agendas.improve(e)
            if deadline is not None and agendas.clock % CLOCK_EVERY == 0 and _past(deadline):
                return kept + changed
        kept += changed
        if changed <= enough:
            break
    return kept


class _Agendas:
    """The cost model over a board, and the moves that lower it."""

    def __init__(self, board: Board, days: list[int]) -> None:
        self.board = board
        self.days = days
        pos = positions(days, board.num_slots)
        self.pos = pos
        self.day_of = [next(d for d in days if d >> s & 1) for s in range(board.num_slots)]
        self.every = (1 << board.num_slots) - 1
        self.earlier = [
            sum(1 << t for t in range(board.num_slots) if pos[t] < pos[s])
            for s in range(board.num_slots)
        ]
        self.idle = [
            idle_slots(busy, attended, days)
            for busy, attended in zip(board.busy, board.avail, strict=True)
        ]
        # an idle slot outweighs an extra day, which outweighs a shift in position
        self.day_cost = board.num_slots
        self.gap_cost = 2 * board.num_slots
        self.clock = 0  # counts meetings looked at; stamps below are clock values
        self.changed_at = [0] * len(board.cap)
        self.freed_at = [0] * board.num_slots  # when a full slot last got a table back
        self.freed = 0  # the slots that ever did

    def worth_a_look(self, e: int, looked: int) -> bool:
        """Whether ``e`` may have a better move than when it was last looked at."""
        board = self.board
        g, p = board.eg[e], board.ep[e]
        if max(self.changed_at[g], self.changed_at[p]) > looked:
            return True
        # or a slot both could move to has a table again
        opened = board.emask[e] & self.freed & ~(board.full | board.busy[g] | board.busy[p])
        return any(self.freed_at[s] > looked for s in bits(opened))

    def _delta(self, i: int, a: int, b: int) -> int:
        """Cost change for ``i`` if their meeting in slot ``a`` moved to slot ``b``."""
        busy = self.board.busy[i]
        moved = busy & ~(1 << a) | 1 << b
        attended = self.board.avail[i]
        day_a, day_b = self.day_of[a], self.day_of[b]
        # the hottest code of the polish: _idle_in inlined, which saves a third of its time
        idle = 0
        for day in (day_a,) if day_a == day_b else (day_a, day_b):
            met = busy & day
            if met:
                idle -= (((1 << met.bit_length()) - (met & -met)) & attended & ~met).bit_count()
            met = moved & day
            if met:
                idle += (((1 << met.bit_length()) - (met & -met)) & attended & ~met).bit_count()
        shift = self.pos[b] - self.pos[a]
        if day_a == day_b:
            return self.gap_cost * idle + shift
        # moving to another day can empty day a or open day b
        days = (not moved & day_a) - (not busy & day_b)
        return self.gap_cost * idle - self.day_cost * days + shift

    def _deltas(self, i: int, a: int, slots: int) -> list[tuple[int, int]]:
        """``(b, self._delta(i, a, b))`` for each slot ``b`` of ``slots``, lowest first.

        The polish asks this for every slot a meeting might move to, 700,000 times on
        xl-stress: what does not depend on ``b`` (the idle slots with and without the meeting
        in ``a``) is worked out once, which leaves one idle count per slot instead of two to
        four.
        """
        board = self.board
        busy, attended = board.busy[i], board.avail[i]
        rest = busy & ~(1 << a)
        day_of, pos = self.day_of, self.pos
        day_a, pos_a = day_of[a], pos[a]
        gap_cost = self.gap_cost
        before_a = _idle_in(busy & day_a, attended)
        # moving to another day: day a loses the meeting, perhaps its last one
        leaving = gap_cost * (_idle_in(rest & day_a, attended) - before_a)
        leaving -= self.day_cost * (not rest & day_a)
        deltas = []
        while slots:
            low = slots & -slots
            slots ^= low
            b = low.bit_length() - 1
            day_b = day_of[b]
            met = (rest | low) & day_b
            # _idle_in inlined; met holds b, so it is never empty
            idle_b = (((1 << met.bit_length()) - (met & -met)) & attended & ~met).bit_count()
            if day_b == day_a:
                delta = gap_cost * (idle_b - before_a)
            else:
                # day b gains the meeting, perhaps its first one
                delta = leaving + gap_cost * (idle_b - _idle_in(busy & day_b, attended))
                delta += self.day_cost * (not busy & day_b)
            deltas.append((b, delta + pos[b] - pos_a))
        return deltas

    def _lone_day(self, i: int, a: int) -> int:
        """What ``i`` gains by having no meeting on ``a``'s day any more, if it is their only
        one there (moving it then costs no extra day)."""
        day = self.day_of[a]
        return 0 if self.board.busy[i] & day & ~(1 << a) else self.day_cost

    def _targets(self, i: int, a: int) -> int:
        """The slots where moving ``i``'s meeting from ``a`` could lower ``i``'s cost: any,
        if ``i`` has idle slots; else only earlier in a day, or any slot of another day if
        ``a`` is ``i``'s only meeting on its day (a day less)."""
        if self.idle[i]:
            return self.every
        day = self.day_of[a]
        if self.board.busy[i] & day & ~(1 << a):
            return self.earlier[a]
        return self.earlier[a] | ~day & self.every

    def improve(self, e: int) -> int:
        """Apply the best direct move of ``e``, else (when one of its people has idle slots) a
        promising slot swap; 1 if one was kept."""
        board = self.board
        self.clock += 1
        a = board.slot[e]
        g, p = board.eg[e], board.ep[e]
        others = board.emask[e] & ~(1 << a)
        busy_g, busy_p = board.busy[g], board.busy[p]
        best, best_slot = 0, FREE
        free = others & ~(busy_g | busy_p | board.full)
        if free:
            # a move gains only if it gains for one side at least
            free &= self._targets(g, a) | self._targets(p, a)
        # the side with fewer idle slots second: the least it can gain is known, and often
        # spares computing what it would
        first, second = (g, p) if self.idle[g] >= self.idle[p] else (p, g)
        most = self.gap_cost * self.idle[second] + self._lone_day(second, a)
        pos = self.pos
        for b, delta in self._deltas(first, a, free):
            if delta + pos[b] - pos[a] - most >= best:
                continue
            delta += self._delta(second, a, b)
            if delta < best:
                best, best_slot = delta, b
        if best_slot != FREE:
            full = board.full
            board.move(e, best_slot)
            self._moved(full, (g, p))
            return 1
        if not (self.idle[g] or self.idle[p]):
            # slot swaps only to remove idle slots: for an earlier finish alone they took a
            # sixth of the time on xl-loose and made as good as no difference
            return 0
        return self._swap(e, a, others)

    def _swap(self, e: int, a: int, others: int) -> int:
        """Swap slot ``a`` with a slot where one side of ``e`` is busy, along a Kempe chain.

        The side free there moves, the other keeps both slots; only the chain's two ends
        change their timetables, so the slots where the moving side gains are tried first.
        """
        board = self.board
        hopeful = []
        for mover, other in ((board.eg[e], board.ep[e]), (board.ep[e], board.eg[e])):
            blocked = others & board.busy[other] & ~board.busy[mover]
            for b, gain in self._deltas(mover, a, blocked and blocked & self._targets(mover, a)):
                if gain < 0:
                    hopeful.append((gain, b, mover))
        hopeful.sort()
        for _, b, mover in hopeful[:KEMPE_TRIES]:
            chain = alternating_chain(board, mover, a, b)
            ends = None if chain is None else self._paying_ends(chain, a, b)
            if ends is not None:
                full = board.full
                _apply_swap(board, chain or [], a, b)
                self._moved(full, ends)
                return 1
        return 0

    def _paying_ends(self, chain: list[int], a: int, b: int) -> list[int] | None:
        """The chain's two ends if swapping it between ``a`` and ``b`` fits the tables and
        lowers the cost, else None."""
        board = self.board
        in_a = sum(1 for f in chain if board.slot[f] == a)
        in_b = len(chain) - in_a
        tables = board.num_tables
        if board.load[a] - in_a + in_b > tables or board.load[b] - in_b + in_a > tables:
            return None
        toggled: dict[int, int] = {}
        for f in chain:
            for i in (board.eg[f], board.ep[f]):
                toggled[i] = toggled.get(i, 0) ^ 1
        ends = [i for i, odd in toggled.items() if odd]  # the others keep both slots
        delta = 0
        for i in ends:
            delta += self._delta(i, a, b) if board.busy[i] >> a & 1 else self._delta(i, b, a)
        return ends if delta < 0 else None

    def _moved(self, full_before: int, people: tuple[int, ...] | list[int]) -> None:
        """Bookkeeping after a kept move: stamps, cached idle counts, an empty journal."""
        board = self.board
        board.journal.clear()
        for s in bits(full_before & ~board.full):
            self.freed_at[s] = self.clock
            self.freed |= 1 << s
        for i in people:
            self.changed_at[i] = self.clock
            self.idle[i] = idle_slots(board.busy[i], board.avail[i], self.days)


def _past(deadline: float) -> bool:
    return time.perf_counter() > deadline


def _idle_in(met: int, attended: int) -> int:
    """Attended slots without a meeting between the first and last of ``met`` (one day)."""
    if not met:
        return 0
    span = (1 << met.bit_length()) - (met & -met)  # first..last meeting, inclusive
    return (span & attended & ~met).bit_count()


def _apply_swap(board: Board, chain: list[int], a: int, b: int) -> None:
    """Move every meeting of ``chain`` to the other of slots ``a`` and ``b``."""
    before = [board.slot[f] for f in chain]
    # take the whole chain out first: moving one meeting at a time would collide mid-way
    for f in chain:
        board.unplace(f)
    for f, s in zip(chain, before, strict=True):
        board.place(f, b if s == a else a)
