from __future__ import annotations

from datetime import date, time

import pytest

from matchmaker.domain.calendar import EventCalendar


def test_slots_skip_breaks_and_carry_the_time_zone() -> None:
    calendar = EventCalendar(
        days=(date(2032, 3, 10), date(2032, 3, 11)),
        day_start=time(9),
        day_end=time(13),
        slot_minutes=20,
        breaks=((time(11), time(11, 20)),),
    )
    assert calendar.num_slots == 22  # 12 per day, one lost to the coffee break
    first, after_break = calendar.slots[0], calendar.slots[6]
    assert first.start.isoformat() == "2032-03-10T09:00:00-06:00"
    assert after_break.start.time() == time(11, 20)
    assert calendar.slots[11].day == 2 and calendar.slots[11].index == 11


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError):
        EventCalendar((date(2032, 1, 1),), time(13), time(9), 20)
    with pytest.raises(Exception, match="Mars"):
        EventCalendar((date(2032, 1, 1),), time(9), time(13), 20, time_zone="Mars/Olympus")
