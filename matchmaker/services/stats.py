"""Event figures: counts per kind, organisation type and theme."""

from __future__ import annotations

from collections import Counter
from typing import Any

from matchmaker.extensions import db
from matchmaker.models import Event, Participant
from matchmaker.orm import utcnow


def compute_event_stats(event: Event) -> dict[str, Any]:
    """Recompute and store the event's participant figures."""
    rows = db.session.execute(
        db.select(Participant.kind, Participant.organisation_type, Participant.themes,
                  Participant.languages)
        .where(Participant.event_id == event.id)
    ).all()  # fmt: skip
    by_kind: Counter[str] = Counter()
    by_type: Counter[str] = Counter()
    by_theme: Counter[str] = Counter()
    by_language: Counter[str] = Counter()
    for kind, organisation_type, themes, languages in rows:
        by_kind[kind] += 1
        by_type[organisation_type] += 1
        by_theme.update(themes)
        by_language.update(languages)
    stats = {
        "participants": len(rows),
        "by_kind": dict(by_kind),
        "by_organisation_type": dict(by_type),
        "by_theme": dict(by_theme),
        "by_language": dict(by_language),
    }
    event.stats = stats
    event.stats_computed_at = utcnow()
    db.session.flush()
    return stats
