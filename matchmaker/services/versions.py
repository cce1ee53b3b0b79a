"""Versions of an event's data, for keeping what is computed from it (a page's rendered grid,
the dashboard's figures) until the data changes.

A version is a tuple of aggregates read in one query. Each changes whenever a row it covers
is added, removed or changed: rows that carry ``updated_at`` (set on every ORM or Core
update) are summed by that instant, so changing any one row changes the sum, whatever order
concurrent transactions commit in (a maximum would miss a late commit stamped earlier); rows
that never change, or change only by their status, are summed by id within that status.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Hashable, Iterable
from typing import Any, TypeVar

from flask import current_app
from sqlalchemy import (
    BigInteger,
    BindParameter,
    ColumnElement,
    Integer,
    Select,
    bindparam,
    case,
    cast,
    func,
    text,
    true,
)

from matchmaker import page_cache
from matchmaker.extensions import db
from matchmaker.models import (
    BlockedPair,
    Event,
    InterestMark,
    Interpreter,
    MatchSuggestion,
    Meeting,
    MeetingRequest,
    Participant,
    User,
)

#: What a version may cover; each name is a few aggregates over one table of the event.
PARTS = (
    "participants",
    "accounts",
    "meetings",
    "interpreters",
    "approvals",
    "suggestions",
    "blocks",
    "requests",
    "marks",
)

T = TypeVar("T")
#: The event's id in a version query: a parameter, so that the query is built once.
EventId = BindParameter[int]


def remember(
    name: str,
    event: Event,
    parts: Iterable[str],
    compute: Callable[[], T],
    version: tuple[object, ...] | None = None,
) -> T:
    """``compute()``, kept per web process for the event until the ``parts`` of its data
    (or its settings) change: what it returns is shared by every request that asks, so it
    must be plain data that nobody changes (ids, counts; never rows of a session).
    ``version`` is those parts' version when the caller has just read it for another kept
    value (one query for both).

    One request computes at a time per name and event; the others asking meanwhile wait and
    take its result (twenty organisers opening a cold dashboard at once would otherwise
    each solve the same bound, and all of them wait for all twenty)."""
    version = version or data_version(event, parts)
    key = (name, event.id)
    with _LOCK:
        kept = _KEPT.get(key)
        computing = _COMPUTING.setdefault(key, threading.Lock())
    if kept is not None and kept[0] == version:
        return kept[1]  # type: ignore[no-any-return]
    with computing:
        with _LOCK:
            kept = _KEPT.get(key)
        if kept is not None and kept[0] == version:  # computed while this request waited
            return kept[1]  # type: ignore[no-any-return]
        value = compute()
        with _LOCK:
            _KEPT[key] = (version, value)
    return value


#: (name, event id) -> (the version of the data, the value computed from it).
_KEPT: dict[tuple[str, int], tuple[tuple[object, ...], Any]] = {}
#: (name, event id) -> held while one request computes it.
_COMPUTING: dict[tuple[str, int], threading.Lock] = {}
_LOCK = threading.Lock()


def data_version(event: Event, parts: Iterable[str]) -> tuple[object, ...]:
    """The event's settings and the ``parts`` of its data, summed up in one query that reads
    each table once (a part's figures are aggregates of one scan). The scan is kept while the
    data's revision stands (``kept_while_unchanged``)."""
    parts = tuple(parts)
    if not parts:
        return (event.id, event.updated_at)
    query = _version_query(parts, db.session.get_bind().dialect.name)
    row = kept_while_unchanged(
        ("version", event.id, parts),
        lambda: tuple(db.session.execute(query, {"event_id": event.id}).one()),
    )
    return (event.id, event.updated_at, *row)


def kept_while_unchanged(name: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, kept per web process while the data's revision stands (``page_cache``:
    one number that every transaction writing a table people see raises). An organiser's page
    then reads one row instead of scanning the event's tables. Only for what the database
    holds: nothing that follows the clock. Plain data only, shared by every request. Kept
    ``page_cache.MAX_AGE`` seconds at most: a change written outside the product (by hand in
    the database) shows after that."""
    session = db.session()
    if page_cache.writes_pending(session) or session.new or session.dirty or session.deleted:
        return compute()  # this transaction's own writes, which may yet roll back
    revision = db.session.execute(_REVISION).scalar()
    kept_values: dict[Hashable, tuple[int, float, Any]]
    kept_values = current_app.extensions.setdefault("matchmaker.kept_while_unchanged", {})
    kept = kept_values.get(name)
    now = time.monotonic()
    if (
        revision is not None
        and kept is not None
        and kept[0] == revision
        and now - kept[1] <= page_cache.MAX_AGE  # a change made outside the product shows too
    ):
        return kept[2]  # type: ignore[no-any-return]
    value = compute()
    # Read before computing, the revision is no newer than the value (unless computing
    # flushed writes of this transaction: then it is not kept).
    if revision is not None and not page_cache.writes_pending(session):
        kept_values[name] = (revision, now, value)
    return value


_REVISION = text("SELECT number FROM data_revision WHERE id = 1")


@functools.lru_cache(maxsize=64)
def _version_query(parts: tuple[str, ...], dialect: str) -> Select[Any]:
    """The query of ``data_version``, built once per set of parts (and database: see
    ``_instants``), the event a parameter: building it cost half of its CPU time."""
    event_id = bindparam("event_id", type_=Integer)
    scans = [_FIGURES[part](event_id).subquery() for part in parts]
    query = db.select(*(column for scan in scans for column in scan.c)).select_from(scans[0])
    for scan in scans[1:]:
        query = query.join(scan, true())  # each scan is one row
    return query


def _instants(column: ColumnElement[Any]) -> ColumnElement[Any]:
    """The sum of a timestamp column: exact to the microsecond on PostgreSQL (its epoch is a
    numeric), to the millisecond on SQLite, summed as whole milliseconds (a sum of julianday
    floats over 20,000 rows would only resolve about a second)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.coalesce(func.sum(func.extract("epoch", column)), 0)
    milliseconds = cast((func.julianday(column) - UNIX_EPOCH_JULIAN_DAY) * 86_400_000, BigInteger)
    return func.coalesce(func.sum(milliseconds), 0)


UNIX_EPOCH_JULIAN_DAY = 2440587.5


def _scan(model: Any, where: ColumnElement[bool], *figures: ColumnElement[Any]) -> Select[Any]:
    """``figures`` (aggregates) over the rows of ``model`` that match ``where``."""
    labelled = (figure.label(f"figure_{i}") for i, figure in enumerate(figures))
    return db.select(*labelled).select_from(model).where(where)


def _count_and_stamps(model: Any, event_id: EventId) -> Select[Any]:
    return _scan(model, model.event_id == event_id, func.count(), _instants(model.updated_at))


def _id_sums(model: Any) -> list[ColumnElement[Any]]:
    """The rows' count and the sums of their ids and of their squares: approving rows 2 and 5
    while rejecting 3 and 4 keeps the first two, not the third."""
    wide_id = cast(model.id, BigInteger)
    return [
        func.count(),
        func.coalesce(func.sum(model.id), 0),
        func.coalesce(func.sum(wide_id * wide_id), 0),
    ]


def _suggestion_figures(event_id: EventId) -> Select[Any]:
    """Every suggestion of the event, whatever its status. They carry no ``updated_at``, but
    what changes on them leaves a stamp: a recomputation sets ``computed_at`` on every pair
    it ranks, and every decision sets ``decided_at``; pairs added or dropped change the
    count and the id sums."""
    return _scan(
        MatchSuggestion,
        MatchSuggestion.event_id == event_id,
        *_id_sums(MatchSuggestion),
        _instants(MatchSuggestion.computed_at),
        _instants(MatchSuggestion.decided_at),
    )


def _account_figures(event_id: EventId) -> Select[Any]:
    """The accounts of the event's participants. They carry no ``updated_at``; what the
    organiser sees of them is stamped (invited, mailed, last login) or a flag summed by id."""
    people = db.select(Participant.id).where(Participant.event_id == event_id)
    active_ids = func.sum(case((User.active.is_(True), cast(User.id, BigInteger)), else_=0))
    return _scan(
        User,
        User.participant_id.in_(people),
        *_id_sums(User),
        *(
            _instants(stamp)
            for stamp in (User.last_login_at, User.invited_at, User.invitation_sent_at)
        ),
        func.coalesce(active_ids, 0),
    )


_FIGURES = {
    "participants": lambda event_id: _count_and_stamps(Participant, event_id),
    "accounts": _account_figures,
    "meetings": lambda event_id: _count_and_stamps(Meeting, event_id),
    "interpreters": lambda event_id: _count_and_stamps(Interpreter, event_id),
    "approvals": lambda event_id: _scan(
        MatchSuggestion,
        (MatchSuggestion.event_id == event_id) & (MatchSuggestion.status == "approved"),
        *_id_sums(MatchSuggestion),
    ),
    "suggestions": _suggestion_figures,
    "blocks": lambda event_id: _scan(
        BlockedPair, BlockedPair.event_id == event_id, *_id_sums(BlockedPair)
    ),
    "requests": lambda event_id: _scan(
        MeetingRequest, MeetingRequest.event_id == event_id, *_id_sums(MeetingRequest)
    ),
    "marks": lambda event_id: _count_and_stamps(InterestMark, event_id),
}
