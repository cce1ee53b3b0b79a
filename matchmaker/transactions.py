"""Writes that can race: commit, and when the database refuses a row that someone else
committed first, roll back and run the work again.

The unique indexes (one pending request per pair, one suggestion and one block per pair) are
what decides a race between two requests. The loser's INSERT fails with IntegrityError; run
again, the same service code now sees the winner's row and answers as it would have a moment
later: its own refusal ("already pending") or an update instead of an insert. A savepoint
around the INSERT would avoid re-running the work, but with the SQLite driver a first
SAVEPOINT opens the transaction and its RELEASE commits it, so the request would no longer be
all or nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import IntegrityError

from matchmaker.extensions import db

T = TypeVar("T")
log = logging.getLogger(__name__)

#: A conflict means another transaction committed the same row; the next attempt sees it.
#: More than one conflict in a row would need new writers racing for the same row each time.
ATTEMPTS = 3


def commit_or_rerun(work: Callable[[], T], attempts: int = ATTEMPTS) -> T:
    """Run ``work`` (which flushes) and commit; on IntegrityError roll back and run it again.

    Errors ``work`` raises itself (the service's refusals) come out unchanged, with the session
    left for the caller to roll back. The last IntegrityError is raised when every attempt
    conflicted. Objects loaded before are expired by a rollback and reload on use.
    """
    for attempt in range(1, attempts + 1):
        try:
            result = work()
            db.session.commit()
            return result
        except IntegrityError:
            db.session.rollback()
            if attempt == attempts:
                raise
            log.info("write conflict, running again (attempt %d of %d)", attempt + 1, attempts)
    raise AssertionError("unreachable")  # pragma: no cover
