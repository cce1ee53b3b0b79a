"""Small scheduling problems and their checks, shared by the solver's tests: random instances,
every rule a schedule must keep, and the optimum by brute force."""

from __future__ import annotations

import itertools
import random
from collections import Counter

from matchmaker.domain.scheduling import ApprovedPair, Attendee, Booking, SchedulingProblem


def violations(problem: SchedulingProblem, bookings: list[Booking]) -> list[str]:
    """Every hard rule broken by ``bookings`` together with ``problem.fixed`` (independent)."""
    found = []
    everything = [*problem.fixed, *bookings]
    approved = {(p.government_id, p.partner_id) for p in problem.pairs}
    pairs = Counter((b.government_id, b.partner_id) for b in everything)
    found += [f"pair twice: {k}" for k, n in pairs.items() if n > 1]
    seats = Counter((b.slot, b.table) for b in everything)
    found += [f"table shared: {k}" for k, n in seats.items() if n > 1]
    per_slot = Counter(b.slot for b in everything)
    found += [f"slot over tables: {s}" for s, n in per_slot.items() if n > problem.num_tables]
    for b in bookings:
        if (b.government_id, b.partner_id) not in approved:
            found.append(f"not approved: {b}")
        if not (0 <= b.slot < problem.num_slots and 0 <= b.table < problem.num_tables):
            found.append(f"out of range: {b}")
        gov, par = problem.governments[b.government_id], problem.partners[b.partner_id]
        if b.slot not in gov.available or b.slot not in par.available:
            found.append(f"absent: {b}")
    for side, people in (("g", problem.governments), ("p", problem.partners)):
        ids = [b.government_id if side == "g" else b.partner_id for b in everything]
        at = Counter(zip(ids, (b.slot for b in everything), strict=True))
        found += [f"double-booked: {k}" for k, n in at.items() if n > 1]
        for ident, n in Counter(ids).items():
            if n > people[ident].cap:
                found.append(f"over cap: {ident}")
    return found


def weight_of(problem: SchedulingProblem, bookings: list[Booking]) -> float:
    weights = {(p.government_id, p.partner_id): p.weight for p in problem.pairs}
    return sum(weights[(b.government_id, b.partner_id)] for b in bookings)


def random_problem(
    seed: int, people: int = 6, slots: int = 4, pairs: int = 14
) -> SchedulingProblem:
    rng = random.Random(seed)

    def attendee(prefix: str, i: int) -> Attendee:
        available = frozenset(s for s in range(slots) if rng.random() < 0.7)
        return Attendee(f"{prefix}{i}", rng.randint(0, 4), available)

    governments = {a.id: a for a in (attendee("g", i) for i in range(people))}
    partners = {a.id: a for a in (attendee("p", i) for i in range(people + 2))}
    candidates = sorted(itertools.product(governments, partners))
    chosen = rng.sample(candidates, min(pairs, len(candidates)))
    return SchedulingProblem(
        num_slots=slots,
        num_tables=rng.randint(1, 4),
        governments=governments,
        partners=partners,
        pairs=[ApprovedPair(g, p, float(rng.randint(1, 9))) for g, p in sorted(chosen)],
    )


def brute_force(problem: SchedulingProblem) -> tuple[float, int]:
    """The best (weight, meetings) by trying every slot (or none) for every pair."""
    options = [
        [None, *sorted(problem.governments[p.government_id].available
                       & problem.partners[p.partner_id].available)]
        for p in problem.pairs
    ]  # fmt: skip
    best = (0.0, 0)
    for choice in itertools.product(*options):
        bookings = [
            Booking(p.government_id, p.partner_id, s, table)
            for table, (p, s) in enumerate(zip(problem.pairs, choice, strict=True))
            if s is not None
        ]
        # tables are interchangeable: number them per slot so only the count per slot matters
        per_slot: Counter[int] = Counter()
        numbered = []
        for b in bookings:
            numbered.append(Booking(b.government_id, b.partner_id, b.slot, per_slot[b.slot]))
            per_slot[b.slot] += 1
        if all(per_slot[s] <= problem.num_tables for s in per_slot) and not violations(
            problem, numbered
        ):
            best = max(best, (weight_of(problem, numbered), len(numbered)))
    return best
