"""An organiser's world for the web tests: an event with officials, partners and suggestions,
the organiser's login, form posts and the audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from matchmaker.extensions import db
from matchmaker.models import AuditEntry, Event, MatchSuggestion
from matchmaker.services import scheduling
from matchmaker.services.accounts import create_user
from tests.factories import create_event, create_participant
from tests.web.helpers import csrf_token, login

PASSWORD = "organiser-pass-1"
ORGANISER = "org@example.org"

#: The event settings form, filled in.
SETTINGS = {
    "name": "Smart City Expo Latam",
    "venue": "Centro de Convenciones de Puebla",
    "time_zone": "America/Mexico_City",
    "days": "2032-03-10\n2032-03-11",
    "day_start": "09:00",
    "day_end": "13:00",
    "slot_minutes": "20",
    "breaks": "11:00-11:20 Café",
    "num_tables": "15",
    "default_max_meetings": "6",
    "request_expiry_hours": "48",
    "save": "1",
}

#: The header row of a participants file.
HEADER = "id,kind,name,organisation,organisation_type,role_title,email,country,city,languages,themes,description\n"


@dataclass
class Seed:
    event_id: int
    governments: list[int]
    partners: list[int]
    suggestions: list[int]  # scores 90, 80, 70, 60, 50, 40 in this order


def seed(app: Flask, organiser: bool = True) -> Seed:
    """An event (1 day, 12 slots, 2 tables), 2 officials, 3 partners, 6 suggestions."""
    with app.app_context():
        event = create_event(days=1, num_tables=2)
        governments = [
            create_participant(event, "government", languages=["es"], themes=["urban-mobility"]),
            create_participant(event, "government", languages=["pt"], themes=["public-services"]),
        ]
        partners = [
            create_participant(event, "partner", languages=["es", "en"], themes=["urban-mobility"]),
            create_participant(event, "partner", languages=["en"], themes=["public-services"]),
            create_participant(event, "partner", languages=["es"], themes=["urban-mobility"]),
        ]
        suggestions = []
        score = 90.0
        for government in governments:
            for partner in partners:
                suggestion = MatchSuggestion(
                    event_id=event.id, government_id=government.id, partner_id=partner.id,
                    score=score,
                    reasons=[{"code": "themes", "text": "shared themes: urban-mobility",
                              "data": {"themes": ["urban-mobility"]}}],
                )  # fmt: skip
                db.session.add(suggestion)
                db.session.flush()
                suggestions.append(suggestion.id)
                score -= 10
        if organiser:
            create_user(ORGANISER, PASSWORD, "organiser")
        create_user("official@example.org", PASSWORD, "official", participant=governments[0])
        db.session.commit()
        return Seed(event.id, [g.id for g in governments], [p.id for p in partners], suggestions)


def draft(app: Flask, event_id: int) -> list[int]:
    """Approve every suggestion and draft the schedule through the service."""
    with app.app_context():
        for suggestion in db.session.execute(db.select(MatchSuggestion)).scalars():
            suggestion.status = "approved"
        event = db.session.get_one(Event, event_id)
        scheduling.draft_schedule(event)
        db.session.commit()
        return [m.id for m in scheduling.list_meetings(event)]


def login_organiser(client: FlaskClient) -> None:
    assert login(client, ORGANISER, PASSWORD).status_code == 302


def post(client: FlaskClient, path: str, data: dict[str, Any] | None = None,
         token_from: str = "/organiser/") -> Any:  # fmt: skip
    payload = {"csrf_token": csrf_token(client, token_from), **(data or {})}
    return client.post(path, data=payload)


def audit_actions(app: Flask) -> list[str]:
    with app.app_context():
        return list(db.session.execute(db.select(AuditEntry.action).order_by(AuditEntry.id))
                    .scalars())  # fmt: skip
