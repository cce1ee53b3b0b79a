"""Participants' pages kept per web process while nothing they could show has changed.

At a congress, thousands of phones reload the same few pages (home, agenda, suggestions,
requests, profile) between meetings; most reloads find nothing new. A view marked
``@kept_page`` is rendered once per reader and then served from memory until the data
changes. A WSGI layer in front of Flask (``KeptPages``) serves it: a reload costs reading the
session cookie and one small query, not Flask's request, the page's queries and template.

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
session (nor set any cookie) is kept, with the headers it was sent with. Only the newest page
per key is kept. Entries also expire after ``MAX_AGE`` seconds, well inside the CSRF token's
lifetime, and the least recently used are dropped beyond the configured size.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from flask import Flask, current_app, g, request, session
from flask.wrappers import Request
from sqlalchemy import Engine, event, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, UOWTransaction
from sqlalchemy.orm.session import ORMExecuteState
from werkzeug.wrappers import Response

from matchmaker.auth.sessions import parse_login_id, token_is_current
from matchmaker.extensions import db

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

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
#: The response headers a kept page is not served with: they belong to one response.
NOT_REPLAYED = frozenset({"set-cookie", "date", "server"})

_RAISE = text(
    "INSERT INTO data_revision (id, number) VALUES (1, 1) "
    "ON CONFLICT (id) DO UPDATE SET number = data_revision.number + 1"
)
_LOGIN_AND_REVISION = text(
    "SELECT session_token, (SELECT number FROM data_revision WHERE id = 1) "
    "FROM user_account WHERE id = :user_id"
)
_DUE = "matchmaker.revision_due"
#: Where a rendered page that may be kept leaves its key and revision for KeptPages.
TO_KEEP = "matchmaker.page_to_keep"


def kept_page(view: F) -> F:
    """Mark a GET view whose page may be kept (see the module's notes). It must show only
    what the database holds, the reader's language and the clock, and write nothing."""
    view.kept_page = True  # type: ignore[attr-defined]
    return view


def register(app: Flask) -> None:
    cache = PageCache(int(app.config.get("PAGE_CACHE_SIZE", 0)))
    app.extensions["matchmaker.page_cache"] = cache
    if cache.size > 0:
        app.wsgi_app = KeptPages(app, cache, app.wsgi_app)  # type: ignore[method-assign]
        app.before_request(_note_page_to_keep)
        app.after_request(_keep_page)
    _watch_writes()


@dataclass(frozen=True)
class KeptPage:
    revision: int | None
    kept_at: float
    body: bytes
    headers: list[tuple[str, str]]


@dataclass(frozen=True)
class Reader:
    """Who asks for which page, as the session cookie says (the login not yet checked)."""

    key: Hashable
    user_id: int
    token: str


class PageCache:
    """Kept pages by reader's key, only the newest per key; least recently used first out."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._pages: OrderedDict[Hashable, KeptPage] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> KeptPage | None:
        with self._lock:
            kept = self._pages.get(key)
            if kept is None:
                return None
            if time.monotonic() - kept.kept_at > MAX_AGE:
                del self._pages[key]
                return None
            self._pages.move_to_end(key)
            return kept

    def put(self, key: Hashable, page: KeptPage) -> None:
        with self._lock:
            self._pages[key] = page
            self._pages.move_to_end(key)
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)


def reader_of(environ: WSGIEnvironment, session: Mapping[str, Any]) -> Reader | None:
    """The reader of this request, from its session; None without a login or with a message
    to show (a flash: the page is rendered to show it once)."""
    login = parse_login_id(session.get(LOGIN_KEY))
    if login is None or "_flashes" in session:
        return None
    key = (
        environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", ""),
        environ.get("QUERY_STRING", ""),
        login[0],
        current_minute(),
        session.get(CSRF_KEY),
        session.get("locale"),
        environ.get("HTTP_ACCEPT_LANGUAGE", ""),
    )
    return Reader(key, *login)


def current_minute() -> int:
    return int(time.time() // 60)


def login_and_revision(engine: Engine, user_id: int) -> Any:
    """The account's session token and the revision, outside any transaction: a kept page
    then costs no BEGIN and no ROLLBACK."""
    with engine.connect() as connection:
        autocommit = connection.execution_options(isolation_level="AUTOCOMMIT")
        return autocommit.execute(_LOGIN_AND_REVISION, {"user_id": user_id}).first()


# -- reading: before Flask -----------------------------------------------------------------


class KeptPages:
    """The WSGI layer that answers a kept page before Flask is asked: a reload then costs
    reading the session cookie, one query (the login and the revision) and writing the page.
    Anything else, and any doubt, goes to Flask, which renders and keeps (see _keep_page)."""

    def __init__(self, app: Flask, cache: PageCache, wsgi_app: WSGIApplication) -> None:
        self.app = app
        self.cache = cache
        self.wsgi_app = wsgi_app
        self._engine: Engine | None = None

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "GET":
            return self.wsgi_app(environ, start_response)
        page = self._kept_page(environ)
        if page is not None:
            start_response("200 OK", list(page.headers))
            return [page.body]
        return self._answer_and_keep(environ, start_response)

    def _answer_and_keep(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes]:
        """Flask answers; a page it marked to keep (``TO_KEEP``) is kept as it was sent."""
        answer: list[Any] = []

        def note_answer(status: str, headers: list[tuple[str, str]], *exc_info: Any) -> Any:
            answer[:] = [status, headers]
            return start_response(status, headers, *exc_info)

        body = self.wsgi_app(environ, note_answer)
        to_keep = environ.get(TO_KEEP)
        if to_keep is None:
            return body
        data = _read_whole(body)
        status, headers = answer
        if status.startswith("200 ") and not any(k.lower() == "set-cookie" for k, _ in headers):
            replayed = [(k, v) for k, v in headers if k.lower() not in NOT_REPLAYED]
            key, revision = to_keep
            self.cache.put(key, KeptPage(revision, time.monotonic(), data, replayed))
        return [data]

    def _kept_page(self, environ: WSGIEnvironment) -> KeptPage | None:
        interface = self.app.session_interface
        session = interface.open_session(self.app, Request(environ))
        reader = reader_of(environ, session) if session is not None else None
        page = self.cache.get(reader.key) if reader is not None else None
        if reader is None or page is None:
            return None
        try:
            row = login_and_revision(self.engine, reader.user_id)
        except SQLAlchemyError:
            return None  # Flask answers, with the usual page for a database that is down
        if row is None or not token_is_current(row[0], reader.token) or row[1] != page.revision:
            return None
        return page

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            with self.app.app_context():
                self._engine = db.engine
        return self._engine


# -- keeping: in Flask ----------------------------------------------------------------------


def _note_page_to_keep() -> None:
    """Before a kept view renders: note its reader's key and the revision read now, so the
    page is kept under a revision no newer than its data."""
    if request.method != "GET" or not _is_kept(current_app, request.endpoint):
        return
    reader = reader_of(request.environ, session)
    if reader is None:
        return  # the usual way answers (a logged-out session goes to the login page)
    row = login_and_revision(db.engine, reader.user_id)
    if row is not None and token_is_current(row[0], reader.token):
        g.page_to_keep = (reader.key, row[1])


def _is_kept(app: Flask, endpoint: str | None) -> bool:
    view = app.view_functions.get(endpoint) if endpoint else None
    return bool(getattr(view, "kept_page", False))


def _keep_page(response: Response) -> Response:
    """After a kept view: mark a page that may be kept; KeptPages keeps it as sent, once every
    other hook has added its headers (a session saved now, with a cookie, is never kept)."""
    to_keep = g.pop("page_to_keep", None)
    if (
        to_keep is not None
        and response.status_code == 200
        and response.mimetype == "text/html"
        and not response.direct_passthrough
        and not session.modified
    ):
        request.environ[TO_KEEP] = to_keep
    return response


def _read_whole(body: Iterable[bytes]) -> bytes:
    try:
        return b"".join(body)
    finally:
        close = getattr(body, "close", None)
        if close is not None:
            close()


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


def writes_pending(session: Session) -> bool:
    """This session's transaction has written a table people see and not yet committed."""
    return bool(session.info.get(_DUE))


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
