"""Worker heartbeats: each worker says every few seconds that it is alive, so the organiser
pages can tell whether anything will pick up the work they queue.

The heartbeat is a daemon thread of the worker's main process, started on ``worker_ready``:
it keeps beating while a task runs (the solo pool runs tasks on the main thread, where a timer
of the event loop would wait for the task) and never runs in the prefork pool's children
(forking copies only the thread that forks). It writes on an engine of its own without a
pool, so no connection of the main process is ever inherited by a child forked later. A clean
stop (``worker_shutdown``) removes the row at once; a worker killed outright leaves a row that
stops counting as alive after ``worker_health.ALIVE_WITHIN``.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

import sqlalchemy as sa
from celery import Celery
from celery.signals import worker_ready, worker_shutdown
from flask import Flask
from sqlalchemy.pool import NullPool

from matchmaker.services import worker_health

log = logging.getLogger(__name__)
#: Seconds a heartbeat may wait for the database (the SQLite write lock, a slow connection).
DATABASE_TIMEOUT = 5


class Heartbeat:
    """One Flask app's worker heartbeat: connected to the worker signals by ``watch``."""

    def __init__(self, celery_app: Celery, flask_app: Flask) -> None:
        self.celery_app = celery_app
        self.database_url = str(flask_app.config["SQLALCHEMY_DATABASE_URI"])
        self.default_queue = str(flask_app.config["CELERY"]["task_default_queue"])
        self.interval = worker_health.BEAT_INTERVAL
        self.hostname = ""
        self.queue = ""
        self.pid = 0
        self.engine: sa.Engine | None = None
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._failing = False

    def on_ready(self, sender: Any = None, **_: Any) -> None:
        """The worker (this main process) is consuming: start beating."""
        if getattr(sender, "app", None) is not self.celery_app or self._thread is not None:
            return
        self.hostname, self.pid = str(sender.hostname), os.getpid()
        queues: Any = sender.app.amqp.queues  # what this worker consumes (-Q, or the default)
        consumed = sorted(getattr(queues, "consume_from", None) or {})
        self.queue = ",".join(consumed) or self.default_queue
        self.engine = _engine(self.database_url)
        self._thread = threading.Thread(target=self._run, name="worker-heartbeat", daemon=True)
        self._thread.start()

    def on_shutdown(self, sender: Any = None, **_: Any) -> None:
        """A clean stop: stop beating and remove the row, so no page counts this worker."""
        if self._thread is None or self.engine is None or os.getpid() != self.pid:
            return  # not the process that beats (a pool child, another app)
        self._stopping.set()
        self._thread.join(timeout=DATABASE_TIMEOUT + 1)
        try:
            with self.engine.begin() as conn:
                worker_health.remove_heartbeat(conn, self.hostname)
        except sa.exc.SQLAlchemyError:
            log.warning("heartbeat of %s not removed; it expires by itself", self.hostname)
        self.engine.dispose()

    def beat(self, *, starting: bool = False) -> None:
        """Write the heartbeat once; a failure is logged (once per streak) and tried again."""
        assert self.engine is not None
        try:
            with self.engine.begin() as conn:
                worker_health.record_heartbeat(conn, self.hostname, self.queue, self.pid,
                                               starting=starting)  # fmt: skip
        except sa.exc.SQLAlchemyError as exc:
            if not self._failing:
                log.warning("worker heartbeat not recorded (tried again in %.0f s): %s",
                            self.interval, exc)  # fmt: skip
            self._failing = True
        else:
            self._failing = False

    def _run(self) -> None:
        self.beat(starting=True)
        while not self._stopping.wait(self.interval):
            self.beat()


def watch(celery_app: Celery, flask_app: Flask) -> Heartbeat:
    """Make the workers of this app beat. The signals hold the handlers weakly; the Flask
    app keeps them alive (an app built and dropped, as in tests, leaves nothing behind)."""
    heartbeat = Heartbeat(celery_app, flask_app)
    flask_app.extensions["worker_heartbeat"] = heartbeat
    worker_ready.connect(heartbeat.on_ready)
    worker_shutdown.connect(heartbeat.on_shutdown)
    return heartbeat


def _engine(url: str) -> sa.Engine:
    """An engine without a pool: each beat opens and closes its connection."""
    connect_args: dict[str, Any] = {}
    if url.startswith("sqlite"):
        connect_args["timeout"] = DATABASE_TIMEOUT
    elif url.startswith("postgresql"):
        connect_args["connect_timeout"] = DATABASE_TIMEOUT
    return sa.create_engine(url, poolclass=NullPool, connect_args=connect_args)
