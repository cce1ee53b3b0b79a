"""Periodic work, sent by Celery beat (the schedule: ``matchmaker.config.beat_schedule``).

Each task first takes its lock (``workers.locks``): while another run holds it (a second
beat, or a run that outlasts its interval) it returns None at once, without doing anything.
Each is idempotent on its own stored flags as well (a reminder's ``reminder_sent_at``, a
request's status, an event's suggestion times), so running late or twice loses and doubles
nothing. A run that fails is simply tried again at the next tick: no Celery retries here.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from celery import shared_task
from flask import current_app
from sqlalchemy.exc import SQLAlchemyError

from matchmaker import background
from matchmaker.extensions import db
from matchmaker.orm import utcnow
from matchmaker.services import housekeeping, notifications, reminders, standby
from matchmaker.services.mail import MailServerUnavailable
from workers.locks import periodic_lock

log = logging.getLogger(__name__)
Summary = dict[str, Any]

#: Work due for this long is taken as lost: its own task would have started by now.
RECOMPUTE_GRACE = timedelta(minutes=10)
MAIL_RETRY_GRACE = timedelta(minutes=5)
#: A webhook delivery due for this long has lost its task (a fresh one's task is queued).
WEBHOOK_GRACE = timedelta(minutes=2)


def periodic(function: Callable[[], Summary]) -> Any:
    """A beat task that runs under the lock named after it. Not acks_late: a run lost with
    its worker is the next tick's work anyway, and should not come back an hour later."""

    @functools.wraps(function)
    def locked() -> Summary | None:
        with periodic_lock(function.__name__) as held:
            if not held:
                log.info("%s skipped: another run holds its lock", function.__name__)
                return None
            return function()

    return shared_task(ignore_result=True, acks_late=False)(locked)


@periodic
def expire_requests() -> Summary:
    """Mark overdue requests expired; their events' suggestions are recomputed."""
    events = housekeeping.expire_overdue_requests()
    db.session.commit()  # the recomputations go to the workers after this
    if events:
        log.info("expired overdue requests in events %s", events)
    return {"events": events}


@periodic
def send_reminders() -> Summary:
    """Mail both sides of each published meeting starting within REMINDER_MINUTES."""
    config = current_app.config
    minutes, smtp_url, sender = config["REMINDER_MINUTES"], config["SMTP_URL"], config["MAIL_FROM"]
    if minutes <= 0:
        return {"sent": 0}
    if not smtp_url:
        log.info("reminders not sent: MATCHMAKER_SMTP_URL is not set")
        return {"sent": 0}
    due = reminders.list_due_reminders(minutes)
    db.session.commit()  # each claim below starts a transaction of its own
    sent = 0
    for meeting_id in due:
        meeting = reminders.claim_reminder(meeting_id)
        if meeting is None:
            db.session.commit()
            continue
        try:
            reminders.send_reminder(meeting, smtp_url, sender, config["BASE_URL"])
        except MailServerUnavailable as exc:
            db.session.rollback()
            log.warning("reminders stopped, the next run tries again: %s", exc)
            break
        except SQLAlchemyError:
            db.session.rollback()
            raise
        except Exception as exc:  # this meeting's mail only: tried again until it starts
            db.session.rollback()
            log.warning("reminder for meeting %d not sent: %s", meeting_id, exc)
            continue
        db.session.commit()
        sent += 1
    return {"sent": sent}


@periodic
def retry_failed_mail() -> Summary:
    """Send again the mail that failed or whose task was lost: meeting invitations, account
    invitations and request notices (those two carry links: only with MATCHMAKER_BASE_URL)."""
    config = current_app.config
    if not config["SMTP_URL"]:
        log.info("no mail to retry: MATCHMAKER_SMTP_URL is not set")
        return {}
    due = housekeeping.list_mail_to_retry(MAIL_RETRY_GRACE)
    if due.failed_invitations:
        background.enqueue("retry_failed_invitations")
    for event_id in due.unsent_invitations:
        background.enqueue("send_invitations", event_id)
    if due.cancellations:
        background.enqueue("send_cancellation_notices")
    if notifications.list_due_mail():  # a message's mail whose task was lost: claimed once
        background.enqueue("send_notification_mails")
    base_url = config["BASE_URL"]
    if (due.account_invitations or due.request_notices) and not base_url:
        log.warning("account invitations and request notices not retried: "
                    "MATCHMAKER_BASE_URL is not set")  # fmt: skip
    elif base_url:
        if due.account_invitations:
            background.enqueue("send_account_invitations", base_url)
        if due.request_notices:
            background.enqueue("send_request_notices", base_url)
    db.session.commit()  # the tasks go to the workers after this
    if due:
        log.info("mail sent again: %s", due)
    return dataclasses.asdict(due)


@periodic
def sweep_due_work() -> Summary:
    """Fail the jobs no worker picked up, and send again the recomputations that were
    asked for but never reached a worker."""
    stale = housekeeping.fail_stale_jobs(current_app.config["STALE_JOB_HOURS"])
    events = housekeeping.list_events_due_for_recompute(RECOMPUTE_GRACE)
    for event_id in events:
        housekeeping.queue_recompute(event_id)
    db.session.commit()
    if stale or events:
        log.info("sweep: %d stale jobs failed, suggestions sent again for events %s",
                 stale, events)  # fmt: skip
    return {"stale_jobs": stale, "recomputations": events}


@periodic
def watch_meetings() -> Summary:
    """The meeting area: mark the no-shows of the slot under way, offer standby meetings
    (mailed to both people when mail is set up), expire the offers of ended slots."""
    summary = standby.watch_meetings(utcnow())
    if summary["offers"] and current_app.config["SMTP_URL"]:
        background.enqueue("send_standby_offers", current_app.config["BASE_URL"])
    db.session.commit()  # the mail task goes to the workers after this
    if summary["no_shows"] or summary["offers"]:
        log.info("meeting area: %s", summary)
    return summary


@periodic
def clean_up_jobs() -> Summary:
    """Delete finished jobs older than JOB_RETENTION_DAYS (the latest of each kind stays)."""
    deleted = housekeeping.delete_old_jobs(current_app.config["JOB_RETENTION_DAYS"])
    db.session.commit()
    if deleted:
        log.info("deleted %d old jobs", deleted)
    return {"deleted": deleted}


@periodic
def send_due_webhooks() -> Summary:
    """Queue again the webhook deliveries that are due and were not sent: their task was
    lost with the broker, or never reached it. Each endpoint's task sends all its due ones."""
    from matchmaker.services import webhook_delivery, webhooks

    endpoints = webhook_delivery.list_endpoints_due(WEBHOOK_GRACE)
    webhooks.queue_deliveries(endpoints)
    db.session.commit()  # the tasks go to the workers after this
    if endpoints:
        log.info("webhook deliveries sent again for endpoints %s", endpoints)
    return {"endpoints": endpoints}
