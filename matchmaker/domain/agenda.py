"""Agendas as calendar files (.ics) in the event's time zone."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from icalendar import Calendar, Event, vCalAddress, vText

PRODUCT_ID = "-//matchmaker//B2B meetings//ES"


@dataclass(frozen=True)
class Person:
    name: str
    email: str


@dataclass(frozen=True)
class AgendaItem:
    """One meeting as a calendar shows it."""

    uid: str
    start: datetime  # aware, in the event's time zone
    end: datetime
    summary: str
    location: str
    description: str
    attendees: tuple[Person, ...]
    sequence: int = 0
    cancelled: bool = False


def agenda_ics(items: Iterable[AgendaItem], calendar_name: str, organiser: str) -> bytes:
    """An iCalendar file with the VTIMEZONE of the items' zone, so clients show local times."""
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", calendar_name)
    stamp = datetime.now(UTC)
    for item in items:
        calendar.add_component(_event(item, organiser, stamp))
    calendar.add_missing_timezones()
    return calendar.to_ical()


def _event(item: AgendaItem, organiser: str, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", item.uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", item.start)
    event.add("dtend", item.end)
    event.add("summary", item.summary)
    event.add("location", item.location)
    event.add("description", item.description)
    event.add("sequence", item.sequence)
    event.add("status", "CANCELLED" if item.cancelled else "CONFIRMED")
    event["organizer"] = vCalAddress(f"mailto:{organiser}")
    for person in item.attendees:
        attendee = vCalAddress(f"mailto:{person.email}")
        attendee.params["cn"] = vText(person.name)
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        event.add("attendee", attendee, encode=False)
    return event
