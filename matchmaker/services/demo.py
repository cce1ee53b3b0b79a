"""The demo event: our own participants, an organiser and a few participant accounts."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

from matchmaker.extensions import db
from matchmaker.models import Event
from matchmaker.services import accounts, events, matching, participants

DEMO_EVENT_NAME = "Smart City Expo Latam — demo"
DEMO_ORGANISER = "organizador@demo.example.org"
#: (participant file id, role) of the accounts the demo prints.
DEMO_PARTICIPANT_ACCOUNTS = (("demo-g-01", "official"), ("demo-p-01", "partner"))


@dataclass
class DemoLogin:
    role: str
    email: str


def get_demo_event() -> Event | None:
    """The demo event, by its mark: organisers may rename it."""
    query = db.select(Event).where(Event.is_demo.is_(True)).order_by(Event.id)
    return db.session.execute(query).scalars().first()


def load_demo(password: str) -> tuple[Event, list[DemoLogin]]:
    """Create the demo event once (idempotent) and return its logins."""
    event = get_demo_event()
    if event is None:
        event = events.create_event(
            DEMO_EVENT_NAME,
            venue="Centro de Convenciones de Puebla",
            day_end="13:20",
            breaks=[{"start": "11:00", "end": "11:20", "label": "Café"}],
            num_tables=12,
            default_max_meetings=8,
        )
        event.is_demo = True
        data = resources.files("matchmaker.demo").joinpath("participants.csv").read_bytes()
        participants.import_participants(event, data)
    if matching.recompute_is_due(event) or event.suggestions_requested_at is None:
        matching.request_recompute(event)  # a worker computes the suggestions (again, if a
        # previous run stopped before they were done)
    logins = [DemoLogin("organiser", DEMO_ORGANISER)]
    # The demo's password is printed for everyone to try: no strength check on these accounts.
    if accounts.get_user_by_email(DEMO_ORGANISER) is None:
        accounts.create_user(DEMO_ORGANISER, password, "organiser", check_strength=False)
    for external_id, role in DEMO_PARTICIPANT_ACCOUNTS:
        participant = participants.get_participant(event, external_id)
        if accounts.get_user_by_email(participant.email) is None:
            accounts.create_user(
                participant.email, password, role, participant, check_strength=False
            )
        logins.append(DemoLogin(role, participant.email))
    db.session.flush()
    return event, logins
