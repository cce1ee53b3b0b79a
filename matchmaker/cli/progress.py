"""The command line's words for the steps work reports (``matchmaker.domain.progress``).

Commands speak English; the web pages word the same steps in their reader's language.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: Each step in English, with its numbers as ``{name}``.
STEP_WORDS = {
    "reading": "reading the problem",
    "choosing_pairs": "choosing which pairs meet",
    "placing": "placing meetings in slots",
    "improving": "improving (round {round})",
    "exact": "checking for a better schedule exactly",
    "reporting": "writing the report",
    "done": "done",
    "encoding_officials": "encoding officials' challenges",
    "encoding_partners": "encoding partners' offerings",
    "ranking": "ranking",
    "storing": "storing the suggestions",
    "scheduled": "{meetings} meetings drafted",
    "published": "{meetings} meetings published",
    "suggestions_ready": "suggestions for {officials} officials",
    "rendering_agendas": "preparing the agendas",
    "agendas_ready": "agendas of {participants} participants ready",
}


def describe_step(step: str, counts: Mapping[str, Any] | None = None) -> str:
    """A step and its numbers in words; ``done`` of ``total`` is added to any step that has
    them. An unknown step, or one missing its numbers, is shown as its code."""
    counts = dict(counts or {})
    try:
        words = STEP_WORDS[step].format(**counts)
    except (KeyError, IndexError, ValueError):
        return step
    if "done" in counts and "total" in counts:
        words += f" ({counts['done']} of {counts['total']})"
    return words
