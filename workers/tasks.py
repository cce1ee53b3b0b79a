"""Thin, idempotent tasks: they take ids, call services and commit.

Every task is acks_late (a worker that dies mid-task leaves it to be re-delivered) and retries
transient database errors (a locked or restarting database, a booking race lost every time);
mail tasks also retry while the mail server cannot be reached. Each one is safe to run twice:
drafting a schedule replaces the drafts in one transaction, bookings are guarded by unique
indexes, invitations by a stored flag, a job's file by its job.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from celery import current_task, shared_task
from flask import current_app
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError

from matchmaker import background
from matchmaker.domain.scheduling import ScheduleReport, format_report
from matchmaker.extensions import db
from matchmaker.models import Event, Meeting, MeetingRequest, User
from matchmaker.services import (
    agenda_pdf,
    agendas,
    cancellations,
    invitations,
    jobs,
    matching,
    meeting_mail,
    notices,
    scheduling,
)
from matchmaker.services.events import EventNotFound, get_event
from matchmaker.services.mail import MailServerUnavailable
from matchmaker.services.stats import compute_event_stats
from matchmaker.transactions import commit_or_rerun

log = logging.getLogger(__name__)
T = TypeVar("T")
#: A lost race for a slot: the unique indexes refused our row; look again and retry.
BOOKING_ATTEMPTS = 8


def task(**options: Any) -> Callable[[Callable[..., Any]], Any]:
    """Our task defaults: acks_late, no result, retries for transient database errors
    (``options`` may add others, as the mail tasks do)."""
    defaults: dict[str, Any] = {
        "ignore_result": True,
        "acks_late": True,
        "autoretry_for": (OperationalError,),  # locked or restarting database
        "retry_backoff": 1,
        "retry_backoff_max": 30,
        "retry_jitter": True,
        "max_retries": 10,
    }
    return shared_task(**(defaults | options))


def commit_with_retry(work: Callable[[], T], attempts: int = BOOKING_ATTEMPTS) -> T:
    """``commit_or_rerun`` for tasks: when every attempt lost its race, the task is retried
    later (OperationalError is in every task's autoretry_for) instead of failing."""
    try:
        return commit_or_rerun(work, attempts)
    except IntegrityError as exc:
        raise OperationalError("booking", {}, Exception("too many booking conflicts")) from exc


@task()
def recompute_event_stats(event_id: int) -> None:
    """Recompute an event's participant figures."""
    try:
        event = get_event(event_id)
    except EventNotFound:
        return  # the event was deleted meanwhile: nothing to do
    compute_event_stats(event)
    db.session.commit()


@task()
def schedule_event(
    job_id: int, event_id: int, unbooked_only: bool = False, min_meetings: int = 0
) -> None:
    """Draft the event's schedule (all of it, or only the pairs without a meeting)."""
    with job_outcome(job_id):
        job = jobs.get_job(job_id)
        if job is None or job.state == "done":
            return  # re-delivered after it finished
        jobs.start_job(job)
        db.session.commit()
        report = scheduling.draft_schedule(
            get_event(event_id),
            unbooked_only=unbooked_only,
            min_meetings_per_official=min_meetings,
            progress=functools.partial(jobs.report_progress, job_id),
        )
        jobs.finish_job(job, report_summary(report), "scheduled",
                        message=format_report(report), meetings=report.meetings)  # fmt: skip
        db.session.commit()


@task()
def publish_event(job_id: int, event_id: int) -> None:
    """Publish the draft meetings, then queue the invitations.

    The invitations follow each meeting's own flags, not this job: queueing them again is
    cheap and sends only what is unsent, so every delivery of this task queues them, also
    one that finds the job done. A worker that dies between the commit and the queueing
    leaves this task unacknowledged; its redelivery finds the job done and queues them then.
    """
    job = jobs.get_job(job_id)
    if job is None:
        return
    if job.state != "done":
        scheduling.publish_for_job(job, get_event(event_id))
    background.enqueue("send_invitations", event_id)
    db.session.commit()


#: Mail tasks retry when the mail server cannot be reached (and on transient database
#: errors); what was sent is marked and skipped, a message refused on its own is not retried.
MAIL_RETRY = (OperationalError, MailServerUnavailable)
#: A mail server may be down for a while: the invitation tasks keep trying for about an hour.
INVITATION_RETRY: dict[str, Any] = {
    "autoretry_for": MAIL_RETRY,
    "retry_backoff_max": 600,
    "max_retries": 15,
}


@task(**INVITATION_RETRY)
def send_invitations(event_id: int) -> None:
    """Email every published meeting whose invitation is due, each message on its own.

    A message that cannot be built or that the server refuses is recorded on its meeting
    (attempts and reason, shown to organisers) and the batch goes on; later runs try it again
    until MAX_INVITATION_ATTEMPTS. An unreachable server stops the batch and the task retries
    with backoff, marking nothing failed; each sent meeting is marked and committed at once.
    """
    try:
        event = get_event(event_id)
    except EventNotFound:
        return
    send_due_invitations(event)


@task(**INVITATION_RETRY)
def retry_failed_invitations() -> None:
    """Try again every failed invitation with attempts left, in every event (for a periodic
    schedule: a failure may be passing, such as a full mailbox or a greylisting server)."""
    for event_id in meeting_mail.list_events_with_retries():
        send_due_invitations(get_event(event_id))


def send_due_invitations(event: Event) -> None:
    """The body of the invitation tasks: send the event's due invitations one by one."""
    smtp_url, sender = current_app.config["SMTP_URL"], current_app.config["MAIL_FROM"]
    if not smtp_url:
        log.warning("invitations not sent: MATCHMAKER_SMTP_URL is not set")
        return
    due = meeting_mail.list_due_invitations(event)
    db.session.commit()  # each claim below starts a transaction of its own
    for meeting_id in due:
        meeting = meeting_mail.claim_invitation(meeting_id)
        if meeting is not None:
            _send_one(meeting, smtp_url, sender)
        db.session.commit()


def _send_one(meeting: Meeting, smtp_url: str, sender: str) -> None:
    """Send one meeting's mail; a failure of this message only is recorded on the meeting."""
    try:
        agendas.send_invitation(meeting, smtp_url, sender)
    except (MailServerUnavailable, SQLAlchemyError):
        db.session.rollback()
        raise
    except Exception as exc:  # this message only: anything else goes on the organisers' list
        failure = meeting_mail.record_failure(meeting, exc)
        log.warning("invitation for meeting %d failed (%s): %s", meeting.id, failure.kind, exc)


def mail_each(due: Iterable[T], send: Callable[[T, str, str], object]) -> None:
    """Send each due mail with the configured server, committing its mark at once.

    A mail that fails on its own (a bad address, a refused recipient) is logged and left due
    for the next run; the others still go out. An unreachable server stops the batch.
    """
    smtp_url, sender = current_app.config["SMTP_URL"], current_app.config["MAIL_FROM"]
    if not smtp_url:
        log.warning("mail not sent: MATCHMAKER_SMTP_URL is not set")
        return
    for item in due:
        try:
            send(item, smtp_url, sender)
        except (MailServerUnavailable, SQLAlchemyError):
            db.session.rollback()
            raise
        except Exception:  # this mail only
            db.session.rollback()
            log.exception("mail for %r not sent; it stays due", item)
            continue
        db.session.commit()


@task(autoretry_for=MAIL_RETRY)
def send_account_invitations(base_url: str) -> None:
    """Email every invitation asked for and not yet sent."""
    secret = current_app.config["SECRET_KEY"]

    def send(user_id: int, smtp_url: str, sender: str) -> None:
        user = db.session.get(User, user_id)
        if user is not None:
            link = invitations.invitation_link(user, secret, base_url)
            invitations.send_invitation(user, link, smtp_url, sender)

    mail_each(invitations.due_invitations(), send)


@task(autoretry_for=MAIL_RETRY)
def send_request_notices(base_url: str) -> None:
    """Tell recipients of new requests and requesters of answers, each notice once."""

    def send(due: tuple[int, str], smtp_url: str, sender: str) -> None:
        request = db.session.get(MeetingRequest, due[0])
        if request is not None:
            notices.send_notice(request, due[1], smtp_url, sender, base_url)

    mail_each(notices.due_notices(), send)


@task(autoretry_for=MAIL_RETRY)
def send_cancellation_notices() -> None:
    """Tell both sides of each cancelled meeting they knew of that it is off, once."""

    def send(meeting_id: int, smtp_url: str, sender: str) -> None:
        meeting = cancellations.claim_cancellation(meeting_id)
        if meeting is not None:
            cancellations.send_cancellation(meeting, smtp_url, sender)

    mail_each(cancellations.list_due_cancellations(), send)


@task(autoretry_for=MAIL_RETRY)
def send_notification_mails() -> None:
    """Mail each due notification (new messages) once: claimed, sent and marked in one
    transaction; one read in the app meanwhile is claimed and not mailed."""
    from matchmaker.services import notifications

    base_url = current_app.config["BASE_URL"]

    def send(notification_id: int, smtp_url: str, sender: str) -> None:
        notification = notifications.claim_mail(notification_id)
        if notification is not None:
            notifications.send_notification_mail(notification, smtp_url, sender, base_url)

    mail_each(notifications.list_due_mail(), send)


@task(autoretry_for=MAIL_RETRY)
def send_standby_offers(base_url: str = "") -> None:
    """Tell both people of each open standby offer, once (matchmaker.services.standby)."""
    from matchmaker.services import standby_mail

    def send(offer_id: int, smtp_url: str, sender: str) -> None:
        offer = standby_mail.claim_offer_mail(offer_id)
        if offer is not None:
            standby_mail.send_offer_mail(offer, smtp_url, sender, base_url)

    mail_each(standby_mail.list_due_offer_mail(), send)


@task()
def deliver_webhooks(endpoint_id: int) -> None:
    """Send a batch of the endpoint's due webhook deliveries, then queue the next batch. Each
    is claimed and committed before it is sent, so a crash re-sends only the one in flight;
    a failure stops the batch: the retry's task, after the backoff, takes the rest."""
    from matchmaker.services import webhook_delivery

    due = webhook_delivery.list_due(endpoint_id)
    db.session.commit()
    for delivery_id in due:
        outgoing = webhook_delivery.claim(delivery_id)
        db.session.commit()
        if outgoing is None:
            continue  # another worker has it, or it was removed
        outcome = webhook_delivery.post(outgoing, current_app.config)
        retry_in = webhook_delivery.record(outgoing, outcome)
        db.session.commit()  # a retry's task goes out after this
        if not outcome.ok:
            log.warning("webhook delivery %d to endpoint %d failed: %s", delivery_id,
                        endpoint_id, outcome.error)  # fmt: skip
        if retry_in is not None:
            return
    if len(due) == webhook_delivery.BATCH:
        background.enqueue("deliver_webhooks", endpoint_id)
        db.session.commit()


@task()
def book_approved_pair(event_id: int, government_id: int, partner_id: int) -> str:
    """Book a late-approved pair into the best free slot, moving nobody; the outcome goes to
    the organisers' log (why not, when no common slot is free) and a published meeting's
    invitation to both sides."""
    event = get_event(event_id)

    def book() -> scheduling.BookingOutcome:
        outcome = scheduling.book_pair(event, government_id, partner_id)
        scheduling.record_late_booking(event, government_id, partner_id, outcome)
        if outcome.status == "booked" and outcome.meeting and outcome.meeting.status == "published":
            background.enqueue("send_invitations", event_id)
        return outcome

    return commit_with_retry(book).describe()


@task()
def render_agendas(job_id: int, event_id: int, locale: str = "es") -> None:
    """Every participant's agenda in one PDF, stored with the job for the organiser to
    download; a redelivery of a finished job does nothing, a rerun replaces the file."""
    with job_outcome(job_id):
        job = jobs.get_job(job_id)
        if job is None or job.state == "done":
            return
        jobs.start_job(job)
        db.session.commit()
        event = get_event(event_id)
        stored, people = agenda_pdf.build_agendas_file(job, event, locale)
        jobs.finish_job(job, {"file_id": stored.id, "bytes": len(stored.content)},
                        "agendas_ready", participants=people)  # fmt: skip
        db.session.commit()


def report_summary(report: ScheduleReport, limit: int = 50) -> dict[str, Any]:
    """The report as JSON for the job row (long lists cut to ``limit``)."""
    summary = dataclasses.asdict(report)
    summary["unscheduled_count"] = len(report.unscheduled_pairs)
    # Every pair's reason counted, so the job page says why for all of them, not the first.
    reasons: dict[str, int] = {}
    for _pair, reason in report.unscheduled_pairs:
        reasons[reason] = reasons.get(reason, 0) + 1
    summary["unscheduled_reasons"] = reasons
    summary["unscheduled_pairs"] = [
        {**dataclasses.asdict(pair), "reason": reason}
        for pair, reason in report.unscheduled_pairs[:limit]
    ]
    summary["unserved_officials"] = [list(item) for item in report.unserved_officials[:limit]]
    return summary


@task()
def recompute_suggestions(event_id: int, job_id: int | None = None) -> None:
    """Recompute the event's suggestions if a profile changed since the last run.

    Enqueued with a countdown after each edit: the first task of a burst does the work and the
    others find nothing due, so a burst of edits costs one recomputation. With a job (an
    organiser asked), it always runs and reports its progress there.

    Runs on several workers may overlap: each stores under the event's lock and the older
    ranking never replaces a newer one (``matching.store_suggestions``). A row that still
    collides (an organiser adding the same pair by hand at that moment) makes the work run
    once more, and that run sees the row.
    """
    event = get_event(event_id)
    job = jobs.get_job(job_id) if job_id is not None else None
    if job is not None and job.state == "done":
        return
    if job is None and not matching.recompute_is_due(event):
        return
    progress = None
    if job is not None:
        jobs.start_job(job)
        db.session.commit()
        progress = functools.partial(jobs.report_progress, job.id)

    def recompute() -> int:
        run = matching.compute_suggestions(event, matching.app_embedder(), progress=progress)
        if job is not None:
            officials = len({s.government_id for s in run.for_officials})
            jobs.finish_job(job, {"officials": officials}, "suggestions_ready", officials=officials)
        return len(run.for_officials)

    with job_outcome(job_id):
        ranked = commit_or_rerun(recompute, attempts=2)
    log.info("recomputed suggestions for event %d: %d ranked", event_id, ranked)


@contextmanager
def job_outcome(job_id: int | None) -> Iterator[None]:
    """Around a job's work: a job never stays "running" when its task ends.

    A transient database error rolls back and propagates for the task to retry (the job
    stays running for the next attempt), unless this was the last attempt; that one, and
    any other error, marks the job failed with the reason.
    """
    try:
        yield
    except Exception as exc:
        db.session.rollback()
        retried = isinstance(exc, OperationalError) and not _last_attempt()
        if job_id is not None and not retried:
            jobs.fail_job(job_id, f"{type(exc).__name__}: {exc}")
        raise


def _last_attempt() -> bool:
    """Whether the running task will not be retried after this attempt."""
    running = current_task
    if running is None or running.request.called_directly:
        return True  # a plain function call: nothing retries it
    limit = running.max_retries
    return limit is not None and running.request.retries >= limit
