"""The scheduling solver: approved pairs + slots + tables + constraints -> meetings.

Pure domain code (no web, database or task-queue imports). The public API is re-exported here;
the modules behind it are internal.
"""

from .interpreters import needs_interpreter, staff
from .io import load_instance, write_schedule_csv
from .model import (
    ApprovedPair,
    Attendee,
    Booking,
    Interpreter,
    ScheduleReport,
    ScheduleResult,
    SchedulingProblem,
)
from .report import format_report
from .solver import book_one, solve, tighter_upper_bound, upper_bound

__all__ = [
    "ApprovedPair",
    "Attendee",
    "Booking",
    "Interpreter",
    "ScheduleReport",
    "ScheduleResult",
    "SchedulingProblem",
    "book_one",
    "format_report",
    "load_instance",
    "needs_interpreter",
    "solve",
    "staff",
    "tighter_upper_bound",
    "upper_bound",
    "write_schedule_csv",
]
