"""Events: the default event, lookups, settings."""

from __future__ import annotations

from datetime import date, timedelta
from typing import cast

from matchmaker.extensions import db
from matchmaker.ids import MAX_ID
from matchmaker.models import Event
from matchmaker.services.event_settings import check_days

DEFAULT_EVENT_NAME = "Smart City Expo Latam"


class EventNotFound(LookupError):
    pass


def create_event(name: str = DEFAULT_EVENT_NAME, **settings: object) -> Event:
    """A new event with two meeting days from tomorrow unless days are given (ISO dates).

    Raises SettingsRejected for a day outside the years events may have."""
    if "days" not in settings:
        first = date.today() + timedelta(days=1)
        settings["days"] = [first.isoformat(), (first + timedelta(days=1)).isoformat()]
    check_days(date.fromisoformat(day) for day in cast(list[str], settings["days"]))
    event = Event(name=name, **settings)
    db.session.add(event)
    db.session.flush()
    return event


def get_event(event_id: int | None = None) -> Event:
    """The event with this id, or the only one when no id is given."""
    if event_id is not None:
        # An id no column can hold names no event (and the database would refuse it).
        event = db.session.get(Event, event_id) if 0 < event_id <= MAX_ID else None
        if event is None:
            raise EventNotFound(f"no event with id {event_id}")
        return event
    events = db.session.execute(db.select(Event).order_by(Event.id).limit(2)).scalars().all()
    if len(events) == 1:
        return events[0]
    if not events:
        raise EventNotFound("there is no event yet: import participants or run `matchmaker demo`")
    raise EventNotFound("there are several events: say which with --event ID")


def get_or_create_event(event_id: int | None = None) -> Event:
    """The chosen event; with no id and no event at all, a new default event."""
    if event_id is None and db.session.execute(db.select(Event.id).limit(1)).first() is None:
        return create_event()
    return get_event(event_id)
