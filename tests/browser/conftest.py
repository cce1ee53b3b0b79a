"""A live server, a real Celery worker and headless Chromium (Debian's, driven by Playwright).

The browser tests share one server on a migrated SQLite file, one worker on the embedded broker
(the same database and broker URLs as the server) and one Chromium; all three stop after the
last browser test (package scope), so the rest of the suite does not carry them. Screenshots go
to ``test-artifacts/screenshots/`` at the repository root.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from matchmaker.config import celery_settings
from matchmaker.extensions import db
from tests.conftest import REPO, clear_database, make_app, model_dir, require
from tests.workers.conftest import Worker, spawn_worker

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update",
               "--disable-sync"]  # fmt: skip
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"
#: Playwright waits this long (ms) for an element or a navigation before failing.
TIMEOUT_MS = 20_000
PASSWORD = "browser-test-2026"


@dataclass
class LiveServer:
    url: str
    app: Flask
    database_url: str
    broker_url: str
    instance: Path

    @contextmanager
    def context(self) -> Iterator[Flask]:
        """The server's app context, for setting up and checking rows from the test."""
        with self.app.app_context():
            try:
                yield self.app
            finally:
                db.session.remove()


def _closing(app: Any) -> Any:
    """The app, each response read whole and closed before the server writes it. Werkzeug's
    development server skips closing a response when the browser drops the connection (it
    aborts an icon's request as it navigates away), which leaves the icon's file open until
    the garbage collector warns about it in whatever test runs then."""

    def wsgi(environ: Any, start_response: Any) -> list[bytes]:
        body = app(environ, start_response)
        try:
            return [b"".join(body)]
        finally:
            if hasattr(body, "close"):
                body.close()

    return wsgi


@pytest.fixture(scope="package")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The real app on 127.0.0.1 and a free port, in a thread, on a migrated SQLite file."""
    root = tmp_path_factory.mktemp("live")
    database_url = f"sqlite:///{root / 'live.db'}"
    broker_url = f"sqla+sqlite:///{root / 'broker.db'}"
    app = make_app(database_url, root / "instance", CELERY=celery_settings(broker_url))
    with app.app_context():
        from flask_migrate import upgrade

        upgrade(directory=app.extensions["migrate"].directory)
        db.session.remove()
    # Every app the session creates becomes Celery's default app: make sure the tasks this
    # server sends go to its own broker, whatever other tests created meanwhile.
    celery = app.extensions["celery"]
    app.before_request(lambda: celery.set_current())
    server = make_server("127.0.0.1", 0, _closing(app), threaded=True)
    app.config["BASE_URL"] = f"http://127.0.0.1:{server.port}/"  # as `matchmaker serve` sets it
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.port}", app, database_url, broker_url,
                         root / "instance")  # fmt: skip
    finally:
        server.shutdown()
        thread.join(timeout=30)
        server.server_close()
        clear_database(app)


@pytest.fixture(scope="package")
def live_worker(live_server: LiveServer) -> Iterator[Worker]:
    """A real Celery worker subprocess on the live server's database and embedded broker."""
    env = dict(os.environ)
    env.update(
        MATCHMAKER_DATABASE_URL=live_server.database_url,
        MATCHMAKER_BROKER_URL=live_server.broker_url,
        MATCHMAKER_INSTANCE_PATH=str(live_server.instance),
        MATCHMAKER_MODEL_DIR=str(model_dir()),
    )
    worker = spawn_worker(env, live_server.instance.parent / "worker.log", "browser")
    try:
        worker.wait_ready()
        yield worker
    finally:
        worker.stop()


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    require(CHROMIUM.exists(), f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser: Any, live_server: LiveServer) -> Iterator[Callable[..., Any]]:
    """new_page(locale="es-MX") opens a page in a fresh browser context (its own cookies)."""
    contexts = []

    def open_page(locale: str = "es-MX") -> Any:
        context = browser.new_context(
            base_url=live_server.url, locale=locale, viewport={"width": 1280, "height": 900}
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: Callable[..., Any]) -> Any:
    """A page in Spanish (Mexico), the congress's language."""
    return new_page()


def screenshot(page: Any, name: str, full_page: bool = True) -> Path:
    """Save a screenshot as a test artifact (the first screen only of very long pages)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def create_account(live_server: LiveServer, email: str, role: str) -> str:
    """An account on the live server's database (idempotent); returns the email."""
    from matchmaker.services.accounts import create_user, get_user_by_email

    with live_server.context():
        if get_user_by_email(email) is None:
            create_user(email, PASSWORD, role)
            db.session.commit()
    return email


def participant_account(live_server: LiveServer, external_id: str) -> str:
    """The participant's own account, as `matchmaker create-user --participant` makes it."""
    from matchmaker.models import Participant
    from matchmaker.models.participant import ROLE_FOR_KIND
    from matchmaker.services.accounts import create_user, get_user_by_email

    with live_server.context():
        query = db.select(Participant).where(Participant.external_id == external_id)
        person = db.session.execute(query).scalar_one()
        if get_user_by_email(person.email) is None:
            create_user(person.email, PASSWORD, ROLE_FOR_KIND[person.kind], person)
            db.session.commit()
        return person.email


def log_in(page: Any, email: str, password: str = PASSWORD) -> None:
    """Log in through the login form, by its labels, and wait for the server's answer."""
    page.goto("/login")
    page.get_by_label("Correo electrónico").fill(email)
    page.get_by_label("Contraseña", exact=True).fill(password)
    with page.expect_response(lambda r: r.request.method == "POST" and "/login" in r.url):
        page.get_by_role("button", name="Entrar").click()
    page.wait_for_load_state()


def log_out(page: Any) -> None:
    with page.expect_response(lambda r: r.request.method == "POST" and "/logout" in r.url):
        page.get_by_role("button", name="Salir").click()
    page.wait_for_load_state()
