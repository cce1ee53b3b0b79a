"""Real Celery workers in subprocesses, on Redis and on the embedded broker."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask

from matchmaker.config import celery_settings
from tests.conftest import REDIS_URL, clear_database, make_app, require

READY_TIMEOUT = 90


def redis_available() -> bool:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
        return True
    except redis.exceptions.ConnectionError:
        return False


@pytest.fixture
def task_queue() -> str:
    """A queue of the test's own: runs sharing the Redis database never take each other's tasks."""
    return f"matchmaker-test-{uuid.uuid4().hex[:12]}"


@pytest.fixture(params=["embedded", "redis"])
def broker_url(request: pytest.FixtureRequest, tmp_path: Path, task_queue: str) -> Iterator[str]:
    """Both brokers; a test may narrow it with parametrize("broker_url", [...], indirect=True)."""
    if request.param == "embedded":
        yield f"sqla+sqlite:///{tmp_path / 'broker.db'}"
        return
    require(redis_available(), f"Redis not reachable at {REDIS_URL}")
    yield REDIS_URL
    import redis

    redis.Redis.from_url(REDIS_URL).delete(task_queue)  # leave the database as we found it


@pytest.fixture
def worker_app(
    database_url: str, broker_url: str, task_queue: str, tmp_path: Path
) -> Iterator[Flask]:
    """The test's app, sending tasks to the same broker the workers consume from."""
    settings = celery_settings(broker_url, queue=task_queue)
    app = make_app(database_url, tmp_path / "instance", CELERY=settings)
    yield app
    clear_database(app)


class Worker:
    def __init__(self, process: subprocess.Popen[bytes], log: Path) -> None:
        self.process = process
        self.log = log

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while " ready." not in self.output():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("worker did not start:\n" + self.output()[-3000:])
            time.sleep(0.2)

    def kill(self) -> None:
        """SIGKILL the whole worker (main process and pool children): a crash."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


def spawn_worker(
    env: dict[str, str], log: Path, name: str, pool: str = "solo", concurrency: int = 1
) -> Worker:
    """A `celery worker` subprocess in its own process group, its output in ``log``."""
    command = [sys.executable, "-m", "celery", "-A", "workers", "worker", "--loglevel", "INFO",
               "--hostname", f"{name}@%h", "--pool", pool, "--concurrency", str(concurrency),
               "--without-gossip", "--without-mingle", "--without-heartbeat"]  # fmt: skip
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
    return Worker(process, log)


@pytest.fixture
def start_worker(
    database_url: str, broker_url: str, task_queue: str, tmp_path: Path
) -> Iterator[Callable[..., Worker]]:
    workers: list[Worker] = []

    def start(
        name: str = "w1", concurrency: int = 1, pool: str = "solo", **extra_env: str
    ) -> Worker:
        env = dict(os.environ)
        env.update(
            MATCHMAKER_DATABASE_URL=database_url,
            MATCHMAKER_BROKER_URL=broker_url,
            MATCHMAKER_TASK_QUEUE=task_queue,
            MATCHMAKER_INSTANCE_PATH=str(tmp_path / "instance"),
            **extra_env,
        )
        worker = spawn_worker(env, tmp_path / f"worker-{name}.log", name, pool, concurrency)
        workers.append(worker)
        worker.wait_ready()
        return worker

    yield start
    for worker in workers:
        worker.stop()


def queue_drained(broker_url: str, queue: str) -> bool:
    """No message of ours waiting or unacknowledged on the broker."""
    if broker_url.startswith("redis"):
        import redis

        client = redis.Redis.from_url(broker_url)
        # Unacknowledged messages of every queue share one hash: [payload, exchange, queue].
        unacked = (json.loads(value)[2] for value in client.hvals("unacked"))
        return client.llen(queue) == 0 and queue not in set(unacked)
    import sqlalchemy as sa

    engine = sa.create_engine(broker_url.removeprefix("sqla+"))
    try:
        with engine.connect() as conn:
            query = "SELECT count(*) FROM kombu_message WHERE visible = 1"
            return conn.execute(sa.text(query)).scalar_one() == 0
    finally:
        engine.dispose()


def wait_until(condition: Callable[[], bool], timeout: float = 60, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        time.sleep(0.2)


def free_port() -> int:
    """A port nothing listens on now (aiosmtpd's ready check cannot use port 0)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class SmtpSink:
    """A local SMTP server (aiosmtpd) on a port of our choice that keeps every message and
    answers RCPT for the ``refuse`` addresses with a 550, as a real server does for an
    unknown mailbox."""

    def __init__(self, port: int | None = None, refuse: frozenset[str] = frozenset()) -> None:
        self.port = port or free_port()
        self.refuse = refuse
        self.received: list = []
        self._controller = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> SmtpSink:
        from aiosmtpd.controller import Controller

        sink = self

        class Handler:
            async def handle_RCPT(self, server, session, envelope, address, options):  # type: ignore[no-untyped-def]
                if address in sink.refuse:
                    return "550 5.1.1 mailbox unavailable"
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
                sink.received.append(envelope)
                return "250 OK"

        self._controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@pytest.fixture
def smtp_server() -> Iterator[Callable[..., SmtpSink]]:
    """Start SmtpSinks (now, or later in the test on a port chosen before); all stop after."""
    sinks: list[SmtpSink] = []

    def start(port: int | None = None, refuse: frozenset[str] = frozenset()) -> SmtpSink:
        sink = SmtpSink(port, refuse).start()
        sinks.append(sink)
        return sink

    yield start
    for sink in sinks:
        sink.stop()


REDIS_SERVER = Path("/usr/bin/redis-server")


class RedisServer:
    """A redis-server of the test's own, on its own port. It keeps an append-only file in
    ``directory``, so what was queued survives a restart (SIGTERM makes it write the file)."""

    def __init__(self, directory: Path, port: int | None = None) -> None:
        self.directory = directory
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def log(self) -> Path:
        return self.directory / "redis-server.log"

    def start(self) -> RedisServer:
        self.directory.mkdir(parents=True, exist_ok=True)
        command = [str(REDIS_SERVER), "--port", str(self.port), "--bind", "127.0.0.1",
                   "--save", "", "--appendonly", "yes", "--dir", str(self.directory),
                   "--daemonize", "no"]  # fmt: skip
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        wait_until(self.answers, 30, "redis-server to answer PING")
        return self

    def answers(self) -> bool:
        """PING answered (not while the server still loads its file)."""
        import redis

        assert self.process is not None
        if self.process.poll() is not None:
            raise AssertionError("redis-server exited:\n" + self.log.read_text(errors="replace"))
        try:
            return bool(redis.Redis(port=self.port, socket_connect_timeout=1).ping())
        except redis.exceptions.RedisError:
            return False

    def stop(self) -> None:
        """A clean shutdown (SIGTERM): the server writes its file and exits."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A redis-server for this test alone (one it may stop and start again)."""
    require(REDIS_SERVER.exists(), f"{REDIS_SERVER} not installed")
    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.stop()


def worker_env(
    database_url: str, broker_url: str, queue: str, instance: Path, **extra: str
) -> dict[str, str]:
    """The environment of a worker subprocess on this database, broker and queue."""
    env = dict(os.environ)
    env.update(
        MATCHMAKER_DATABASE_URL=database_url,
        MATCHMAKER_BROKER_URL=broker_url,
        MATCHMAKER_TASK_QUEUE=queue,
        MATCHMAKER_INSTANCE_PATH=str(instance),
    )
    env.update(extra)
    return env
