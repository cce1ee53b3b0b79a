"""The meeting area live: check-in at the table, the board of the current and next slot, and
no-shows. Standby meetings offered after a no-show are in ``matchmaker.services.standby``.

Every function takes ``now`` (aware UTC) so that tests, the board and the periodic task agree
on one moment. A meeting is *in progress* once both sides have checked in: derived from the two
check-in times, not a status of its own. A side is *late* once its slot has started without
its check-in; ``Event.no_show_minutes`` into the slot, a published meeting with exactly one
side checked in becomes a no-show (``MeetingStatus.NO_SHOW``). A meeting nobody came to is left
as it is: nobody is there to offer a standby meeting to, and either side may still report
its outcome.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, or_

from matchmaker.domain.calendar import Slot
from matchmaker.extensions import db
from matchmaker.models import Event, Meeting, Participant, StandbyOffer, User
from matchmaker.models.meeting import MEETING_PEOPLE, MeetingStatus
from matchmaker.models.standby import StandbyState
from matchmaker.orm import as_utc
from matchmaker.services import audit

#: A side may check in this long before its slot starts (people arrive early).
CHECK_IN_EARLY = timedelta(minutes=15)
SIDES = ("government", "partner")


class LiveError(ValueError):
    """A refused live action; ``code``: ``not-yours``, ``not-checkable``, ``outside-slot``,
    ``bad-side``, ``closed`` or ``expired``."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


# --------------------------------------------------------------------------- slots


def event_slots(event: Event) -> tuple[Slot, ...]:
    """The event's slots; none for an event without a valid calendar."""
    if not event.days:
        return ()
    try:
        return event.calendar().slots
    except ValueError:
        return ()


def current_slot(event: Event, now: datetime) -> Slot | None:
    """The slot under way at ``now``, if any."""
    return next((s for s in event_slots(event) if s.start <= now < s.end), None)


def next_slot(event: Event, now: datetime) -> Slot | None:
    """The first slot starting after ``now``, if any."""
    return next((s for s in event_slots(event) if s.start > now), None)


def check_in_open(slot: Slot, now: datetime) -> bool:
    """Whether a meeting in ``slot`` takes check-ins at ``now``."""
    return slot.start - CHECK_IN_EARLY <= now < slot.end


# --------------------------------------------------------------------------- check-in


def side_of(meeting: Meeting, participant: Participant) -> str | None:
    """The side ("government" or "partner") ``participant`` is on in the meeting, or None."""
    if participant.id == meeting.government_id:
        return "government"
    if participant.id == meeting.partner_id:
        return "partner"
    return None


def checked_in_at(meeting: Meeting, side: str) -> datetime | None:
    moment = getattr(meeting, f"{side}_checked_in_at")
    return as_utc(moment) if moment is not None else None


def check_in(
    meeting: Meeting, side: str, now: datetime, actor: User | None, *, by_staff: bool = False
) -> bool:
    """Record that ``side`` ("government" or "partner") is at the table; False when it
    already was. Only published meetings (or a standby meeting) in their check-in window."""
    if side not in SIDES:
        raise LiveError("bad-side")
    if meeting.status != MeetingStatus.PUBLISHED:
        raise LiveError("not-checkable")
    slots = event_slots(db.session.get_one(Event, meeting.event_id))
    if meeting.slot_index >= len(slots) or not check_in_open(slots[meeting.slot_index], now):
        raise LiveError("outside-slot")
    if checked_in_at(meeting, side) is not None:
        return False
    setattr(meeting, f"{side}_checked_in_at", now)
    audit.record("meeting.checked-in", actor=actor, event_id=meeting.event_id, target=meeting,
                 side=side, by_staff=by_staff, slot=meeting.slot_index,
                 table=meeting.table_number)  # fmt: skip
    db.session.flush()
    return True


def check_in_participant(
    meeting: Meeting, participant: Participant, now: datetime, actor: User | None
) -> bool:
    """A participant says "I'm at my table": only to a meeting of their own."""
    side = side_of(meeting, participant)
    if side is None:
        raise LiveError("not-yours")
    return check_in(meeting, side, now, actor)


# --------------------------------------------------------------------------- the board


@dataclass
class BoardRow:
    """One meeting at one table: each side "checked-in", "due" or "late"; the meeting
    "waiting", "in-progress", "no-show" or "held"; offers made after a no-show."""

    meeting: Meeting
    government: str
    partner: str
    state: str
    offers: list[StandbyOffer] = field(default_factory=list)


@dataclass
class BoardSlot:
    slot: Slot
    current: bool
    rows: list[BoardRow]


def side_state(meeting: Meeting, side: str, slot: Slot, now: datetime) -> str:
    if checked_in_at(meeting, side) is not None:
        return "checked-in"
    return "late" if now >= slot.start else "due"


def meeting_state(meeting: Meeting) -> str:
    if meeting.status == MeetingStatus.NO_SHOW:
        return "no-show"
    if meeting.status == MeetingStatus.HELD:
        return "held"
    both = all(checked_in_at(meeting, side) is not None for side in SIDES)
    return "in-progress" if both else "waiting"


