"""Interpreters: which meetings need one, and giving one to each such meeting.

Staffing runs after the search and never changes which pairs meet, so the weight and its bound
are those of the schedule without interpreters. Per slot, the meetings that need an interpreter
are matched to the interpreters free then (a maximum bipartite matching by augmenting paths;
interpreters are few). A meeting left without one is then moved, when it can be, to another slot
where both sides and a table are free and an interpreter can be matched: a move keeps its weight.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import replace

from .board import FREE, bits
from .compile import Compiled
from .model import Attendee, Booking, Interpreter, ScheduleReport, SchedulingProblem

CHECK_TIME_EVERY = 64  # meetings tried between two looks at the clock while moving


def needs_interpreter(a: Attendee, b: Attendee) -> bool:
    """Whether a meeting of ``a`` and ``b`` needs an interpreter: both declare languages and
    they share none (someone who declares no language is taken to need no help)."""
    return bool(a.languages) and bool(b.languages) and not a.languages & b.languages


def can_staff(interpreter: Interpreter, a: Attendee, b: Attendee, slot: int) -> bool:
    """Whether ``interpreter`` speaks a language of each side and works at ``slot``."""
    return (
        slot in interpreter.available
        and bool(interpreter.languages & a.languages)
        and bool(interpreter.languages & b.languages)
    )


def staff(problem: SchedulingProblem, booking: Booking) -> str | None:
    """A free interpreter for ``booking`` at its slot, given the bookings in ``problem.fixed``.

    ``None`` when the meeting needs no interpreter or nobody free can staff it. A fixed booking
    of the same pair is the meeting itself (being moved), so its interpreter counts as free.
    Among several, the least versatile (fewest languages, then fewest slots, then id) is
    chosen, keeping the others for meetings that only they can staff.
    """
    gov = problem.governments[booking.government_id]
    par = problem.partners[booking.partner_id]
    if not needs_interpreter(gov, par):
        return None
    pair = (booking.government_id, booking.partner_id)
    busy = {
        b.interpreter
        for b in problem.fixed
        if b.slot == booking.slot and b.interpreter and (b.government_id, b.partner_id) != pair
    }
    options = [
        i for i in problem.interpreters if i.id not in busy and can_staff(i, gov, par, booking.slot)
    ]
    return min(options, key=_versatility).id if options else None


def staffable_slots(
    problem: SchedulingProblem, government_id: str, partner_id: str, slots: int
) -> int:
    """The slots of the bit mask ``slots`` where a free interpreter could staff the pair's
    meeting (given ``problem.fixed``); 0 when the pair needs no interpreter."""
    found = 0
    for s in bits(slots):
        booking = Booking(government_id, partner_id, s, 0)
        if staff(problem, booking) is not None:
            found |= 1 << s
    return found


def _versatility(interpreter: Interpreter) -> tuple[int, int, str]:
    return (len(interpreter.languages), len(interpreter.available), interpreter.id)


class Staffing:
    """Per slot, a matching of the placed meetings that need an interpreter to interpreters.

    Board edges are meetings, interpreters are their indexes in ``problem.interpreters``.
    """

    def __init__(self, compiled: Compiled) -> None:
        problem = compiled.problem
        self.compiled = compiled
        people = [*problem.governments.values(), *problem.partners.values()]
        self.people = people
        # interpreters in order of versatility, so a search tries specialists first
        self.interpreters = sorted(problem.interpreters, key=_versatility)
        busy: dict[str, int] = {}
        for b in problem.fixed:
            if b.interpreter is not None:
                busy[b.interpreter] = busy.get(b.interpreter, 0) | 1 << b.slot
        self.avail = [
            sum(1 << s for s in i.available if 0 <= s < problem.num_slots) & ~busy.get(i.id, 0)
            for i in self.interpreters
        ]
        # per slot, interpreter -> the edge they staff
        self.who: list[dict[int, int]] = [{} for _ in range(problem.num_slots)]
        self.of: dict[int, int] = {}  # edge -> interpreter
        # per slot, interpreters from which no augmenting path exists; valid until the slot's
        # matching changes (the classic speed-up of Kuhn's algorithm)
        self.dead: list[set[int]] = [set() for _ in range(problem.num_slots)]
        # edge -> (per slot, the interpreters who could staff it; the slots where any could)
        self.needing: dict[int, tuple[list[list[int]], int]] = {}
        self._by_languages: dict[
            tuple[frozenset[str], frozenset[str]], tuple[list[list[int]], int]
        ] = {}

    def needs(self, e: int) -> bool:
        """Whether edge ``e`` needs an interpreter (its candidates are then cached)."""
        if e in self.needing:
            return True
        board = self.compiled.board
        a, b = self.people[board.eg[e]], self.people[board.ep[e]]
        if not needs_interpreter(a, b):
            return False
        key = (a.languages, b.languages)
        if key not in self._by_languages:  # few keys: the languages people combine are few
            cands = [
                k
                for k, i in enumerate(self.interpreters)
                if i.languages & a.languages and i.languages & b.languages
            ]
            per_slot = [[k for k in cands if self.avail[k] >> s & 1] for s in range(len(self.who))]
            mask = sum(1 << s for s, ks in enumerate(per_slot) if ks)
            self._by_languages[key] = (per_slot, mask)
        self.needing[e] = self._by_languages[key]
        return True

    def augment(self, e: int, s: int) -> bool:
        """Give edge ``e`` an interpreter at slot ``s``, reassigning others of that slot along
        an augmenting path if need be; ``False`` (and nothing changed) when none exists."""
        who, dead = self.who[s], self.dead[s]
        options = self.needing[e][0][s]
        for k in options:  # a free interpreter first: most searches end here
            if k not in who:
                # no dead interpreter could reach k (it was free), so ``dead`` stays valid
                who[k] = e
                self.of[e] = k
                return True
        seen: set[int] = set()
        stack = [(e, iter(options))]
        path: list[int] = []  # path[i]: the interpreter that stack level i takes
        while stack:
            for k in stack[-1][1]:
                if k in seen or k in dead:
                    continue
                seen.add(k)
                path.append(k)
                holder = who.get(k)
                if holder is None:
                    for (edge, _), taken in zip(stack, path, strict=True):
                        who[taken] = edge
                        self.of[edge] = taken
                    dead.clear()
                    return True
                stack.append((holder, iter(self.needing[holder][0][s])))
                break
            else:
                stack.pop()
                if path:
                    path.pop()
        dead |= seen
        return False

    def match_slots(self) -> None:
        """A maximum matching in every slot; heavier meetings first, so that among maximum
        matchings it keeps the heaviest meetings staffed (matched meetings stay matched)."""
        board = self.compiled.board
        for e in self._by_weight(e for e, s in enumerate(board.slot) if s != FREE):
            if self.needs(e):
                self.augment(e, board.slot[e])

    def move_unstaffed(self, deadline: float | None) -> None:
        """Move each unstaffed meeting to a slot where an interpreter can be matched: first
        where both sides and a table are free, else by swapping slots with the meetings that
        keep its sides busy there (moves keep the weight and the meeting count)."""
        board = self.compiled.board
        left = [e for e in self.needing if e not in self.of and board.slot[e] != FREE]
        for n, e in enumerate(self._by_weight(left)):
            if n % CHECK_TIME_EVERY == 0 and _past(deadline):
                break
            slots = self.needing[e][1] & board.emask[e]
            for s in bits(board.free_slots(e) & slots):
                if self.augment(e, s):
                    board.move(e, s)
                    break
            else:
                for s in bits(slots & ~(1 << board.slot[e])):
                    if self._swap(e, s):
                        break
        board.journal.clear()

    def _swap(self, e: int, s: int) -> bool:
        """Move ``e`` to slot ``s`` and the meetings of its sides there to ``e``'s slot, if
        they can go there, hold no interpreter, and an interpreter can be matched to ``e``."""
        board = self.compiled.board
        home = board.slot[e]
        blockers = {board.occ[i][s] for i in (board.eg[e], board.ep[e])} - {FREE}
        if not blockers or not all(self._can_go(f, e, home) for f in blockers):
            return False
        # the swap keeps every participant's count; the slots' loads change by this much
        if board.load[home] - 1 + len(blockers) > board.num_tables:
            return False
        if board.load[s] - len(blockers) + 1 > board.num_tables:
            return False
        if not self.augment(e, s):
            return False
        board.unplace(e)
        for f in blockers:
            board.move(f, home)
        board.place(e, s)
        return True

    def _can_go(self, f: int, e: int, home: int) -> bool:
        """Whether meeting ``f`` (sharing a side with ``e``) could take ``e``'s slot ``home``
        once ``e`` leaves it."""
        board = self.compiled.board
        if f < 0 or f in self.of or not board.emask[f] >> home & 1:
            return False  # fixed, staffed (its interpreter is bound to its slot), or absent
        return all(board.occ[i][home] in (FREE, e) for i in (board.eg[f], board.ep[f]))

    def _by_weight(self, edges: Iterable[int]) -> list[int]:
        value = self.compiled.board.value
        return sorted(edges, key=lambda e: (-value[e], e))

    def label(self, bookings: list[Booking], report: ScheduleReport) -> list[Booking]:
        """The bookings with their interpreters; fills ``report.unstaffed`` and ``interpreted``."""
        board, pairs = self.compiled.board, self.compiled.pairs
        named = {}
        for e in self.needing:
            if board.slot[e] != FREE:
                k = self.of.get(e)
                named[(pairs[e].government_id, pairs[e].partner_id)] = (
                    None if k is None else self.interpreters[k].id
                )
        result = []
        for b in bookings:
            key = (b.government_id, b.partner_id)
            if key in named:
                b = replace(b, interpreter=named[key])
                if b.interpreter is None:
                    report.unstaffed.append(b)
                else:
                    report.interpreted += 1
            result.append(b)
        return result


def _past(deadline: float | None) -> bool:
    return deadline is not None and time.perf_counter() > deadline


def staff_meetings(compiled: Compiled, deadline: float | None) -> Staffing:
    """Give interpreters to the placed meetings that need one, moving some to do so."""
    staffing = Staffing(compiled)
    problem = compiled.problem
    if any(a.languages for a in problem.governments.values()) and any(
        a.languages for a in problem.partners.values()
    ):
        staffing.match_slots()
        staffing.move_unstaffed(deadline)
    return staffing
