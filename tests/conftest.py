"""Shared fixtures: an app on SQLite and on PostgreSQL, servers found or skipped visibly.

Set MATCHMAKER_REQUIRE_SERVICES=1 (CI does) to turn a missing server into a failure.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from tests.web.task_recorder import Tasks

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("MATCHMAKER_SHARED_DIR", REPO.parent / "shared"))
SAMPLE_PARTICIPANTS = SHARED / "data" / "sample_participants.csv"
POSTGRES_ADMIN_URL = os.environ.get(
    "MATCHMAKER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("MATCHMAKER_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
BACKENDS = ("sqlite", "postgresql")


def require(condition: bool, reason: str) -> None:
    """Skip visibly when a server or file is missing; fail instead when CI demands it."""
    if condition:
        return
    if os.environ.get("MATCHMAKER_REQUIRE_SERVICES") == "1":
        pytest.fail(f"required by MATCHMAKER_REQUIRE_SERVICES=1: {reason}")
    pytest.skip(reason)


def postgres_available() -> bool:
    try:
        engine = sa.create_engine(POSTGRES_ADMIN_URL)
        with engine.connect():
            pass
        engine.dispose()
        return True
    except sa.exc.OperationalError:
        return False


@pytest.fixture(scope="session")
def sample_participants() -> Path:
    require(SAMPLE_PARTICIPANTS.exists(), f"sample data not found at {SAMPLE_PARTICIPANTS}")
    return SAMPLE_PARTICIPANTS


@pytest.fixture(scope="session")
def postgres_server() -> str:
    require(postgres_available(), f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}")
    return POSTGRES_ADMIN_URL


@pytest.fixture(scope="session")
def new_postgres_database(postgres_server: str) -> Iterator[callable]:
    """Creates throw-away databases and drops them all at the end of the session."""
    admin = sa.create_engine(postgres_server, isolation_level="AUTOCOMMIT")
    created: list[str] = []

    def create() -> str:
        name = f"matchmaker_test_{uuid.uuid4().hex[:12]}"
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        created.append(name)
        return sa.make_url(postgres_server).set(database=name).render_as_string(False)

    yield create
    with admin.connect() as conn:
        for name in created:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A migrated, empty database on each backend, shared by the session's tests."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'test.db'}"
    else:
        url = request.getfixturevalue("new_postgres_database")()
    app = make_app(url, tmp_path_factory.mktemp("instance"))
    with app.app_context():
        from flask_migrate import upgrade

        upgrade(directory=app.extensions["migrate"].directory)
        _dispose(app)
    yield url


def make_app(database_url: str, instance: Path, **overrides: object) -> Flask:
    from matchmaker.app import create_app

    config: dict[str, object] = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret",
        "RATELIMIT_ENABLED": False,
        # The public address mailed links carry (the test client's own address).
        "BASE_URL": "http://localhost/",
        "MODEL_DIR": str(model_dir()),
    }
    config.update(overrides)
    return create_app(config, instance_path=str(instance))


def model_dir() -> Path:
    """The built embedding model is kept between runs (building it takes seconds)."""
    return Path(os.environ.get("MATCHMAKER_TEST_MODEL_DIR", REPO / "instance" / "test-models"))


def _dispose(app: Flask) -> None:
    from matchmaker.extensions import db

    db.session.remove()
    db.engine.dispose()


def clear_database(app: Flask) -> None:
    from matchmaker.extensions import db

    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())
        _dispose(app)


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    app = make_app(database_url, tmp_path / "instance")
    yield app
    clear_database(app)


@pytest.fixture
def app_ctx(app: Flask) -> Iterator[Flask]:
    with app.app_context():
        yield app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def backend(database_url: str) -> str:
    return "sqlite" if database_url.startswith("sqlite") else "postgresql"


@pytest.fixture
def invoke(runner: FlaskCliRunner):  # type: ignore[no-untyped-def]
    """Run a `matchmaker` command against the test app: invoke("demo", env={...})."""
    from matchmaker.cli import cli

    def run(*args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
        return runner.invoke(cli, list(args), env=env)

    return run


@pytest.fixture
def smtp_sink() -> Iterator[tuple[str, list]]:
    """A local SMTP server (aiosmtpd) keeping every message it receives."""
    from aiosmtpd.controller import Controller

    received: list = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
            received.append(envelope)
            return "250 OK"

    with socket.socket() as probe:  # a free port (aiosmtpd's ready check cannot use port 0)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield f"smtp://127.0.0.1:{port}", received
    finally:
        controller.stop()


@pytest.fixture
def tasks(monkeypatch: pytest.MonkeyPatch) -> Iterator[Tasks]:
    """Every task the app hands to the workers, recorded instead of sent (workers are tested
    elsewhere). Recorded where the broker would get it: after the commit, so a test sees only
    what a worker would see; and every task whose row a worker would not have found yet (sent
    before its transaction committed) fails the test when it ends."""
    recorded = Tasks()
    monkeypatch.setattr("matchmaker.background._publish", recorded.record)
    yield recorded
    early = recorded.sent_before_commit()
    assert not early, f"sent before their rows were committed: {early}"
