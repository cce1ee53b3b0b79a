"""Jobs: the state and progress of long tasks, for the page or command that started them."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.exc import OperationalError

from matchmaker.extensions import db
from matchmaker.models import Job
from matchmaker.orm import utcnow

log = logging.getLogger(__name__)


def create_job(kind: str, event_id: int | None) -> Job:
    job = Job(kind=kind, event_id=event_id, state="queued")
    db.session.add(job)
    db.session.flush()
    return job


def get_job(job_id: int) -> Job | None:
    return db.session.get(Job, job_id)


def report_progress(job_id: int, fraction: float, step: str, /, **counts: int) -> None:
    """Write progress on a connection of its own, so it is visible before the work commits:
    the fraction done, the step (a code of ``matchmaker.domain.progress.STEPS``) and its
    numbers, which the page or command following the job words in its reader's language.

    Best effort: on SQLite the work's own transaction may hold the only write lock, and a
    progress line is not worth waiting for (or failing the work over).
    """
    try:
        with db.engine.begin() as conn:
            sqlite = conn.dialect.name == "sqlite"
            if sqlite:
                conn.exec_driver_sql("PRAGMA busy_timeout = 100")
            try:
                conn.execute(
                    db.update(Job)
                    .where(Job.id == job_id)
                    .values(
                        state="running",
                        progress=round(fraction, 3),
                        progress_step=step[:40],
                        progress_counts=counts,
                    )
                )
            finally:
                if sqlite:  # the connection goes back to the pool: restore its patience
                    conn.exec_driver_sql("PRAGMA busy_timeout = 30000")
    except OperationalError:
        log.debug("progress of job %d not recorded: the database is busy", job_id)


def start_job(job: Job) -> None:
    job.state, job.started_at, job.progress = "running", utcnow(), 0.0
    job.progress_step, job.progress_counts = "", {}


def finish_job(
    job: Job, result: dict[str, Any], step: str, /, message: str = "", **counts: int
) -> None:
    """The job is done: its result, how it ended (a step and its numbers, worded where it is
    shown) and, for the solver, its technical report in English (``message``)."""
    job.state, job.finished_at, job.progress = "done", utcnow(), 1.0
    job.result, job.message = result, message
    job.progress_step, job.progress_counts = step, counts


#: The start of a failed job's message when its task never reached the task queue.
NOT_SENT = "not sent to the workers"


def fail_job(job_id: int, message: str, retry: dict[str, Any] | None = None) -> None:
    """Mark a job failed on a connection of its own (the work's transaction may be dead).
    ``retry`` (the task and its arguments) lets the organiser send it again from its page."""
    values: dict[str, Any] = {"state": "failed", "finished_at": utcnow(), "message": message[:500]}
    if retry is not None:
        values["result"] = {"retry": retry}
    with db.engine.begin() as conn:
        conn.execute(db.update(Job).where(Job.id == job_id).values(**values))


def requeue_job(job: Job) -> None:
    """A failed job waits in the queue again (its task is about to be sent once more)."""
    job.state, job.progress, job.message, job.finished_at = "queued", 0.0, "", None
    job.result, job.progress_step, job.progress_counts = {}, "", {}
    job.created_at = utcnow()  # queued now: the sweep must not take it for a stale one


def retry_of(job: Job) -> dict[str, Any] | None:
    """The task a failed job can be retried with, if its task never reached the workers."""
    retry = job.result.get("retry") if job.state == "failed" else None
    return retry if isinstance(retry, dict) and "task" in retry else None
