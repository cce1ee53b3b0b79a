"""After a meeting: either side marks it held or no-show and notes what was agreed."""

from __future__ import annotations

from datetime import datetime

from matchmaker.extensions import db
from matchmaker.models import Event, Meeting, Participant
from matchmaker.models.meeting import ANNOUNCED, OUTCOMES
from matchmaker.orm import utcnow

OUTCOME_MAX = 4000


class OutcomeError(ValueError):
    """``code``: ``not-yours``, ``not-markable``, ``too-early`` or ``bad-status``."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def get_meeting_for(participant: Participant, meeting_id: int) -> Meeting | None:
    """The meeting if ``participant`` is one of its two sides (and it is on an agenda)."""
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or participant.id not in (meeting.government_id, meeting.partner_id):
        return None
    if meeting.status not in ANNOUNCED:
        return None  # drafts and cancelled meetings are on nobody's agenda
    return meeting


def meeting_has_ended(event: Event, meeting: Meeting, now: datetime | None = None) -> bool:
    return event.calendar().slots[meeting.slot_index].end <= (now or utcnow())


def record_outcome(
    meeting: Meeting,
    participant: Participant,
    status: str,
    outcome: str,
    now: datetime | None = None,
) -> Meeting:
    """Mark the meeting held or no-show with the outcome or follow-up agreed (either side)."""
    if participant.id not in (meeting.government_id, meeting.partner_id):
        raise OutcomeError("not-yours")
    if status not in OUTCOMES:
        raise OutcomeError("bad-status")
    if meeting.status not in ANNOUNCED:
        raise OutcomeError("not-markable")
    if not meeting_has_ended(participant.event, meeting, now):
        raise OutcomeError("too-early")
    meeting.status = status
    meeting.outcome = outcome.strip()[:OUTCOME_MAX]
    db.session.flush()
    return meeting
