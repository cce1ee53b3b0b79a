"""The event: its calendar (days, slots, breaks), tables and defaults."""

from __future__ import annotations

from datetime import date, datetime, time
from functools import lru_cache
from typing import Any

from sqlalchemy import String
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column

from matchmaker.domain.calendar import EventCalendar, Slot
from matchmaker.extensions import db
from matchmaker.orm import created_at, intpk, str200, utcnow


class Event(db.Model):
    __tablename__ = "event"

    id: Mapped[intpk]
    name: Mapped[str200]
    venue: Mapped[str200] = mapped_column(default="")
    time_zone: Mapped[str] = mapped_column(String(64), default="America/Mexico_City")
    #: ISO dates of the meeting days, in order.
    days: Mapped[list[str]] = mapped_column(default=list)
    day_start: Mapped[str] = mapped_column(String(5), default="09:00")
    day_end: Mapped[str] = mapped_column(String(5), default="13:00")
    slot_minutes: Mapped[int] = mapped_column(default=20)
    #: Breaks applied every day: [{"start": "11:00", "end": "11:20", "label": "Café"}].
    breaks: Mapped[list[Any]] = mapped_column(default=list)
    num_tables: Mapped[int] = mapped_column(default=20)
    default_max_meetings: Mapped[int] = mapped_column(default=8)
    request_expiry_hours: Mapped[int] = mapped_column(default=72)
    #: Minutes into a slot after which a meeting with only one side checked in is a no-show
    #: and the present side is offered a standby meeting (matchmaker.services.live).
    no_show_minutes: Mapped[int] = mapped_column(default=10, server_default="10")
    #: The demo event made by ``matchmaker demo``/``up``: found by this mark, not its name.
    is_demo: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    #: Figures recomputed by a worker after imports (counts per kind, type, theme).
    stats: Mapped[dict[str, Any]] = mapped_column(default=dict)
    stats_computed_at: Mapped[datetime | None]
    #: A profile changed at this time: suggestions are due (a worker coalesces bursts).
    suggestions_requested_at: Mapped[datetime | None]
    suggestions_computed_at: Mapped[datetime | None]
    created_at: Mapped[created_at]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    def calendar(self) -> EventCalendar:
        """The pure calendar (slots with their times) for domain code: one per distinct set of
        settings, shared (it is immutable), so its slots are worked out once, not on every
        call (a page asks for them dozens of times)."""
        breaks = tuple((b["start"], b["end"]) for b in self.breaks)
        return _calendar(tuple(self.days), self.day_start, self.day_end, self.slot_minutes,
                         breaks, self.time_zone)  # fmt: skip

    def slots(self) -> tuple[Slot, ...]:
        """The meeting slots in time order; none until the event has days."""
        return self.calendar().slots if self.days else ()

    def num_slots(self) -> int:
        return self.calendar().num_slots if self.days else 0

    def __repr__(self) -> str:
        return f"<Event {self.id} {self.name!r}>"


@lru_cache(maxsize=64)
def _calendar(
    days: tuple[str, ...],
    day_start: str,
    day_end: str,
    slot_minutes: int,
    breaks: tuple[tuple[str, str], ...],
    time_zone: str,
) -> EventCalendar:
    return EventCalendar(
        days=tuple(date.fromisoformat(d) for d in days),
        day_start=time.fromisoformat(day_start),
        day_end=time.fromisoformat(day_end),
        slot_minutes=slot_minutes,
        breaks=tuple((time.fromisoformat(start), time.fromisoformat(end)) for start, end in breaks),
        time_zone=time_zone,
    )
