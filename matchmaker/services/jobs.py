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


def report_progress(job_id: int, fraction: float, message: str) -> None:
    """Write progress on a connection of its own, so it is visible before the work commits.

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
                    .values(state="running", progress=round(fraction, 3), message=message[:500])
                )
            finally:
                if sqlite:  # the connection goes back to the pool: restore its patience
                    conn.exec_driver_sql("PRAGMA busy_timeout = 30000")
    except OperationalError:
        log.debug("progress of job %d not recorded: the database is busy", job_id)


def start_job(job: Job) -> None:
    job.state, job.started_at, job.progress = "running", utcnow(), 0.0


def finish_job(job: Job, result: dict[str, Any], message: str = "") -> None:
    job.state, job.finished_at, job.progress = "done", utcnow(), 1.0
    job.result, job.message = result, message


def fail_job(job_id: int, message: str) -> None:
    with db.engine.begin() as conn:
        conn.execute(
            db.update(Job)
            .where(Job.id == job_id)
            .values(state="failed", finished_at=utcnow(), message=message[:500])
        )
