"""The real stack on loopback for the load benchmark: a PostgreSQL database and a Redis
database index of its own, a Celery worker and `matchmaker serve` processes.

Everything is configured the way a deployment is, through MATCHMAKER_* variables, and
everything started here is stopped (and the database dropped) by ``close``.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import redis
import sqlalchemy as sa

REPO = Path(__file__).resolve().parent.parent
MATCHMAKER = Path(sys.executable).parent / "matchmaker"
#: Seconds a process gets to stop after SIGTERM before its process group is killed.
STOP_SECONDS = 30


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Stack:
    """One benchmark run's servers and processes; ``close`` undoes everything."""

    def __init__(self, postgres_admin_url: str, redis_url: str) -> None:
        run_id = secrets.token_hex(6)
        self.admin_url = postgres_admin_url
        self.database = f"matchmaker_load_{run_id}"
        self.database_url = (
            sa.make_url(postgres_admin_url).set(database=self.database).render_as_string(False)
        )
        self.redis_url = redis_url
        self.folder = Path(tempfile.mkdtemp(prefix="matchmaker-load-"))
        self.processes: list[tuple[str, subprocess.Popen[bytes]]] = []
        self.database_created = False
        models = REPO / "instance" / "models"  # the bundled model, if built already
        self.env = {
            **os.environ,
            "MATCHMAKER_DATABASE_URL": self.database_url,
            "MATCHMAKER_BROKER_URL": redis_url,
            # One secret for every web process: a session cookie signed by one is read by all.
            "MATCHMAKER_SECRET_KEY": secrets.token_hex(32),
            "MATCHMAKER_INSTANCE_PATH": str(self.folder / "instance"),
            "MATCHMAKER_MODEL_DIR": str(models if models.exists() else self.folder / "models"),
            "MATCHMAKER_TASK_QUEUE": f"loadbench-{run_id}",
        }
        for variable in ("MATCHMAKER_SMTP_URL", "MATCHMAKER_TASKS_EAGER"):
            self.env.pop(variable, None)  # no mail leaves; tasks go to the real worker

    # ------------------------------------------------------------------ servers' state

    def create_database(self) -> None:
        admin = sa.create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{self.database}"'))
        admin.dispose()
        self.database_created = True

    def drop_database(self) -> None:
        if not self.database_created:
            return
        admin = sa.create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)'))
        admin.dispose()
        self.database_created = False

    def vacuum_analyze(self) -> None:
        """What autovacuum would have done minutes after the import on a deployment: planner
        statistics and no dead rows. Without it (autovacuum is off on some servers, and a
        run is shorter than its delay) the planner takes the freshly loaded tables for
        empty and picks nested loops that cost some pages tens of milliseconds a request."""
        engine = sa.create_engine(self.database_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))
        engine.dispose()

    def flush_redis(self) -> None:
        client = redis.Redis.from_url(self.redis_url)
        client.flushdb()
        client.close()

    # ------------------------------------------------------------------ processes

    def run(self, *args: str, extra_env: dict[str, str] | None = None) -> str:
        """A `matchmaker` command; its output, or SystemExit with its output on failure."""
        started = time.perf_counter()
        done = subprocess.run(
            [str(MATCHMAKER), *args],
            cwd=REPO,
            env={**self.env, **(extra_env or {})},
            capture_output=True,
            text=True,
        )
        seconds = time.perf_counter() - started
        print(f"  matchmaker {' '.join(args)}  ({seconds:.1f} s)", flush=True)
        if done.returncode != 0:
            raise SystemExit(f"`matchmaker {' '.join(args)}` failed:\n{done.stdout}{done.stderr}")
        return done.stdout

    def start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        """A long-running `matchmaker` command in a session of its own (so a Ctrl-C in the
        terminal reaches only this script, which stops it in order), logging to a file."""
        log = open(self.folder / f"{name}.log", "wb")  # noqa: SIM115 - kept open while it runs
        process = subprocess.Popen(
            [str(MATCHMAKER), *args],
            cwd=REPO,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()  # the child holds its own copy
        self.processes.append((name, process))
        return process

    def start_worker(self) -> None:
        self.start(
            "worker",
            "worker",
            "--concurrency",
            "1",
            "--loglevel",
            "WARNING",
            "--hostname",
            f"{self.env['MATCHMAKER_TASK_QUEUE']}@%h",
        )

    def start_server(self, port: int) -> None:
        self.start(f"serve-{port}", "serve", "--port", str(port))
        wait_until_healthy(port, self.processes[-1][1], self.folder / f"serve-{port}.log")

    def stop(self, name_prefix: str = "") -> None:
        """Stop the processes whose name starts with ``name_prefix`` (all by default), newest
        first: SIGTERM lets them finish, then their process group is killed."""
        chosen = [(n, p) for n, p in self.processes if n.startswith(name_prefix)]
        for _name, process in reversed(chosen):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for name, process in reversed(chosen):
            try:
                process.wait(STOP_SECONDS)
            except subprocess.TimeoutExpired:
                print(f"  {name} did not stop in {STOP_SECONDS} s: killing it", flush=True)
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            self.processes.remove((name, process))

    def close(self) -> None:
        """Stop every process, drop the database, empty the Redis index, remove the files."""
        try:
            self.stop()
        finally:
            try:
                self.drop_database()
                self.flush_redis()
            finally:
                shutil.rmtree(self.folder, ignore_errors=True)


def wait_until_healthy(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server on port {port} exited:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as reply:
                if reply.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"the server on port {port} did not answer /healthz within 120 s")
