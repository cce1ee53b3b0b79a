"""The solver's vocabulary: what goes in (a problem) and what comes out (bookings and a report)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Attendee:
    """A participant as the solver sees them: a meeting cap and the slots they attend.

    ``languages`` (ISO 639-1 codes) decide whether a meeting needs an interpreter; empty means
    unknown, which never asks for one.
    """

    id: str
    cap: int
    available: frozenset[int]
    languages: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Interpreter:
    """An interpreter: the languages they speak and the slots they work."""

    id: str
    languages: frozenset[str]
    available: frozenset[int]


@dataclass(frozen=True)
class ApprovedPair:
    """A government-partner pair that may meet; ``weight`` is the match score to maximise."""

    government_id: str
    partner_id: str
    weight: float


@dataclass(frozen=True)
class Booking:
    """A meeting: a pair at a slot and a table (tables are numbered ``0..num_tables-1``).

    ``interpreter`` is the id of the interpreter who staffs it, if any (on a fixed booking it
    keeps that interpreter busy at its slot).
    """

    government_id: str
    partner_id: str
    slot: int
    table: int
    interpreter: str | None = None


@dataclass
class SchedulingProblem:
    """Everything the solver needs to know about one event.

    ``fixed`` bookings already exist and never move; they count against caps, tables and slots.
    ``min_meetings_per_official`` asks for at least that many meetings per official wherever
    their approved pairs and presence allow it (it takes precedence over total weight).
    """

    num_slots: int
    num_tables: int
    governments: dict[str, Attendee]
    partners: dict[str, Attendee]
    pairs: list[ApprovedPair]
    fixed: list[Booking] = field(default_factory=list)
    min_meetings_per_official: int = 0
    interpreters: list[Interpreter] = field(default_factory=list)
    # the day of each slot (any increasing labels, e.g. 1, 1, ..., 2, 2): idle time between
    # meetings is counted within a day; None treats the whole event as one day
    day_of_slot: list[int] | None = None


@dataclass
class ScheduleReport:
    """The figures shown after every run; totals and histograms include the fixed bookings."""

    total_weight: float
    meetings: int
    upper_bound: float
    gap_to_bound: float
    meetings_per_official: dict[int, int]
    meetings_per_partner: dict[int, int]
    unserved_officials: list[tuple[str, str]]
    unscheduled_pairs: list[tuple[ApprovedPair, str]]
    seconds: float
    # at most ``upper_bound``: the b-matching with per-day limits (see bound.py); equal to it
    # when the schedule reaches upper_bound or the time limit left no room to compute it
    tighter_bound: float | None = None
    # new bookings that need an interpreter (see interpreters.needs_interpreter) and have none,
    # and how many new bookings have one
    unstaffed: list[Booking] = field(default_factory=list)
    interpreted: int = 0
    # how compact personal agendas are (fixed bookings included): idle slots (attended, no
    # meeting) between a person's first and last meeting of a day, summed over people; how
    # many people have any; and, per person and day with a meeting, the day's slot (from 1)
    # of their last meeting, on average
    idle_gaps: int = 0
    people_with_gaps: int = 0
    mean_last_slot: float = 0.0
    # meetings at the busiest table minus meetings at the idlest one, fixed bookings included
    table_spread: int = 0


@dataclass
class ScheduleResult:
    """The new bookings (fixed ones excluded), sorted by slot, table, then ids, and the report."""

    bookings: list[Booking]
    report: ScheduleReport
