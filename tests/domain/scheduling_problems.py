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


def two_day_problem(seed: int, people: int = 40, pairs: int = 400) -> SchedulingProblem:
    """Two days of four slots; like the stress instances, half attend one day only and a few
    participants are asked for by many."""
    rng = random.Random(seed)
    days = (frozenset(range(4)), frozenset(range(4, 8)))

    def attendee(ident: str) -> Attendee:
        roll = rng.random()
        available = days[0] | days[1] if roll < 0.5 else days[0] if roll < 0.75 else days[1]
        return Attendee(ident, rng.randint(4, 8), available)

    governments = {f"g{i}": attendee(f"g{i}") for i in range(people)}
    partners = {f"p{i}": attendee(f"p{i}") for i in range(2 * people)}
    # popularity falls off with the index, so the first few are in demand
    wanted = [1.0 / (1 + i) for i in range(2 * people)]
    chosen: set[tuple[str, str]] = set()
    while len(chosen) < pairs:
        g = rng.randrange(people)
        p = rng.choices(range(2 * people), weights=wanted)[0]
        chosen.add((f"g{g}", f"p{p}"))
    return SchedulingProblem(
        num_slots=8,
        num_tables=people,
        governments=governments,
        partners=partners,
        pairs=[ApprovedPair(g, p, float(rng.randint(1, 100))) for g, p in sorted(chosen)],
    )
