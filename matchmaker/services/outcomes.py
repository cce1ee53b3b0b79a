"""During and after a meeting: either side marks it held or no-show and notes what was agreed,
and says for themselves how useful it was (1-5) and whether they would follow up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from matchmaker.extensions import db
from matchmaker.models import Event, Meeting, MeetingFeedback, Participant
from matchmaker.models.meeting import ANNOUNCED, OUTCOMES, MeetingStatus
from matchmaker.orm import utcnow

OUTCOME_MAX = 4000
RATINGS = range(1, 6)


class OutcomeError(ValueError):
    """``code``: ``not-yours``, ``not-markable``, ``too-early``, ``bad-status``,
    ``no-rating`` or ``bad-rating``."""

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


def meeting_has_started(event: Event, meeting: Meeting, now: datetime | None = None) -> bool:
    """The meeting's slot has begun: from then on its outcome and feedback may be given."""
    return event.calendar().slots[meeting.slot_index].start <= (now or utcnow())


def record_outcome(
    meeting: Meeting,
    participant: Participant,
    status: str,
    outcome: str,
    now: datetime | None = None,
    rating: int | None = None,
    would_follow_up: bool = False,
) -> Meeting:
    """Mark the meeting held or no-show with the outcome or follow-up agreed (either side),
    from the moment it starts. A held meeting needs this side's 1-5 ``rating``; a no-show
    has nothing to rate, so this side's earlier feedback on it is dropped."""
    if participant.id not in (meeting.government_id, meeting.partner_id):
        raise OutcomeError("not-yours")
    if status not in OUTCOMES:
        raise OutcomeError("bad-status")
    if meeting.status not in ANNOUNCED:
        raise OutcomeError("not-markable")
    if not meeting_has_started(participant.event, meeting, now):
        raise OutcomeError("too-early")
    if status == MeetingStatus.HELD and rating is None:
        raise OutcomeError("no-rating")
    if rating is not None and rating not in RATINGS:
        raise OutcomeError("bad-rating")
    meeting.status = status
    meeting.outcome = outcome.strip()[:OUTCOME_MAX]
    feedback = get_feedback(meeting, participant)
    if status == MeetingStatus.HELD:
        if feedback is None:
            feedback = MeetingFeedback(meeting_id=meeting.id, participant_id=participant.id)
            db.session.add(feedback)
        feedback.rating, feedback.would_follow_up = int(rating or 0), bool(would_follow_up)
    elif feedback is not None:
        db.session.delete(feedback)
    db.session.flush()  # uq_meeting_feedback settles two tabs saving at once
    return meeting


def get_feedback(meeting: Meeting, participant: Participant) -> MeetingFeedback | None:
    query = db.select(MeetingFeedback).where(
        MeetingFeedback.meeting_id == meeting.id, MeetingFeedback.participant_id == participant.id
    )
    return db.session.execute(query).scalar_one_or_none()


@dataclass(frozen=True)
class FeedbackSummary:
    """The event's feedback on held meetings: how many answers, the mean rating (None
    without answers) and the share who would follow up (0..1)."""

    answers: int
    average_rating: float | None
    follow_up_share: float


def feedback_summary(event: Event) -> FeedbackSummary:
    """Averages over every side's feedback on the event's held meetings, for the organisers'
    dashboard and exports."""
    query = (
        db.select(
            db.func.count(MeetingFeedback.id),
            db.func.avg(MeetingFeedback.rating),
            db.func.sum(db.case((MeetingFeedback.would_follow_up.is_(True), 1), else_=0)),
        )
        .join(Meeting, Meeting.id == MeetingFeedback.meeting_id)
        .where(Meeting.event_id == event.id, Meeting.status == MeetingStatus.HELD)
    )
    answers, average, follow_ups = db.session.execute(query).one()
    if not answers:
        return FeedbackSummary(0, None, 0.0)
    return FeedbackSummary(int(answers), round(float(average), 2), int(follow_ups) / answers)
