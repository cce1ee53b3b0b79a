"""Meetings for the API tests: a drafted schedule in the API world, what the database holds
about meetings and jobs (to tell that a refused call changed nothing), and the log."""

from __future__ import annotations

from typing import Any

from flask import Flask

from matchmaker.extensions import db
from matchmaker.models import AuditEntry, IdempotentCall, Job, Meeting, Participant
from tests.api.api_world import ApiWorld
from tests.factories import create_participant
from tests.web.organiser_world import draft


def drafted(app: Flask, world: ApiWorld, publish: bool = False) -> list[int]:
    """The world's six pairs approved and drafted, then placed where tests know them: the
    n-th pair (officials, then partners, in id order) at slot n, table 1. Published too, if
    asked. Returns the meeting ids in that order."""
    draft(app, world.event_id)
    with app.app_context():
        meetings = list(db.session.execute(
            db.select(Meeting).order_by(Meeting.government_id, Meeting.partner_id)
        ).scalars())  # fmt: skip
        for n, meeting in enumerate(meetings):  # out of the way first: slots are unique
            meeting.slot_index, meeting.table_number = 100 + n, 0
        db.session.flush()
        for n, meeting in enumerate(meetings):
            meeting.slot_index = n
            meeting.status = "published" if publish else "draft"
        db.session.commit()
        return [m.id for m in meetings]


def other_events_meeting(app: Flask, world: ApiWorld) -> int:
    """A meeting in the other event, between its partner and a new official."""
    with app.app_context():
        stranger = db.session.get_one(Participant, world.other_participant_id)
        official = create_participant(stranger.event, "government")
        meeting = Meeting(event_id=stranger.event_id, government_id=official.id,
                          partner_id=stranger.id, slot_index=0, table_number=0,
                          status="published")  # fmt: skip
        db.session.add(meeting)
        db.session.commit()
        return meeting.id


def state(app: Flask) -> dict[str, Any]:
    """Every meeting as stored, and how many jobs, log entries and stored answers exist."""
    with app.app_context():
        meetings = {
            m.id: (m.status, m.slot_index, m.table_number, m.interpreter_id, m.cancel_reason,
                   m.cancellation_mail_due, m.invitation_sent_at)
            for m in db.session.execute(db.select(Meeting)).scalars()
        }  # fmt: skip
        counts = {
            model.__name__: db.session.execute(db.select(db.func.count()).select_from(model))
            .scalar_one()
            for model in (Job, AuditEntry, IdempotentCall)
        }  # fmt: skip
        db.session.remove()
        return {"meetings": meetings, **counts}


def audit_of(app: Flask, action: str) -> list[AuditEntry]:
    """The log entries of ``action``, oldest first (detached, attributes loaded)."""
    with app.app_context():
        entries = list(db.session.execute(
            db.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        ).scalars())  # fmt: skip
        db.session.expunge_all()
        return entries


def meeting_row(app: Flask, meeting_id: int) -> Meeting:
    with app.app_context():
        meeting = db.session.get_one(Meeting, meeting_id)
        db.session.expunge(meeting)
        return meeting
