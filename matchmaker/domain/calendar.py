"""An event's meeting slots: days x times, breaks removed, in the event's time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Slot:
    index: int
    day: int  # 1-based day number
    start: datetime  # aware, in the event's time zone
    end: datetime

    @property
    def label(self) -> str:
        return f"{self.start:%Y-%m-%d %H:%M}–{self.end:%H:%M}"


@dataclass(frozen=True)
class EventCalendar:
    days: tuple[date, ...]
    day_start: time
    day_end: time
    slot_minutes: int
    breaks: tuple[tuple[time, time], ...] = ()
    time_zone: str = "America/Mexico_City"

    def __post_init__(self) -> None:
        if self.slot_minutes <= 0:
            raise ValueError("slot length must be positive")
        if self.day_end <= self.day_start:
            raise ValueError("the day must end after it starts")
        ZoneInfo(self.time_zone)  # raises for an unknown zone

    @cached_property
    def slots(self) -> tuple[Slot, ...]:
        """Bookable slots, numbered 0..n-1 in time order; slots touching a break are dropped."""
        zone = ZoneInfo(self.time_zone)
        length = timedelta(minutes=self.slot_minutes)
        slots: list[Slot] = []
        for day_number, day in enumerate(self.days, start=1):
            start = datetime.combine(day, self.day_start, zone)
            day_end = datetime.combine(day, self.day_end, zone)
            while start + length <= day_end:
                end = start + length
                break_end = self._break_overlapping(day, start, end, zone)
                if break_end is not None:
                    start = break_end  # slots resume right after the break
                    continue
                slots.append(Slot(len(slots), day_number, start, end))
                start = end
        return tuple(slots)

    def _break_overlapping(
        self, day: date, start: datetime, end: datetime, zone: ZoneInfo
    ) -> datetime | None:
        """The end of a break overlapping [start, end), so the next slot starts after it."""
        for break_start, break_end in self.breaks:
            b_start = datetime.combine(day, break_start, zone)
            b_end = datetime.combine(day, break_end, zone)
            if b_start < end and start < b_end:
                return b_end
        return None

    @property
    def num_slots(self) -> int:
        return len(self.slots)
