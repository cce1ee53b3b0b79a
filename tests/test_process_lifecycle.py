"""The real commands under a process manager: each stop signal ends them in order, nothing
outlives `matchmaker up`, a task in flight is finished once, and readiness tells the truth."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from matchmaker.config import celery_settings
from matchmaker.extensions import db
from tests.conftest import make_app, model_dir

pytestmark = pytest.mark.slow
START_TIMEOUT = 120
STOP_TIMEOUT = 120


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def descendants(pid: int) -> set[int]:
    """Every living process below ``pid`` (from /proc: no psutil needed)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] != "Z":  # zombies are dead
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found: set[int] = set()
    stack = [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            found.add(child)
            stack.append(child)
    return found


def alive(pids: set[int]) -> set[int]:
    living = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            living.add(pid)
    return living


def wait_until(condition, timeout: float, what: str, process: subprocess.Popen | None = None):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if process is not None and process.poll() is not None:
            raise AssertionError(f"{what}: the process ended first ({process.returncode})")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


@dataclass
class Running:
    process: subprocess.Popen[bytes]
    log: Path
    port: int
    root: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def get(self, path: str) -> int:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=5) as r:
                return int(r.status)
        except urllib.error.HTTPError as error:
            return int(error.code)
        except OSError:
            return 0

    def stop(self, signum: int) -> int:
        self.process.send_signal(signum)
        return self.process.wait(timeout=STOP_TIMEOUT)


@pytest.fixture
def start(tmp_path: Path) -> Iterator:  # type: ignore[type-arg]
    """start("up", extra_env={...}) runs a real `matchmaker` command on its own SQLite files
    and embedded broker; whatever is still running at the end is killed."""
    started: list[Running] = []

    def run(command: str, *args: str, extra_env: dict[str, str] | None = None) -> Running:
        root = tmp_path / f"run{len(started)}"
        root.mkdir()
        env = {key: value for key, value in os.environ.items()
               if not key.startswith("MATCHMAKER_") or key.startswith("MATCHMAKER_TEST")}  # fmt: skip
        env.update(
            MATCHMAKER_INSTANCE_PATH=str(root / "instance"),
            MATCHMAKER_MODEL_DIR=str(model_dir()),
            MATCHMAKER_PASSWORD="Demo-clave-segura-2026",
            PYTHONUNBUFFERED="1",
        )
        env.update(extra_env or {})
        port = free_port()
        log = root / "output.log"
        argv = [sys.executable, "-c", "from matchmaker.cli import main; main()", command, *args]
        if command in ("up", "serve"):
            argv += ["--port", str(port)]
        with open(log, "wb") as sink:
            process = subprocess.Popen(argv, stdout=sink, stderr=subprocess.STDOUT, env=env)
        running = Running(process, log, port, root)
        started.append(running)
        return running

    yield run
    for running in started:
        for pid in alive(descendants(running.process.pid)):
            os.kill(pid, signal.SIGKILL)
        if running.process.poll() is None:
            running.process.kill()
            running.process.wait()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGHUP])  # SIGTERM: the next test
def test_up_stops_in_order_on_each_signal_and_leaves_nothing_running(start, signum: int) -> None:  # type: ignore[no-untyped-def]
    up = start("up")
    wait_until(lambda: up.get("/healthz") == 200, START_TIMEOUT, "the web server", up.process)
    wait_until(lambda: " ready." in up.output(), START_TIMEOUT, "the worker", up.process)
    family = descendants(up.process.pid)
    assert family, "up runs its worker as a child process"
    assert up.stop(signum) == 0, up.output()[-3000:]
    assert alive(family) == set(), up.output()[-3000:]
    assert "Traceback" not in up.output()
    assert "stopped" in up.output()


def test_a_task_in_flight_when_up_is_stopped_finishes_once(start) -> None:  # type: ignore[no-untyped-def]
    """The demo's suggestions are being computed when SIGTERM arrives: the worker finishes
    them before exiting (warm shutdown), nothing is left to run again, nothing survives."""
    up = start("up")
    wait_until(lambda: "recompute_suggestions" in up.output() and "received" in up.output(),
               START_TIMEOUT, "the suggestions task to start", up.process)  # fmt: skip
    family = descendants(up.process.pid)
    assert up.stop(signal.SIGTERM) == 0, up.output()[-3000:]
    assert alive(family) == set()
    output = up.output()
    assert "Traceback" not in output
    assert output.count("recompute_suggestions") and output.count(" succeeded in ") == 1, output
    database = sqlite3.connect(up.root / "instance" / "matchmaker.db")
    (computed,) = database.execute("SELECT suggestions_computed_at FROM event").fetchone()
    suggestions = database.execute("SELECT count(*) FROM match_suggestion").fetchone()[0]
    assert computed is not None and suggestions > 0
    broker = sqlite3.connect(up.root / "instance" / "broker.db")
    waiting = broker.execute("SELECT count(*) FROM kombu_message WHERE visible = 1").fetchone()[0]
    assert waiting == 0  # nothing handed back to be run a second time


def test_a_killed_up_takes_its_worker_with_it(start) -> None:  # type: ignore[no-untyped-def]
    """SIGKILL cannot be handled: the kernel tells the worker its parent died."""
    up = start("up")
    wait_until(lambda: " ready." in up.output(), START_TIMEOUT, "the worker", up.process)
    family = descendants(up.process.pid)
    up.process.kill()
    up.process.wait()
    wait_until(lambda: not alive(family), STOP_TIMEOUT, "the orphaned worker to stop")


def test_a_worker_that_cannot_start_stops_up_with_one_line(start) -> None:  # type: ignore[no-untyped-def]
    up = start("up", extra_env={"MATCHMAKER_BROKER_URL": "nosuchtransport://127.0.0.1/"})
    code = up.process.wait(timeout=START_TIMEOUT)
    assert code == 1
    errors = [line for line in up.output().splitlines() if line.startswith("error: ")]
    assert errors == [errors[0]] and "the worker stopped unexpectedly" in errors[0]


def test_serve_and_worker_stop_cleanly_on_sigterm(start) -> None:  # type: ignore[no-untyped-def]
    serve = start("serve")
    worker = start("worker", "--concurrency", "1")
    wait_until(lambda: serve.get("/healthz") == 200, START_TIMEOUT, "serve", serve.process)
    wait_until(lambda: " ready." in worker.output(), START_TIMEOUT, "worker", worker.process)
    family = descendants(worker.process.pid)
    assert serve.stop(signal.SIGTERM) == 0 and "Traceback" not in serve.output()
    assert worker.stop(signal.SIGTERM) == 0 and "Traceback" not in worker.output()
    assert alive(family) == set()


# --------------------------------------------------------------------------- readiness


def test_readiness_reports_an_unreachable_broker_or_database(database_url: str) -> None:
    with tempfile.TemporaryDirectory() as instance:
        closed = free_port()
        cases = {
            "ready": make_app(database_url, instance, CELERY=celery_settings("memory://")),
            "broker": make_app(database_url, instance,
                               CELERY=celery_settings(f"redis://127.0.0.1:{closed}/0")),
            "database": make_app(f"postgresql+psycopg://postgres@127.0.0.1:{closed}/x", instance,
                                 CELERY=celery_settings("memory://")),
        }  # fmt: skip
        for case, app in cases.items():
            client = app.test_client()
            assert client.get("/healthz").status_code == 200  # liveness: always cheap and up
            response = client.get("/readyz")
            body = response.get_json()
            if case == "ready":
                assert response.status_code == 200 and body["status"] == "ready"
            else:
                assert response.status_code == 503 and body[case] == "unreachable", body
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
