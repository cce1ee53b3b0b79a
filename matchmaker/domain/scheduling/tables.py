"""Table numbers for the meetings of a finished timetable: even use, few walks."""

from __future__ import annotations

from collections import defaultdict

from .model import Booking

Person = tuple[bool, str]  # (is a government, id): the two sides may share ids


def seat(
    meetings: list[tuple[int, str, str]], fixed: list[Booking], num_tables: int
) -> list[Booking]:
    """Give each new meeting ``(slot, government_id, partner_id)`` a table.

    Even use of tables comes first: slot by slot, the meetings take the free tables used least
    so far (fixed bookings counted from the start), so that a few meetings spread over the
    tables instead of all sitting at table 0. Where that leaves a choice (tables used equally
    often, as on a busy event where every table is used in every slot), a participant who met
    in the slot before keeps that table, the official's before the partner's, so fewer people
    walk between back-to-back meetings; then the lowest table. Slots never hold more meetings
    than free tables, so everyone gets one. Returns the bookings sorted by slot, table, ids.
    """
    use = [0] * num_tables
    fixed_at: dict[int, list[Booking]] = defaultdict(list)
    for b in fixed:
        use[b.table] += 1
        fixed_at[b.slot].append(b)
    new_at: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for s, government, partner in meetings:
        new_at[s].append((government, partner))
    seats: dict[Person, tuple[int, int]] = {}  # a person's last meeting: slot, table
    bookings: list[Booking] = []
    for s in sorted(fixed_at.keys() | new_at.keys()):
        for b in fixed_at[s]:
            _sit(seats, b, s)
        placed = _seat_slot(s, sorted(new_at[s]), fixed_at[s], seats, use)
        for b in placed:
            use[b.table] += 1
            _sit(seats, b, s)
        bookings.extend(placed)
    return sorted(bookings, key=lambda b: (b.slot, b.table, b.government_id, b.partner_id))


def _seat_slot(
    s: int,
    pairs: list[tuple[str, str]],
    fixed: list[Booking],
    seats: dict[Person, tuple[int, int]],
    use: list[int],
) -> list[Booking]:
    """The bookings of one slot's new meetings (``pairs``, in id order)."""
    if not pairs:
        return []
    taken = {b.table for b in fixed}
    # per meeting, the tables its people sat at in the slot before: official's first
    wishes = [(_stayed(seats, (True, g), s), _stayed(seats, (False, p), s)) for g, p in pairs]
    wanted = {t for wish in wishes for t in wish if t is not None}
    free = [t for t in range(len(use)) if t not in taken]
    chosen = sorted(free, key=lambda t: (use[t], t not in wanted, t))[: len(pairs)]
    left = set(chosen)
    tables: list[int | None] = [None] * len(pairs)
    for rank in (0, 1):  # every official's wish before any partner's
        for n, wish in enumerate(wishes):
            table = wish[rank]
            if table is not None and tables[n] is None and table in left:
                tables[n] = table
                left.discard(table)
    rest = iter(sorted(left))
    return [
        Booking(g, p, s, t if t is not None else next(rest))
        for (g, p), t in zip(pairs, tables, strict=True)
    ]


def _stayed(seats: dict[Person, tuple[int, int]], person: Person, s: int) -> int | None:
    """The table ``person`` sat at in slot ``s - 1``, if they had a meeting there."""
    last = seats.get(person)
    return last[1] if last is not None and last[0] == s - 1 else None


def _sit(seats: dict[Person, tuple[int, int]], b: Booking, s: int) -> None:
    seats[(True, b.government_id)] = seats[(False, b.partner_id)] = (s, b.table)
