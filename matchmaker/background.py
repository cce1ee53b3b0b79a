"""One way to hand work to the workers: tasks are collected during the transaction and sent
by an after-commit hook (as warehouse does), so a worker never looks for rows that are not
committed yet, and a rolled-back change queues nothing.

Views, commands, services and tasks all call ``enqueue``. When the broker cannot be reached:

- a task that drives a job (``job_id=``) marks that job failed with the reason, and the job
  page offers to try again (``retry_job``): nothing is left "queued" for ever;
- any other task is work the database already records as due (a profile changed, a notice or
  an invitation not yet sent): the periodic sweep sends it again once the broker is back, and
  the failure is logged and kept for the command line to report (``take_failures``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from matchmaker.extensions import db

log = logging.getLogger(__name__)

#: Where a session keeps its tasks until the commit (``Session.info`` is per session).
PENDING = "matchmaker.pending_tasks"
FAILED = "matchmaker.failed_tasks"
TASKS_MODULE = "workers.tasks"


@dataclass(frozen=True)
class PendingTask:
    name: str
    args: tuple[Any, ...]
    countdown: float | None = None
    #: The job this task drives: marked failed when the task cannot be sent.
    job_id: int | None = None


@dataclass
class SendFailure:
    task: PendingTask
    reason: str = field(default="")


def enqueue(
    name: str, *args: Any, countdown: float | None = None, job_id: int | None = None
) -> None:
    """Send the task ``name`` of workers/tasks.py once the current transaction commits (at
    once when there is none). Arguments are ids and plain values, never ORM objects."""
    task = PendingTask(name, args, countdown, job_id)
    session = db.session()
    if session.in_transaction():
        session.info.setdefault(PENDING, []).append(task)
    else:
        _send([task], session)


def register(app: Flask) -> None:
    """Nothing to set up per app: the hooks below listen on every SQLAlchemy session. Called
    by create_app so that the import (and so the hooks) cannot be forgotten."""
    app.extensions["matchmaker.background"] = __name__


def take_failures() -> list[SendFailure]:
    """The tasks that could not be sent since the last call (for a command to report)."""
    return db.session().info.pop(FAILED, [])


def retry_job(job_id: int, name: str, *args: Any) -> None:
    """A failed job back to "queued" and its task queued again (after the commit)."""
    from matchmaker.services import jobs

    job = jobs.get_job(job_id)
    if job is not None:
        jobs.requeue_job(job)
        enqueue(name, *args, job_id=job_id)


@sa_event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    pending = session.info.pop(PENDING, [])
    if pending:
        _send(pending, session)


@sa_event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(PENDING, None)  # the change is gone: so is the work it asked for


def _send(tasks: list[PendingTask], session: Session) -> None:
    for task in tasks:
        try:
            _publish(task)
        except Exception as exc:  # any broker error: recorded where someone will see it
            reason = f"{type(exc).__name__}: {exc}"
            log.warning("task %s%r not sent: %s", task.name, task.args, reason)
            session.info.setdefault(FAILED, []).append(SendFailure(task, reason))
            if task.job_id is not None:
                _fail_unsent_job(task, reason)


def _publish(task: PendingTask) -> None:
    """Hand one task to the broker: one attempt, so a dead broker fails fast."""
    celery = current_app.extensions["celery"]
    signature = celery.tasks[_full_name(task.name)]
    signature.apply_async(task.args, countdown=task.countdown, retry=False)


def _full_name(name: str) -> str:
    """``schedule_event`` is a task of workers/tasks.py; a dotted name is taken as it is."""
    return name if "." in name else f"{TASKS_MODULE}.{name}"


def _fail_unsent_job(task: PendingTask, reason: str) -> None:
    from matchmaker.services import jobs

    jobs.fail_job(task.job_id or 0, f"{jobs.NOT_SENT}: {reason}",
                  retry={"task": task.name, "args": list(task.args)})  # fmt: skip
