"""Stored times as the reader sees them: the event's wall clock, in the reader's language.

Times are stored in UTC (SQLite hands them back naive); people read them in the event's time
zone. Babel formats them from CLDR's patterns for the reader's locale, so a Mexican reader sees
"12 mar 2027, 10:40" and an English one "Mar 12, 2027, 10:40"; the clock is 24-hour in every
language, as congress programmes print it.

One function per kind of date, so that a kind reads the same on every page, file and mail:
a meeting day (``event_day``), a date with its year (``event_date``), the event's dates
(``event_dates``, ``date_range``), a slot's time (``clock``, ``time_range``), a meeting's day
and hours (``meeting_time``) and a stored moment (``event_moment``). Templates reach them as
globals (see ``TEMPLATE_HELPERS``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import (
    format_interval,
    format_skeleton,
    format_timedelta,
    get_datetime_format,
    get_timezone_location,
)
from flask_babel import force_locale, get_locale
from flask_babel import lazy_gettext as _l

from matchmaker.models import Event
from matchmaker.orm import as_utc


def reader_locale() -> str:
    """The language of the request being answered (Spanish when none was chosen)."""
    return str(get_locale() or "es")


def event_day(day: date, locale: str | None = None) -> str:
    """A meeting day, e.g. "mié, 10 mar" (weekday, day and month: the year is the event's)."""
    return format_skeleton("MMMEd", day, locale=locale or reader_locale())


def event_date(day: date, locale: str | None = None) -> str:
    """A calendar date with its year, e.g. "10 mar 2027" (a file read outside the event)."""
    return format_skeleton("yMMMd", day, locale=locale or reader_locale())


def date_range(first: date, last: date, locale: str | None = None) -> str:
    """From one date to another, e.g. "10–11 mar 2027"; one date alone when they are equal."""
    if first == last:
        return event_date(first, locale)
    return format_interval(first, last, "yMMMd", locale=locale or reader_locale())


def event_dates(event: Event, locale: str | None = None) -> str:
    """The event's first to last day, e.g. "10–11 mar 2027"; empty without days."""
    days = sorted(date.fromisoformat(day) for day in event.days)
    return date_range(days[0], days[-1], locale) if days else ""


def clock(moment: datetime, locale: str | None = None) -> str:
    """The time of day of a slot (already on the event's clock), e.g. "9:00"."""
    return format_skeleton("Hm", moment, locale=locale or reader_locale())


def time_range(start: datetime, end: datetime, locale: str | None = None) -> str:
    """A slot's start and end on the event's clock, e.g. "9:00–9:20"."""
    return format_interval(start, end, "Hm", locale=locale or reader_locale())


def meeting_time(start: datetime, end: datetime, locale: str | None = None) -> str:
    """A meeting's day and hours on the event's clock, e.g. "mié, 10 mar, 9:00–9:20"."""
    locale = locale or reader_locale()
    pattern = str(get_datetime_format("medium", locale=locale))  # "{1}, {0}": day, time
    return pattern.format(time_range(start, end, locale), event_day(start, locale))


def event_moment(moment: datetime | None, event: Event | None, locale: str | None = None) -> str:
    """When something happened or will lapse, e.g. "12 mar 2027, 10:40", in the event's time
    zone (UTC without an event); empty when there is no time."""
    if moment is None:
        return ""
    zone = ZoneInfo(event.time_zone) if event is not None else UTC
    local = as_utc(moment).astimezone(zone)
    locale = locale or reader_locale()
    day = format_skeleton("yMMMd", local, locale=locale)
    at = format_skeleton("Hm", local, locale=locale)
    return str(get_datetime_format("medium", locale=locale)).format(at, day)


def duration_words(seconds: float, locale: str | None = None) -> str:
    """A length of time in words, rounded to its largest whole unit, e.g. "3 horas"
    (90 minutes read "2 horas": a figure to grasp at a glance, not a stopwatch)."""
    return format_timedelta(
        timedelta(seconds=seconds), threshold=1, locale=locale or reader_locale()
    )


#: Zones whose CLDR name is ambiguous to people at a Mexican congress ("hora central" is also
#: the United States'): named as Mexicans name them. Other zones take CLDR's city name.
ZONE_NAMES = {
    "America/Mexico_City": _l("hora del centro de México"),
    "America/Cancun": _l("hora de Quintana Roo"),
    "America/Tijuana": _l("hora del Pacífico de México"),
    "America/Hermosillo": _l("hora de Sonora"),
    "America/Mazatlan": _l("hora del Pacífico mexicano"),
}


def zone_name(event: Event | None, locale: str | None = None) -> str:
    """The event's time zone as people say it, e.g. "hora del centro de México"."""
    zone = event.time_zone if event is not None else "UTC"
    if zone in ZONE_NAMES:
        if locale is None:
            return str(ZONE_NAMES[zone])
        with force_locale(locale):  # a mail in three languages names the zone in each
            return str(ZONE_NAMES[zone])
    try:
        return get_timezone_location(zone, locale=locale or reader_locale())
    except LookupError:
        return zone


#: The formatters templates call by name (registered as Jinja globals by the app).
TEMPLATE_HELPERS = {
    "zone_name": zone_name,
    "event_day": event_day,
    "event_date": event_date,
    "event_dates": event_dates,
    "clock": clock,
    "time_range": time_range,
    "meeting_time": meeting_time,
    "event_moment": event_moment,
}
