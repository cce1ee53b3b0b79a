"""Whether a worker is alive to take the work the pages queue, and how many tasks wait.

Each worker writes a heartbeat row every few seconds (``workers/health.py``); a worker whose
row is older than ALIVE_WITHIN is taken for dead (killed outright, it never removes its row).
The waiting tasks are counted on the broker, briefly: a page never hangs on a dead broker.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.engine import Connection
from sqlalchemy.pool import NullPool

from matchmaker.extensions import db
from matchmaker.models import WorkerHeartbeat
from matchmaker.orm import utcnow

log = logging.getLogger(__name__)

#: How often a worker says it is alive, and how long a silent one still counts as alive.
BEAT_INTERVAL = 10.0
ALIVE_WITHIN = timedelta(seconds=30)
#: Rows of workers silent this long are removed when another worker starts.
FORGET_AFTER = timedelta(days=1)
#: Seconds a page may wait for the broker's answer.
BROKER_TIMEOUT = 2.0


@dataclass(frozen=True)
class WorkerStatus:
    """What the organiser pages show: live workers and waiting tasks (None: the task queue
    cannot be reached)."""

    alive: int
    waiting: int | None


def record_heartbeat(
    conn: Connection, hostname: str, queue: str, pid: int, *, starting: bool = False
) -> None:
    """Upsert the worker's row (one per hostname) with the time now. ``starting`` also resets
    when it started and forgets the rows of workers gone silent long ago.

    Called by the worker on a connection of its own, not in a request's session."""
    now = utcnow()
    table = WorkerHeartbeat.__table__
    values: dict[str, Any] = {"queue": queue[:200], "pid": pid, "last_seen_at": now}
    if starting:
        values["started_at"] = now
        conn.execute(sa.delete(table).where(table.c.last_seen_at < now - FORGET_AFTER))
    insert: Any
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(table).values({"hostname": hostname[:200], "started_at": now, **values})
    conn.execute(statement.on_conflict_do_update(index_elements=["hostname"], set_=values))


def remove_heartbeat(conn: Connection, hostname: str) -> None:
    """The worker stops: it no longer counts as alive."""
    table = WorkerHeartbeat.__table__
    conn.execute(sa.delete(table).where(table.c.hostname == hostname[:200]))


def task_queue() -> str:
    """The queue this deployment's tasks go to and its workers consume."""
    return str(current_app.config["CELERY"]["task_default_queue"])


def list_alive_workers(now: datetime | None = None) -> list[WorkerHeartbeat]:
    """Workers heard from within ALIVE_WITHIN that consume this deployment's queue."""
    since = (now or utcnow()) - ALIVE_WITHIN
    rows = db.session.execute(
        db.select(WorkerHeartbeat)
        .where(WorkerHeartbeat.last_seen_at >= since)
        .order_by(WorkerHeartbeat.hostname)
    ).scalars()
    queue = task_queue()
    return [row for row in rows if queue in row.queue.split(",")]


def count_waiting_tasks() -> int | None:
    """Tasks in the queue that no worker has taken yet; None when the broker cannot be
    reached within BROKER_TIMEOUT."""
    broker_url = str(current_app.config["CELERY"]["broker_url"])
    try:
        if broker_url.startswith("sqla+"):
            return _count_in_database(broker_url.removeprefix("sqla+"), task_queue())
        return _count_on_broker(task_queue())
    except Exception as exc:  # any broker or driver error: say the queue cannot be reached
        log.warning("the task queue cannot be reached: %s: %s", type(exc).__name__, exc)
        return None


def worker_status(waiting_fresh_for: float = 0.0) -> WorkerStatus:
    """Live workers and waiting tasks; with ``waiting_fresh_for`` (seconds), a count of the
    waiting tasks that this process took that recently is used again (see ``WAITING_KEPT``)."""
    if waiting_fresh_for <= 0:
        return WorkerStatus(alive=len(list_alive_workers()), waiting=count_waiting_tasks())
    return WorkerStatus(alive=len(list_alive_workers()), waiting=_recent_waiting(waiting_fresh_for))


#: Where a process keeps its last count of waiting tasks (in the app's extensions). Asking the
#: broker opens a connection: 4-6 ms of CPU, half of what the organiser's overview costs, and
#: twenty organisers on their pages would ask it many times a second for a figure to glance at.
WAITING_KEPT = "matchmaker.waiting_tasks"


def _recent_waiting(fresh_for: float) -> int | None:
    kept: dict[str, tuple[float, int | None]] = current_app.extensions.setdefault(WAITING_KEPT, {})
    taken = kept.get("count")
    if taken is not None and time.monotonic() - taken[0] < fresh_for:
        return taken[1]
    count = count_waiting_tasks()
    kept["count"] = (time.monotonic(), count)
    return count


def _count_in_database(url: str, queue: str) -> int:
    """The embedded broker (kombu's SQLAlchemy transport) keeps messages in two tables; a
    message taken by a worker stays with ``visible`` false until it is acknowledged."""
    connect_args: dict[str, Any] = {}
    if url.startswith("sqlite"):
        connect_args["timeout"] = BROKER_TIMEOUT
    elif url.startswith("postgresql"):
        connect_args["connect_timeout"] = max(1, round(BROKER_TIMEOUT))
    engine = sa.create_engine(url, poolclass=NullPool, connect_args=connect_args)
    try:
        with engine.connect() as conn:
            tables = sa.inspect(conn).get_table_names()
            if "kombu_message" not in tables or "kombu_queue" not in tables:
                return 0  # no task was ever sent through this broker
            count = conn.execute(
                sa.text(
                    "SELECT count(*) FROM kombu_message m JOIN kombu_queue q ON m.queue_id = q.id"
                    " WHERE q.name = :queue AND m.visible"
                ),
                {"queue": queue},
            ).scalar_one()
            return int(count)
    finally:
        engine.dispose()


def _count_on_broker(queue: str) -> int:
    """Redis (and any other kombu transport): the queue's length, asked without declaring it."""
    from kombu.exceptions import ChannelError

    celery = current_app.extensions["celery"]
    options = {"socket_timeout": BROKER_TIMEOUT, "socket_connect_timeout": BROKER_TIMEOUT}
    with celery.connection_for_read(
        connect_timeout=BROKER_TIMEOUT, transport_options=options
    ) as connection:
        connection.ensure_connection(
            max_retries=1, interval_start=0, interval_step=0, timeout=BROKER_TIMEOUT
        )
        try:
            return int(connection.default_channel.queue_declare(queue, passive=True).message_count)
        except ChannelError:  # Redis has no key for an empty queue: nothing waits
            return 0
