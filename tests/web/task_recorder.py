"""Tasks the app hands to the workers, recorded instead of sent, with what a worker would have
found in the database at the moment of sending.

``matchmaker.background`` sends tasks from an after-commit hook, so a worker never looks for rows
that are not committed yet. The recorder checks that promise where it matters: for each task it
opens a connection of its own (as a worker does) and looks for the row the task is about.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from matchmaker.background import PendingTask
from matchmaker.extensions import db
from matchmaker.models import (
    Event,
    Job,
    MatchSuggestion,
    Meeting,
    MeetingRequest,
    Notification,
    User,
    WebhookDelivery,
)

#: Task name -> the query a worker's first look amounts to: it finds a row only once the change
#: that asked for the task is committed. Tasks driving a job are checked by their job row, which
#: is "queued" when its task is sent (created, or retried after a failure).
Lookup = Callable[[PendingTask], sa.Select[Any]]
LOOKUPS: dict[str, Lookup] = {
    "recompute_suggestions": lambda task: sa.select(Event.id).where(
        Event.id == task.args[0], Event.suggestions_requested_at.is_not(None)
    ),
    "book_approved_pair": lambda task: sa.select(MatchSuggestion.id).where(
        MatchSuggestion.event_id == task.args[0],
        MatchSuggestion.government_id == task.args[1],
        MatchSuggestion.partner_id == task.args[2],
        MatchSuggestion.status == "approved",
    ),
    "send_request_notices": lambda task: sa.select(MeetingRequest.id).where(
        sa.or_(
            sa.and_(MeetingRequest.status == "pending", MeetingRequest.request_mailed_at.is_(None)),
            sa.and_(
                MeetingRequest.status.in_(("accepted", "declined")),
                MeetingRequest.answer_mailed_at.is_(None),
            ),
        )
    ),
    "send_account_invitations": lambda task: sa.select(User.id).where(
        User.invited_at.is_not(None),
        sa.or_(User.invitation_sent_at.is_(None), User.invitation_sent_at < User.invited_at),
    ),
    "send_cancellation_notices": lambda task: sa.select(Meeting.id).where(
        Meeting.cancellation_mail_due.is_(True)
    ),
    "send_notification_mails": lambda task: sa.select(Notification.id).where(
        Notification.mail_due.is_(True)
    ),
    "deliver_webhooks": lambda task: sa.select(WebhookDelivery.id).where(
        WebhookDelivery.endpoint_id == task.args[0], WebhookDelivery.state == "pending"
    ),
}


def committed_for_a_worker(task: PendingTask) -> bool | None:
    """Whether a new connection sees the row ``task`` is about; None when the task names no
    row written just before it (e.g. recompute_event_stats: its event existed already)."""
    if task.job_id is not None:
        query: sa.Select[Any] | None = sa.select(Job.id).where(
            Job.id == task.job_id, Job.state == "queued"
        )
    else:
        lookup = LOOKUPS.get(task.name)
        query = lookup(task) if lookup else None
    if query is None:
        return None
    with db.engine.connect() as worker_connection:
        return worker_connection.execute(query.limit(1)).first() is not None


@dataclass
class Recorder:
    """The sends of one task, in order: the arguments of each (``calls``) and whether a worker
    would have found its row committed at that moment (``committed``, None: not checked)."""

    calls: list[tuple[Any, ...]] = field(default_factory=list)
    committed: list[bool | None] = field(default_factory=list)


@dataclass
class Tasks:
    recorders: dict[str, Recorder] = field(default_factory=dict)
    sent: list[PendingTask] = field(default_factory=list)
    #: For each task of ``sent``: what ``committed_for_a_worker`` said when it was sent.
    committed: list[bool | None] = field(default_factory=list)

    def __getitem__(self, name: str) -> Recorder:
        return self.recorders.setdefault(name, Recorder())

    def record(self, task: PendingTask) -> None:
        """``matchmaker.background._publish``'s stand-in: note the task and what a worker
        would see (an error here would be taken for a broker failure and logged, so a test
        missing its task should look at the log)."""
        seen = committed_for_a_worker(task)
        self.sent.append(task)
        self.committed.append(seen)
        recorder = self[task.name.rsplit(".", 1)[-1]]
        recorder.calls.append(task.args)
        recorder.committed.append(seen)

    def sent_before_commit(self) -> list[PendingTask]:
        """The tasks whose row a worker would not have found when they were sent."""
        return [task for task, seen in zip(self.sent, self.committed, strict=True) if seen is False]
