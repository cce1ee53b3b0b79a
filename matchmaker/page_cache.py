"""Participants' pages kept per web process while nothing they could show has changed.

At a congress, thousands of phones reload the same few pages (home, agenda, suggestions,
requests, profile) between meetings; most reloads find nothing new. A view marked
``@kept_page`` is rendered once per reader and then served from memory until the data
changes, which costs one small query instead of the page's queries and template.

*When is a page still true?* Every transaction that writes a table people see raises one
number, the data's revision (``DataRevision``), as its last statement, so the number and the
data commit together. A request reads the number first, then renders: a page kept under a
number was rendered from data at least that new. A kept page is served only under the same
number, so any change anywhere (a meeting booked by a worker, a renamed partner, a request
answered in another web process) makes every kept page be rendered again.

*Whose page is it?* The key holds the account, its session's CSRF secret (the page's forms
carry a token derived from it), the path with its query, the languages the reader's session
and browser ask for, and the minute (the agenda's check-in buttons and "now" follow the
clock). The login is checked as on every request: the session's token against the account's,
in the same query as the number. A request with a message to show (a flash) is rendered, and
so is anything but a plain GET; only a 200 HTML page whose rendering did not change the
session is kept. Entries also expire after ``MAX_AGE`` seconds, well inside the CSRF token's
lifetime, and the least recently used are dropped beyond the configured size.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from flask import Flask, current_app, g, request, session
from sqlalchemy import event, text
from sqlalchemy.orm import Session, UOWTransaction
from sqlalchemy.orm.session import ORMExecuteState
from werkzeug.wrappers import Response

from matchmaker.auth.sessions import parse_login_id, token_is_current
from matchmaker.extensions import db

F = TypeVar("F", bound=Callable[..., Any])

#: Tables whose rows no page people read shows: writing them leaves the revision alone
#: (workers' heartbeats and jobs' progress are written every few seconds).
UNSEEN_TABLES = frozenset(
    {
        "data_revision",
        "worker_heartbeat",
        "job",
        "audit_log",
        "api_idempotent_call",
        "webhook_delivery",
        "embedding_cache",
        "export_file",
    }
)
#: Seconds a kept page may be served at most, whatever the revision says.
MAX_AGE = 300
#: The session keys of a login (Flask-Login) and of the CSRF secret (Flask-WTF).
LOGIN_KEY, CSRF_KEY = "_user_id", "csrf_token"

_RAISE = text(
    "INSERT INTO data_revision (id, number) VALUES (1, 1) "
    "ON CONFLICT (id) DO UPDATE SET number = data_revision.number + 1"
)
_LOGIN_AND_REVISION = text(
    "SELECT session_token, (SELECT number FROM data_revision WHERE id = 1) "
    "FROM user_account WHERE id = :user_id"
)
_DUE = "matchmaker.revision_due"


def kept_page(view: F) -> F:
    """Mark a GET view whose page may be kept (see the module's notes). It must show only
    what the database holds, the reader's language and the clock, and write nothing."""
    view.kept_page = True  # type: ignore[attr-defined]
    return view


def register(app: Flask) -> None:
    app.extensions["matchmaker.page_cache"] = PageCache(int(app.config.get("PAGE_CACHE_SIZE", 0)))
    app.before_request(_serve_kept_page)
    app.after_request(_keep_page)
    _watch_writes()


class PageCache:
    """Rendered pages by key, each with the moment it was kept; least recently used first out."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._pages: OrderedDict[Hashable, tuple[float, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> bytes | None:
        with self._lock:
            kept = self._pages.get(key)
            if kept is None:
                return None
            if time.monotonic() - kept[0] > MAX_AGE:
                del self._pages[key]
                return None
            self._pages.move_to_end(key)
            return kept[1]

    def put(self, key: Hashable, body: bytes) -> None:
        with self._lock:
            self._pages[key] = (time.monotonic(), body)
            self._pages.move_to_end(key)
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)


# -- reading -------------------------------------------------------------------------------


def _serve_kept_page() -> Response | None:
    cache: PageCache = current_app.extensions["matchmaker.page_cache"]
    if cache.size <= 0 or request.method != "GET" or not _is_kept(current_app, request.endpoint):
        return None
    key = _page_key()
    if key is None:
        return None  # the usual way answers (a logged-out session goes to the login page)
    body = cache.get(key)
    if body is None:
        g.page_key = key  # rendered now, then kept (see _keep_page)
        return None
    return Response(body, 200, mimetype="text/html")


def _page_key() -> tuple[object, ...] | None:
    """The key of this request's page, once its login is checked; None without a valid login
    or with a message to show."""
    login = parse_login_id(session.get(LOGIN_KEY))
    if login is None or "_flashes" in session:
        return None
    user_id, token = login
    row = _login_and_revision(user_id)
    if row is None or not token_is_current(row[0], token):
        return None
    return (
        request.full_path,
        user_id,
        row[1],  # the revision
        int(time.time() // 60),
        session.get(CSRF_KEY),
        session.get("locale"),
        request.headers.get("Accept-Language", ""),
    )


def _login_and_revision(user_id: int) -> Any:
    """The account's session token and the revision, outside any transaction: a kept page
    then costs no BEGIN and no ROLLBACK, and the request's session never opens one."""
    with db.engine.connect() as connection:
        autocommit = connection.execution_options(isolation_level="AUTOCOMMIT")
        return autocommit.execute(_LOGIN_AND_REVISION, {"user_id": user_id}).first()


def _is_kept(app: Flask, endpoint: str | None) -> bool:
    view = app.view_functions.get(endpoint) if endpoint else None
    return bool(getattr(view, "kept_page", False))


def _keep_page(response: Response) -> Response:
    key = g.pop("page_key", None)
    if (
        key is not None
        and response.status_code == 200
        and response.mimetype == "text/html"
        and not response.direct_passthrough
        and not session.modified
    ):
        current_app.extensions["matchmaker.page_cache"].put(key, response.get_data())
    return response


# -- writing ---------------------------------------------------------------------------------


def _watch_writes() -> None:
    """Raise the revision in every transaction of the app's sessions that writes a table
    people see (registered once: every app shares ``db.session``'s factory)."""
    factory = db.session.session_factory
    if event.contains(factory, "before_commit", _raise_revision):
        return
    event.listen(factory, "before_flush", _note_flushed_writes)
    event.listen(factory, "do_orm_execute", _note_statement_writes)
    event.listen(factory, "before_commit", _raise_revision)
    event.listen(factory, "after_commit", _forget_writes)
    event.listen(factory, "after_soft_rollback", _forget_rolled_back_writes)


def _note_flushed_writes(session: Session, _context: UOWTransaction, _instances: object) -> None:
    changed = (*session.new, *session.dirty, *session.deleted)
    if any(_seen(getattr(row, "__tablename__", "")) for row in changed):
        session.info[_DUE] = True


def _note_statement_writes(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if table is None or _seen(getattr(table, "name", "")):
        state.session.info[_DUE] = True


def _seen(table: str) -> bool:
    return table not in UNSEEN_TABLES


def _raise_revision(session: Session) -> None:
    session.flush()  # the revision's row is locked last, just before the commit
    if session.info.pop(_DUE, False):
        session.execute(_RAISE)


def _forget_writes(session: Session) -> None:
    session.info.pop(_DUE, None)


def _forget_rolled_back_writes(session: Session, previous_transaction: Any) -> None:
    if previous_transaction.parent is None:  # the whole transaction, not a savepoint
        session.info.pop(_DUE, None)
