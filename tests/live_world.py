"""A meeting area under way, for the live board tests (services, web, workers, browser).

Slot 0 is over: five officials met five partners there and checked in, so those partners are
"present" at the congress. In slot 1, official G1 sits at table 1 (index 0) waiting for
partner P1, who never checks in; official G2 and partner P2 are both at table 2. Official G1's
pairs, seen from a standby offer:

- P4: approved, score 55, present and free: offered first (approved before score);
- P3: suggested, score 85 (strong), present and free: offered second;
- P5: suggested, score 50 (weak): never offered;
- P6: approved but blocked: never offered;
- P7: approved but busy in slot 1 with G3: never offered;
- P8: approved, present, but the pair is already booked in slot 3: never offered;
- P9: approved, free, but never came (no check-in): never offered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from matchmaker.extensions import db
from matchmaker.models import BlockedPair, Event, MatchSuggestion, Meeting, Participant
from tests.factories import create_event, create_participant

SLOT_MINUTES = 20


@dataclass
class LiveWorld:
    event_id: int
    people: dict[str, int]  # participant ids by name: G1.., P1..
    missed: int  # G1 × P1 in slot 1, table 1: only G1 checks in
    both: int  # G2 × P2 in slot 1, table 2: both check in
    busy: int  # G3 × P7 in slot 1, table 3: nobody checked in yet
    slot1_start: datetime  # aware UTC


def event_running_now(started_minutes_ago: int = 11, **settings: object) -> Event:
    """An event today whose slot 1 started ``started_minutes_ago`` minutes ago (20-minute
    slots), in a time zone where it is mid-morning now, so the day never crosses midnight."""
    now = datetime.now(ZoneInfo("UTC"))
    offset = (10 - now.hour) % 24
    offset = offset - 24 if offset > 14 else offset
    zone = "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"  # Etc/GMT-3 is UTC+3
    local = now.astimezone(ZoneInfo(zone)).replace(second=0, microsecond=0)
    first = local - timedelta(minutes=SLOT_MINUTES + started_minutes_ago)
    event = create_event(days=1, time_zone=zone, slot_minutes=SLOT_MINUTES,
                         day_start=f"{first:%H:%M}",
                         day_end=f"{first + timedelta(minutes=6 * SLOT_MINUTES):%H:%M}",
                         **settings)  # fmt: skip
    event.days = [first.date().isoformat()]
    db.session.flush()
    return event


def build_live_world(event: Event, checked_in: bool = True) -> LiveWorld:
    """The rows above in ``event`` (flushed). ``checked_in=False`` leaves slot 1's check-ins
    to the test (slot 0's are always made: they make people present)."""
    slots = event.calendar().slots
    people: dict[str, Participant] = {}
    for n in range(1, 10):
        people[f"G{n}"] = create_participant(event, "government", name=f"Oficial {n}")
        people[f"P{n}"] = create_participant(event, "partner", name=f"Socia {n}",
                                             organisation=f"Empresa {n}")  # fmt: skip
    earlier = slots[0].start + timedelta(minutes=1)
    for n in (3, 4, 5, 6, 7, 8):  # slot 0, over: both sides came
        meeting(event, people[f"G{n}"], people[f"P{n}"], 0, n - 1, earlier, earlier)
    missed = meeting(event, people["G1"], people["P1"], 1, 0)
    both = meeting(event, people["G2"], people["P2"], 1, 1)
    busy = meeting(event, people["G3"], people["P7"], 1, 2)
    meeting(event, people["G1"], people["P8"], 3, 0)
    if checked_in:
        start = slots[1].start
        missed.government_checked_in_at = start - timedelta(minutes=2)
        both.government_checked_in_at = both.partner_checked_in_at = start
    g1 = people["G1"]
    for name, score, status in (("P4", 55.0, "approved"), ("P3", 85.0, "suggested"),
                                ("P5", 50.0, "suggested"), ("P6", 95.0, "approved"),
                                ("P7", 90.0, "approved"), ("P8", 90.0, "approved"),
                                ("P9", 99.0, "approved")):  # fmt: skip
        db.session.add(MatchSuggestion(event_id=event.id, government_id=g1.id,
                                       partner_id=people[name].id, score=score,
                                       status=status))  # fmt: skip
    db.session.add(BlockedPair(event_id=event.id, government_id=g1.id,
                               partner_id=people["P6"].id, reason="conflicto"))  # fmt: skip
    db.session.flush()
    return LiveWorld(event.id, {name: p.id for name, p in people.items()}, missed.id, both.id,
                     busy.id, slots[1].start)  # fmt: skip


def meeting(
    event: Event, government: Participant, partner: Participant, slot: int, table: int,
    government_in: datetime | None = None, partner_in: datetime | None = None,
) -> Meeting:  # fmt: skip
    row = Meeting(event_id=event.id, government_id=government.id, partner_id=partner.id,
                  slot_index=slot, table_number=table, status="published",
                  government_checked_in_at=government_in,
                  partner_checked_in_at=partner_in)  # fmt: skip
    db.session.add(row)
    db.session.flush()
    return row
