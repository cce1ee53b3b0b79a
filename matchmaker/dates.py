"""Stored times as the reader sees them: the event's wall clock, in the reader's language.

Times are stored in UTC (SQLite hands them back naive); people read them in the event's time
zone. Babel formats them from CLDR's patterns for the reader's locale, so a Mexican reader sees
"12 mar 2027, 10:40" and an English one "Mar 12, 2027, 10:40"; the clock is 24-hour in every
language, as congress programmes print it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton, get_datetime_format
from flask_babel import get_locale

from matchmaker.models import Event
from matchmaker.orm import as_utc


def reader_locale() -> str:
    """The language of the request being answered (Spanish when none was chosen)."""
    return str(get_locale() or "es")


def event_day(day: date, locale: str | None = None) -> str:
    """A meeting day, e.g. "mié, 10 mar" (weekday, day and month: the year is the event's)."""
    return format_skeleton("MMMEd", day, locale=locale or reader_locale())


def event_moment(moment: datetime | None, event: Event | None, locale: str | None = None) -> str:
    """When something happened or will lapse, e.g. "12 mar 2027, 10:40", in the event's time
    zone (UTC without an event); empty when there is no time."""
    if moment is None:
        return ""
    zone = ZoneInfo(event.time_zone) if event is not None else UTC
    local = as_utc(moment).astimezone(zone)
    locale = locale or reader_locale()
    day = format_skeleton("yMMMd", local, locale=locale)
    clock = format_skeleton("Hm", local, locale=locale)
    return get_datetime_format("medium", locale=locale).format(clock, day)
