"""Progress as data: how far the work is, which step it is in (a code) and that step's numbers.

The domain knows no locale, so it never words its progress: the web pages and the command line
turn a step and its numbers into a sentence in their reader's language. Nothing parses a
sentence back into data.
"""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    """``progress(0.5, "encoding_partners", done=120, total=480)``: the fraction done (0 to 1),
    the step's code (one of STEPS) and its numbers, if it has any."""

    def __call__(self, fraction: float, step: str, /, **counts: int) -> None: ...


def no_progress(fraction: float, step: str, /, **counts: int) -> None:
    """The Progress of work nobody follows."""


#: Every step the work reports, with the numbers it may carry. ``done`` and ``total`` (so many
#: of so many) may come with any step; the others always come with theirs.
STEPS: dict[str, tuple[str, ...]] = {
    # the scheduling solver
    "reading": (),
    "choosing_pairs": (),
    "placing": (),
    "improving": ("round",),
    "exact": (),
    "reporting": (),
    "done": (),
    # ranking an event's pairs
    "encoding_officials": (),
    "encoding_partners": (),
    "ranking": (),
    "storing": (),
    # the all-agendas PDF
    "rendering_agendas": (),
    # how a finished job ends
    "scheduled": ("meetings",),
    "published": ("meetings",),
    "suggestions_ready": ("officials",),
    "agendas_ready": ("participants",),
}
