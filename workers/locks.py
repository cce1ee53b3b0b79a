"""Locks that keep a periodic task from running twice at once (two beats, or a run that
overlaps the next tick), as Indico's periodic tasks do.

The lock lives where every process of a deployment already meets: the database.

- PostgreSQL: a session-level advisory lock (``pg_try_advisory_lock``) on a connection of
  its own, closed afterwards. The server releases it when that connection ends, so a worker
  that dies mid-run leaves no stale lock behind.
- SQLite: an ``flock`` on a small file beside the database file. Every process that opens
  a SQLite file runs on the machine that holds it (WAL needs shared memory), so they all see
  the same lock file; the kernel releases it when the process dies.

Neither needs a timeout that a long run could outlive, and neither needs a new table. The
tasks are idempotent on their own stored flags anyway: the lock saves work, it does not
guard correctness.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import current_app
from sqlalchemy import Engine, text

from matchmaker.extensions import db

log = logging.getLogger(__name__)


@contextmanager
def periodic_lock(name: str) -> Iterator[bool]:
    """Hold the lock called ``name`` for the ``with`` block if nobody holds it: yields True
    then, else False at once (never waits)."""
    engine = db.engine
    if engine.dialect.name == "postgresql":
        with _advisory_lock(engine, name) as held:
            yield held
    else:
        with _file_lock(lock_file(engine, name)) as held:
            yield held


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for an advisory lock (Python's hash() differs per process)."""
    digest = hashlib.sha256(f"matchmaker.periodic:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def _advisory_lock(engine: Engine, name: str) -> Iterator[bool]:
    key = lock_key(name)
    connection = engine.connect()
    try:
        held = bool(
            connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}).scalar()
        )
        connection.commit()  # the lock belongs to the session: no transaction stays open
        yield held
    finally:
        # Closing the server session releases the lock whatever happened above; a pooled
        # connection would carry it on to its next user.
        connection.invalidate()
        connection.close()


def lock_file(engine: Engine, name: str) -> Path:
    """The lock file of ``name``: beside the SQLite database file, which every process of
    the deployment opens (the instance folder for an in-memory database)."""
    database = engine.url.database
    if database and database != ":memory:" and not database.startswith("file:"):
        path = Path(database).resolve()
        return path.with_name(f"{path.name}.{name}.lock")
    return Path(current_app.instance_path) / f"{name}.lock"


@contextmanager
def _file_lock(path: Path) -> Iterator[bool]:
    path.parent.mkdir(parents=True, exist_ok=True)
    # flock belongs to this open file: a second open, in this process or another, is refused.
    with path.open("a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
