"""Event settings: check a new calendar against the event's data, then apply it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date, time
from typing import Any

from matchmaker.domain.calendar import EventCalendar
from matchmaker.extensions import db
from matchmaker.models import Event, Meeting, Participant, User
from matchmaker.services import audit


@dataclass
class EventSettings:
    """Everything an organiser sets on the event, already parsed."""

    name: str
    venue: str
    time_zone: str
    days: list[date]
    day_start: time
    day_end: time
    slot_minutes: int
    breaks: list[tuple[time, time, str]] = field(default_factory=list)
    num_tables: int = 20
    default_max_meetings: int = 8
    request_expiry_hours: int = 72
    no_show_minutes: int = 10

    @classmethod
    def of(cls, event: Event) -> EventSettings:
        return cls(
            name=event.name,
            venue=event.venue,
            time_zone=event.time_zone,
            days=[date.fromisoformat(d) for d in event.days],
            day_start=time.fromisoformat(event.day_start),
            day_end=time.fromisoformat(event.day_end),
            slot_minutes=event.slot_minutes,
            breaks=[
                (time.fromisoformat(b["start"]), time.fromisoformat(b["end"]), b.get("label", ""))
                for b in event.breaks
            ],
            num_tables=event.num_tables,
            default_max_meetings=event.default_max_meetings,
            request_expiry_hours=event.request_expiry_hours,
            no_show_minutes=event.no_show_minutes,
        )

    def calendar(self) -> EventCalendar:
        """The calendar these settings give (ValueError when it is impossible)."""
        return EventCalendar(
            days=tuple(sorted(self.days)),
            day_start=self.day_start,
            day_end=self.day_end,
            slot_minutes=self.slot_minutes,
            breaks=tuple((start, end) for start, end, _label in self.breaks),
            time_zone=self.time_zone,
        )


#: Meeting days must fall within these: far from Python's first and last dates (years 1 and
#: 9999), where a slot's time in UTC does not exist, and wide enough for any real congress.
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2100, 12, 31)


class SettingsRejected(ValueError):
    """The settings cannot apply; ``field`` names the form field to blame."""

    def __init__(self, field: str, message: str, **data: Any) -> None:
        super().__init__(message)
        self.field, self.data = field, data


def check_days(days: Iterable[date]) -> None:
    """SettingsRejected on ``days`` (with ``day``) for a day outside FIRST_DAY..LAST_DAY."""
    for day in days:
        if not FIRST_DAY <= day <= LAST_DAY:
            message = f"{day.isoformat()} is outside {FIRST_DAY.year}-{LAST_DAY.year}"
            raise SettingsRejected("days", message, day=day.isoformat())


def check_calendar(settings: EventSettings) -> EventCalendar:
    """The calendar the settings make, or SettingsRejected when they make none."""
    check_days(settings.days)
    try:
        calendar = settings.calendar()
    except ValueError as exc:
        raise SettingsRejected("day_end", str(exc)) from exc
    if calendar.num_slots == 0:
        raise SettingsRejected("slot_minutes", "no slot fits", num_slots=0)
    for start, end, _label in settings.breaks:
        if end <= start:
            raise SettingsRejected("breaks", "a break must end after it starts")
    return calendar


def check_settings(event: Event, settings: EventSettings) -> EventCalendar:
    """The resulting calendar, or SettingsRejected when it is impossible or would break
    stored data."""
    calendar = check_calendar(settings)
    num_slots = calendar.num_slots
    last_booked = db.session.execute(
        db.select(db.func.max(Meeting.slot_index)).where(
            Meeting.event_id == event.id, Meeting.status != "cancelled"
        )
    ).scalar()
    if last_booked is not None and last_booked >= num_slots:
        raise SettingsRejected("days", "meetings are booked in slots that would disappear",
                               slot=last_booked + 1, num_slots=num_slots)  # fmt: skip
    last_table = db.session.execute(
        db.select(db.func.max(Meeting.table_number)).where(
            Meeting.event_id == event.id, Meeting.status != "cancelled"
        )
    ).scalar()
    if last_table is not None and last_table >= settings.num_tables:
        raise SettingsRejected("num_tables", "meetings are booked at tables that would disappear",
                               table=last_table + 1)  # fmt: skip
    unavailable = db.session.execute(
        db.select(Participant.unavailable).where(Participant.event_id == event.id)
    ).scalars()
    highest = max((max(slots) for slots in unavailable if slots), default=None)
    if highest is not None and highest >= num_slots:
        raise SettingsRejected("days", "participants are marked absent in slots that would "
                               "disappear", slot=highest + 1, num_slots=num_slots)  # fmt: skip
    return calendar


def save_settings(
    event: Event | None, settings: EventSettings, actor: User | None
) -> tuple[Event, EventCalendar]:
    """Store the settings on ``event``, or on a new event when there is none yet; nothing is
    written when they are rejected (SettingsRejected)."""
    if event is None:
        check_calendar(settings)  # before creating anything
        event = Event(name=settings.name, days=[d.isoformat() for d in settings.days])
        db.session.add(event)
        db.session.flush()
        audit.record("event.created", actor=actor, event_id=event.id, target=event)
    return event, apply_settings(event, settings, actor)


def apply_settings(event: Event, settings: EventSettings, actor: User | None) -> EventCalendar:
    """Check, then store the settings on the event and log the change."""
    calendar = check_settings(event, settings)
    before = asdict(EventSettings.of(event)) if event.days else {}
    event.name = settings.name
    event.venue = settings.venue
    event.time_zone = settings.time_zone
    event.days = [d.isoformat() for d in sorted(settings.days)]
    event.day_start = settings.day_start.strftime("%H:%M")
    event.day_end = settings.day_end.strftime("%H:%M")
    event.slot_minutes = settings.slot_minutes
    event.breaks = [
        {"start": s.strftime("%H:%M"), "end": e.strftime("%H:%M"), "label": label}
        for s, e, label in sorted(settings.breaks)
    ]
    event.num_tables = settings.num_tables
    event.default_max_meetings = settings.default_max_meetings
    event.request_expiry_hours = settings.request_expiry_hours
    event.no_show_minutes = settings.no_show_minutes
    after = asdict(EventSettings.of(event))
    changed = sorted(k for k in after if before.get(k) != after[k])
    audit.record("event.settings", actor=actor, event_id=event.id, target=event,
                 changed=changed, num_slots=calendar.num_slots)  # fmt: skip
    db.session.flush()
    return calendar
