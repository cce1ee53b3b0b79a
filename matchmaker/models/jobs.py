"""Work done in the background: jobs the pages follow, and the workers that run them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from matchmaker.extensions import db
from matchmaker.orm import created_at, intpk, str40, utcnow

JOB_STATES = ("queued", "running", "done", "failed")


class Job(db.Model):
    """A long task run by a worker: its state and progress, for the page that started it."""

    __tablename__ = "job"

    id: Mapped[intpk]
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("event.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str40]
    state: Mapped[str40] = mapped_column(default="queued")
    progress: Mapped[float] = mapped_column(default=0.0)
    message: Mapped[str] = mapped_column(Text, default="")
    #: Structured progress: the step the work is in (a code) and its numbers, worded in the
    #: reader's language by the page that shows it.
    progress_step: Mapped[str40] = mapped_column(default="", server_default="")
    progress_counts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    result: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[created_at]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class WorkerHeartbeat(db.Model):
    """A worker process saying it is alive, every few seconds, so pages can tell whether
    anything will pick up the work they queue."""

    __tablename__ = "worker_heartbeat"

    id: Mapped[intpk]
    #: Celery's node name (celery@host), one row per worker.
    hostname: Mapped[str] = mapped_column(String(200), unique=True)
    queue: Mapped[str] = mapped_column(String(200), default="")
    pid: Mapped[int | None]
    started_at: Mapped[created_at]
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)


class ExportFile(db.Model):
    """A file a job built for download (the all-agendas PDF of a big event takes a worker
    minutes, longer than a web request should); it goes when its job is cleaned up."""

    __tablename__ = "export_file"

    id: Mapped[intpk]
    job_id: Mapped[int] = mapped_column(ForeignKey("job.id", ondelete="CASCADE"), unique=True)
    filename: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(80))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[created_at]
