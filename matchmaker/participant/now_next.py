"""The top of the phone agenda: the meeting under way and the next one, with why they meet."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from matchmaker.dates import reader_locale
from matchmaker.models import Event, Meeting
from matchmaker.participant.reasons import describe_reasons
from matchmaker.services.agendas import meeting_reasons, now_and_next


def agenda_top(event: Event, rows: Sequence[Mapping[str, Any]], now: datetime) -> dict[str, Any]:
    """Template values for the "now / next" cards and the page's own timestamp.

    ``rows`` are the agenda's rows (each with its ``meeting``, ``start``, ``end``, ``table``
    and ``other``); a card is that row plus its reasons worded as the suggestions page words
    them. ``rendered_at`` is ``now``: the page carries the moment it was made, so a copy the
    service worker shows offline still says how old it is.
    """
    meetings: list[Meeting] = [row["meeting"] for row in rows]
    current, upcoming = now_and_next(event, meetings, now)
    chosen = [m for m in (current, upcoming) if m is not None]
    reasons = meeting_reasons(chosen)
    by_id = {row["meeting"].id: row for row in rows}
    locale = reader_locale()

    def card(meeting: Meeting | None) -> dict[str, Any] | None:
        if meeting is None:
            return None
        return {
            **by_id[meeting.id],
            "reasons": describe_reasons(reasons.get(meeting.id, []), locale),
        }

    return {"now_card": card(current), "next_card": card(upcoming), "rendered_at": now}
