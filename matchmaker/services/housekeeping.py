"""Housekeeping for the periodic tasks: expire overdue requests, find work that is due but
never reached a worker (a lost enqueue), fail jobs no worker picked up, delete old jobs.

Everything here works from what the database records as due, so running it twice, or
late, does no harm. Services flush; the periodic task commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, or_
from sqlalchemy.orm import InstrumentedAttribute

from matchmaker import background
from matchmaker.extensions import db
from matchmaker.models import Event, Job, Meeting, MeetingRequest, User
from matchmaker.orm import as_utc, utcnow
from matchmaker.services import invitations, jobs, matching, meeting_mail, notices, requests

#: The job a recomputation started by the sweep reports on (the organisers' kind).
SUGGESTIONS_JOB = "suggestions"
#: The start of the message of a job failed because no worker took it.
NOT_PICKED_UP = "no worker picked this up"
FINISHED = ("done", "failed")
UNFINISHED = ("queued", "running")


def expire_overdue_requests(now: datetime | None = None) -> list[int]:
    """Mark every overdue pending request expired; the events concerned get their
    suggestions recomputed (expired interest no longer counts). Returns those events."""
    moment = now or utcnow()
    event_ids = list(
        db.session.execute(
            db.select(MeetingRequest.event_id)
            .where(
                MeetingRequest.status == "pending",
                MeetingRequest.expires_at.is_not(None),
                MeetingRequest.expires_at <= moment,
            )
            .distinct()
            .order_by(MeetingRequest.event_id)
        ).scalars()
    )
    for event_id in event_ids:
        requests.expire_requests(event_id, moment)
        matching.request_recompute(db.session.get_one(Event, event_id))
    return event_ids


def list_events_due_for_recompute(grace: timedelta, now: datetime | None = None) -> list[int]:
    """Events whose suggestions were asked for at least ``grace`` ago and are still not
    computed, with no recomputation job queued or running: their task was lost."""
    cutoff = (now or utcnow()) - grace
    in_hand = db.select(Job.id).where(
        Job.event_id == Event.id, Job.kind == SUGGESTIONS_JOB, Job.state.in_(UNFINISHED)
    )
    query = db.select(Event.id).where(
        Event.suggestions_requested_at.is_not(None),
        Event.suggestions_requested_at <= cutoff,
        or_(
            Event.suggestions_computed_at.is_(None),
            Event.suggestions_computed_at < Event.suggestions_requested_at,
        ),
        ~in_hand.exists(),
    )
    return list(db.session.execute(query.order_by(Event.id)).scalars())


def queue_recompute(event_id: int) -> Job:
    """A job for the event's recomputation and its task, sent after the commit. While the
    job is unfinished the sweep does not send another; if the task cannot be sent, the job
    is marked failed and the next sweep tries again."""
    job = jobs.create_job(SUGGESTIONS_JOB, event_id)
    background.enqueue("recompute_suggestions", event_id, job.id, job_id=job.id)
    return job


def fail_stale_jobs(hours: float, now: datetime | None = None) -> int:
    """Mark failed every job still queued, never started, ``hours`` after it was created:
    no worker picked it up (none running, or its task was lost). Returns how many."""
    moment = now or utcnow()
    result = db.session.execute(
        db.update(Job)
        .where(
            Job.state == "queued",
            Job.started_at.is_(None),
            Job.created_at < moment - timedelta(hours=hours),
        )
        .values(state="failed", finished_at=moment, message=f"{NOT_PICKED_UP} in {hours:g} h")
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def delete_old_jobs(days: float, now: datetime | None = None) -> int:
    """Delete finished jobs older than ``days``, keeping the latest finished job of each
    kind for each event (its result is what the pages show). Returns how many."""
    finished = Job.state.in_(FINISHED)
    latest = db.select(func.max(Job.id)).where(finished).group_by(Job.event_id, Job.kind)
    cutoff = (now or utcnow()) - timedelta(days=days)
    result = db.session.execute(
        db.delete(Job)
        .where(
            finished,
            func.coalesce(Job.finished_at, Job.created_at) < cutoff,
            Job.id.not_in(latest.scalar_subquery()),
        )
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


@dataclass
class MailToRetry:
    """Mail that is due and was not sent by the path that should have sent it."""

    #: Meeting invitations that failed and may be tried again (retry_failed_invitations).
    failed_invitations: bool = False
    #: Events with published meetings whose invitation was never even tried.
    unsent_invitations: list[int] = field(default_factory=list)
    account_invitations: bool = False
    request_notices: bool = False
    #: Cancelled meetings whose two sides have not been told yet.
    cancellations: bool = False

    def __bool__(self) -> bool:
        return bool(
            self.failed_invitations
            or self.unsent_invitations
            or self.account_invitations
            or self.request_notices
            or self.cancellations
        )


def list_mail_to_retry(grace: timedelta, now: datetime | None = None) -> MailToRetry:
    """What is due for at least ``grace``: sooner, its own task may still be on the way
    (and two runs of the account and notice tasks at once could mail something twice)."""
    cutoff = (now or utcnow()) - grace
    never_tried = db.select(Meeting.event_id).where(
        Meeting.status == "published",
        Meeting.invitation_sent_at.is_(None),
        Meeting.invitation_attempts == 0,
        Meeting.updated_at <= cutoff,
    )
    due_notices = notices.due_notices()
    new_notices = [item for item, kind in due_notices if kind == notices.NEW]
    answers = [item for item, kind in due_notices if kind == notices.ANSWER]
    return MailToRetry(
        failed_invitations=bool(meeting_mail.list_events_with_retries()),
        unsent_invitations=list(
            db.session.execute(never_tried.distinct().order_by(Meeting.event_id)).scalars()
        ),
        account_invitations=_any_before(
            User.invited_at, User.id.in_(invitations.due_invitations()), cutoff
        ),
        request_notices=_any_before(
            MeetingRequest.created_at, MeetingRequest.id.in_(new_notices), cutoff
        )
        or _any_before(MeetingRequest.answered_at, MeetingRequest.id.in_(answers), cutoff),
        cancellations=_any_before(
            Meeting.updated_at, Meeting.cancellation_mail_due.is_(True), cutoff
        ),
    )


def _any_before(
    moment: InstrumentedAttribute[datetime | None], rows: ColumnElement[bool], cutoff: datetime
) -> bool:
    """Whether any of ``rows`` has ``moment`` at or before ``cutoff``."""
    earliest = db.session.execute(db.select(func.min(moment)).where(rows)).scalar()
    return earliest is not None and as_utc(earliest) <= cutoff
