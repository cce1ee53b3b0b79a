"""Participants editing their own profile: themes, challenge or offering, languages, presence, cap.

Changes to what matching reads (themes, description, languages) ask for a recomputation of the
suggestions; ``request_recompute`` asks a worker to recompute them after the commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from matchmaker.domain.vocabulary import THEMES, ordered_languages
from matchmaker.extensions import db
from matchmaker.models import Participant
from matchmaker.services.matching import request_recompute

#: Fields the matching reads: changing one of them makes suggestions due.
MATCHING_FIELDS = frozenset({"themes", "description", "languages"})
DESCRIPTION_MAX = 5000


class ProfileError(ValueError):
    """Invalid profile data; ``field`` names the form field at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


@dataclass(frozen=True)
class ProfileChanges:
    themes: Sequence[str]
    description: str
    languages: Sequence[str]
    #: Slot indexes the participant attends; every other slot is stored as unavailable.
    present_slots: Iterable[int]
    max_meetings: int | None


def _storable(text: str) -> bool:
    """Whether ``text`` can be stored: a form cannot send a lone surrogate, a JSON string
    can ("\\ud800"), and no database column takes one."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def update_profile(participant: Participant, changes: ProfileChanges) -> set[str]:
    """Apply ``changes``; returns the names of the fields that changed.

    Raises ProfileError for unknown themes or languages, an empty description (or one no
    database can store), slot indexes outside the event's calendar or a negative cap.
    """
    num_slots = participant.event.calendar().num_slots
    themes = [t for t in THEMES if t in set(changes.themes)]  # the vocabulary's order
    if not themes or len(themes) != len(set(changes.themes)):
        raise ProfileError("themes", "choose at least one known theme")
    languages = ordered_languages(changes.languages)
    if not languages or len(languages) != len(set(changes.languages)):
        raise ProfileError("languages", "choose at least one known ISO 639-1 language")
    description = changes.description.strip()
    if not description or len(description) > DESCRIPTION_MAX:
        raise ProfileError("description", f"between 1 and {DESCRIPTION_MAX} characters")
    if not _storable(description):
        raise ProfileError("description", "holds a lone surrogate (\\ud800 to \\udfff)")
    present = set(changes.present_slots)
    if any(not 0 <= index < num_slots for index in present):
        raise ProfileError("present", "unknown slot")
    if changes.max_meetings is not None and changes.max_meetings < 0:
        raise ProfileError("max_meetings", "must not be negative")
    values = {
        "themes": themes,
        "description": description,
        "languages": languages,
        # Slots outside today's calendar (an organiser may add days later) are kept as they were.
        "unavailable": sorted(
            {i for i in range(num_slots) if i not in present}
            | {i for i in participant.unavailable if i >= num_slots}
        ),
        "max_meetings": changes.max_meetings,
    }
    changed = {name for name, value in values.items() if getattr(participant, name) != value}
    for name in changed:
        setattr(participant, name, values[name])
    if changed & MATCHING_FIELDS:
        request_recompute(participant.event)
    db.session.flush()
    return changed
