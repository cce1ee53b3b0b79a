"""Event settings in the service: days far from the ends of the calendar are refused."""

from __future__ import annotations

from datetime import UTC, date, time

import pytest
from flask import Flask

from matchmaker.extensions import db
from matchmaker.models import Event
from matchmaker.services import events
from matchmaker.services.event_settings import (
    FIRST_DAY,
    LAST_DAY,
    EventSettings,
    SettingsRejected,
    apply_settings,
)
from tests.factories import create_event


def _settings(*days: date) -> EventSettings:
    """Late slots in the zone furthest ahead of UTC: the first to leave the calendar."""
    return EventSettings(name="Expo", venue="", time_zone="Pacific/Kiritimati", days=list(days),
                         day_start=time(20, 0), day_end=time(23, 59), slot_minutes=60)  # fmt: skip


@pytest.mark.parametrize(
    "day", [date(9999, 12, 31), date(1, 1, 1), date(1999, 12, 31), date(2101, 1, 1)]
)
def test_days_outside_the_admitted_years_are_refused(app_ctx: Flask, day: date) -> None:
    event = create_event()
    before = list(event.days)
    with pytest.raises(SettingsRejected) as refused:
        apply_settings(event, _settings(date(2032, 3, 10), day), None)
    assert (refused.value.field, refused.value.data) == ("days", {"day": day.isoformat()})
    assert event.days == before
    with pytest.raises(SettingsRejected):
        events.create_event("Expo", days=[day.isoformat()])
    assert db.session.execute(db.select(db.func.count()).select_from(Event)).scalar() == 1


def test_the_first_and_last_admitted_days_have_slots(app_ctx: Flask) -> None:
    event = events.create_event("Expo", days=[FIRST_DAY.isoformat(), LAST_DAY.isoformat()])
    calendar = apply_settings(event, _settings(FIRST_DAY, LAST_DAY), None)
    assert calendar.num_slots == 6
    in_utc = [slot.end.astimezone(UTC) for slot in calendar.slots]
    assert (in_utc[0].year, in_utc[-1].year) == (2000, 2100)
