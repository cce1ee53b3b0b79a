"""Test data factories: create_x builds rows with sensible defaults (flushed, not committed)."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from matchmaker.extensions import db
from matchmaker.models import Event, MatchSuggestion, Participant

_counter = itertools.count(1)


def create_event(days: int = 2, **settings: object) -> Event:
    first = date(2032, 3, 10)
    values: dict[str, object] = {
        "name": "Test Expo",
        "days": [(first + timedelta(days=d)).isoformat() for d in range(days)],
        "day_start": "09:00",
        "day_end": "13:00",
        "slot_minutes": 20,
        "num_tables": 10,
        "default_max_meetings": 8,
    }
    values.update(settings)
    event = Event(**values)
    db.session.add(event)
    db.session.flush()
    return event


def create_participant(event: Event, kind: str = "government", **fields: object) -> Participant:
    n = next(_counter)
    prefix = "g" if kind == "government" else "p"
    values: dict[str, object] = {
        "external_id": f"{prefix}-{n:04d}",
        "kind": kind,
        "name": f"Person {n}",
        "organisation": f"Organisation {n}",
        "organisation_type": "municipality" if kind == "government" else "company",
        "role_title": "Director",
        "email": f"person{n}@example.org",
        "country": "MX",
        "city": "Puebla",
        "languages": ["es"],
        "themes": ["urban-mobility"],
        "description": "Movilidad urbana sostenible.",
    }
    values.update(fields)
    participant = Participant(event=event, **values)
    db.session.add(participant)
    db.session.flush()
    return participant


def approve(
    event: Event, government: Participant, partner: Participant, score: float = 50.0
) -> MatchSuggestion:
    suggestion = MatchSuggestion(
        event_id=event.id,
        government_id=government.id,
        partner_id=partner.id,
        score=score,
        status="approved",
    )
    db.session.add(suggestion)
    db.session.flush()
    return suggestion