def board(event: Event, now: datetime) -> list[BoardSlot]:
    """The current slot (if one is under way) and the next, each with its meetings by table."""
    current, upcoming = current_slot(event, now), next_slot(event, now)
    slots = [(s, s is current) for s in (current, upcoming) if s is not None]
    if not slots:
        return []
    indexes = [slot.index for slot, _current in slots]
    query = (
        db.select(Meeting)
        .where(
            Meeting.event_id == event.id,
            Meeting.slot_index.in_(indexes),
            Meeting.status.in_(
                (MeetingStatus.PUBLISHED, MeetingStatus.HELD, MeetingStatus.NO_SHOW)
            ),
        )
        .options(*MEETING_PEOPLE)
        .order_by(Meeting.slot_index, Meeting.table_number, Meeting.id)
    )
    meetings = list(db.session.execute(query).unique().scalars())
    offers = _offers_by_meeting([m.id for m in meetings if m.status == MeetingStatus.NO_SHOW])
    result = []
    for slot, is_current in slots:
        rows = [
            BoardRow(
                m,
                side_state(m, "government", slot, now),
                side_state(m, "partner", slot, now),
                meeting_state(m),
                offers.get(m.id, []),
            )
            for m in meetings
            if m.slot_index == slot.index
        ]
        result.append(BoardSlot(slot, is_current, rows))
    return result


def _offers_by_meeting(meeting_ids: list[int]) -> dict[int, list[StandbyOffer]]:
    if not meeting_ids:
        return {}
    query = (
        db.select(StandbyOffer)
        .where(StandbyOffer.meeting_id.in_(meeting_ids))
        .order_by(StandbyOffer.id)
    )
    grouped: dict[int, list[StandbyOffer]] = {}
    for offer in db.session.execute(query).scalars():
        grouped.setdefault(offer.meeting_id, []).append(offer)
    return grouped


def board_fingerprint(slots: list[BoardSlot]) -> str:
    """A short text that changes whenever what the board shows changes (the page polls it)."""
    parts = []
    for board_slot in slots:
        parts.append(f"s{board_slot.slot.index}")
        for row in board_slot.rows:
            parts.append(f"{row.meeting.id}:{row.government}:{row.partner}:{row.state}")
            parts += [f"o{o.id}:{o.state}" for o in row.offers]
    return "|".join(parts)


# --------------------------------------------------------------------------- no-shows


def one_side_checked_in() -> object:
    """An SQL condition: exactly one of the meeting's two sides has checked in."""
    gov, par = Meeting.government_checked_in_at, Meeting.partner_checked_in_at
    return or_(and_(gov.is_not(None), par.is_(None)), and_(gov.is_(None), par.is_not(None)))


def mark_no_shows(event: Event, now: datetime) -> list[Meeting]:
    """Published meetings of the current slot, ``no_show_minutes`` into it, with exactly one
    side checked in: marked no-show, and logged with who was absent."""
    slot = current_slot(event, now)
    if slot is None or now < slot.start + timedelta(minutes=event.no_show_minutes):
        return []
    query = db.select(Meeting).where(
        Meeting.event_id == event.id,
        Meeting.slot_index == slot.index,
        Meeting.status == MeetingStatus.PUBLISHED,
        one_side_checked_in(),
    )
    missed = list(db.session.execute(query.order_by(Meeting.id)).scalars())
    for meeting in missed:
        present = "government" if meeting.government_checked_in_at is not None else "partner"
        absent = "partner" if present == "government" else "government"
        meeting.status = MeetingStatus.NO_SHOW
        audit.record("meeting.no-show", actor=None, event_id=event.id, target=meeting,
                     slot=slot.index, table=meeting.table_number,
                     absent_id=getattr(meeting, f"{absent}_id"),
                     present_id=getattr(meeting, f"{present}_id"))  # fmt: skip
    db.session.flush()
    return missed


def present_side(meeting: Meeting) -> str | None:
    """The side that checked in to a meeting only one side came to."""
    gov, par = meeting.government_checked_in_at, meeting.partner_checked_in_at
    if (gov is None) == (par is None):
        return None
    return "government" if gov is not None else "partner"


def list_events_today(now: datetime) -> list[Event]:
    """Events with a meeting day around ``now`` (the periodic task looks at these only)."""
    near = {(now + timedelta(days=d)).date().isoformat() for d in (-1, 0, 1)}
    events = db.session.execute(db.select(Event).order_by(Event.id)).scalars()
    return [event for event in events if near & set(event.days or [])]


def list_open_offers_for(participant: Participant, now: datetime) -> list[StandbyOffer]:
    """Offers still open for ``participant`` (as the present side or the candidate) in the
    slot under way."""
    slot = current_slot(participant.event, now)
    if slot is None:
        return []
    query = db.select(StandbyOffer).where(
        StandbyOffer.event_id == participant.event_id,
        StandbyOffer.slot_index == slot.index,
        StandbyOffer.state == StandbyState.OFFERED,
        or_(StandbyOffer.present_id == participant.id,
            StandbyOffer.candidate_id == participant.id),
    )  # fmt: skip
    return list(db.session.execute(query.order_by(StandbyOffer.id)).scalars())
