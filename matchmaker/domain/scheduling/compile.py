"""Turning a ``SchedulingProblem`` into integer-indexed arrays and an initial ``Board``."""

from __future__ import annotations

import math
from dataclasses import dataclass

from .board import Board
from .model import ApprovedPair, Booking, SchedulingProblem

# weights are scaled to integers for the flow solver and exact comparisons. Five significant
# digits are plenty for match scores, and keep the fairness bonus (value x meetings) and the
# flow solver's internal cost scaling (x nodes) inside int64 on the largest events
MAX_SCALED_WEIGHT = 100_000


@dataclass
class Compiled:
    """A problem in solver form: participants ``0..len(ids)-1`` (governments first)."""

    problem: SchedulingProblem
    ids: list[str]
    num_governments: int
    pairs: list[ApprovedPair]  # candidate pairs, aligned with the board's edges
    reasons: dict[int, str]  # candidate pairs that can never be placed -> why
    scaled: list[int]  # integer weight per candidate edge
    per_meeting: int  # value of an edge = scaled weight * per_meeting + 1
    board: Board
    fixed_weight: float

    def index(self, ident: str, government: bool) -> int:
        """The participant index of a government or partner id."""
        first, last = (0, self.num_governments) if government else (self.num_governments, None)
        try:
            return self.ids.index(ident, first, last if last is not None else len(self.ids))
        except ValueError:
            side = "government" if government else "partner"
            raise ValueError(f"unknown {side} {ident!r}") from None


def compile_problem(problem: SchedulingProblem) -> Compiled:
    """Index the problem, validate it, and place its fixed bookings on a fresh board.

    Raises ``ValueError`` on pairs or bookings naming unknown participants, repeated pairs,
    slots or tables out of range, or fixed bookings that clash with each other.
    """
    if problem.num_slots < 1 or problem.num_tables < 0:
        raise ValueError("num_slots must be >= 1 and num_tables >= 0")
    attendees = [*problem.governments.values(), *problem.partners.values()]
    ids = [a.id for a in attendees]
    num_governments = len(problem.governments)
    lookup = {(i < num_governments, ident): i for i, ident in enumerate(ids)}
    full = (1 << problem.num_slots) - 1
    avail = [sum(1 << s for s in a.available) & full for a in attendees]
    caps = [max(a.cap, 0) for a in attendees]
    fixed = _fixed_bookings(problem, lookup)
    fixed_pairs = {(b.government_id, b.partner_id) for b in fixed}

    pairs: list[ApprovedPair] = []
    eg: list[int] = []
    ep: list[int] = []
    weights: dict[tuple[str, str], float] = {}
    for pair in problem.pairs:
        key = (pair.government_id, pair.partner_id)
        if key in weights:
            raise ValueError(f"pair {key} is listed twice")
        if (True, key[0]) not in lookup or (False, key[1]) not in lookup:
            raise ValueError(f"pair {key} names an unknown government or partner")
        weights[key] = pair.weight
        if key not in fixed_pairs:
            pairs.append(pair)
            eg.append(lookup[(True, key[0])])
            ep.append(lookup[(False, key[1])])
    scaled, per_meeting = _scale([p.weight for p in pairs], problem, caps)
    emask = [avail[g] & avail[p] for g, p in zip(eg, ep, strict=True)]
    value = [w * per_meeting + 1 if w >= 0 else 0 for w in scaled]
    board = Board(problem.num_slots, problem.num_tables, caps, avail, (eg, ep, emask, value))
    for b in fixed:
        board.add_fixed(lookup[(True, b.government_id)], lookup[(False, b.partner_id)], b.slot)
    reasons = {e: "no common slot" for e, m in enumerate(emask) if not m}
    reasons.update({e: "negative weight" for e, v in enumerate(value) if v <= 0})
    fixed_weight = sum(weights.get((b.government_id, b.partner_id), 0.0) for b in fixed)
    return Compiled(
        problem, ids, num_governments, pairs, reasons, scaled, per_meeting, board, fixed_weight
    )


def _fixed_bookings(
    problem: SchedulingProblem, lookup: dict[tuple[bool, str], int]
) -> list[Booking]:
    seen: set[tuple[object, ...]] = set()
    for b in problem.fixed:
        if (True, b.government_id) not in lookup or (False, b.partner_id) not in lookup:
            raise ValueError(f"fixed booking {b} names an unknown government or partner")
        if not 0 <= b.slot < problem.num_slots or not 0 <= b.table < problem.num_tables:
            raise ValueError(f"fixed booking {b} has a slot or table out of range")
        keys = [
            ("pair", b.government_id, b.partner_id),
            ("gov", b.government_id, b.slot),
            ("par", b.partner_id, b.slot),
            ("table", b.slot, b.table),
        ]
        clash = [k for k in keys if k in seen]
        if clash:
            raise ValueError(
                f"fixed booking {b} clashes with another fixed booking ({clash[0][0]})"
            )
        seen.update(keys)
    return list(problem.fixed)


def _scale(
    weights: list[float], problem: SchedulingProblem, caps: list[int]
) -> tuple[list[int], int]:
    """Integer weights, and the multiplier that makes weight dominate the meeting count."""
    top = max((abs(w) for w in weights), default=0.0)
    factor = 1.0
    for digits in range(7):
        factor = 10.0**digits
        if top * factor > MAX_SCALED_WEIGHT:
            factor = MAX_SCALED_WEIGHT / top
            break
        if all(math.isclose(w * factor, round(w * factor), abs_tol=1e-9) for w in weights):
            break
    scaled = [round(w * factor) for w in weights]
    most_meetings = min(problem.num_slots * problem.num_tables, sum(caps)) + 1
    return scaled, most_meetings
