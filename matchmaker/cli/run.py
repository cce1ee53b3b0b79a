"""Commands that run the product: demo, serve, worker, beat, up."""

from __future__ import annotations

import ctypes
import errno
import gc
import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade

from matchmaker.cli.base import cli, fail, report_unsent
from matchmaker.extensions import db
from matchmaker.services import demo, matching

DEFAULT_DEMO_PASSWORD = "demo-2026"  # printed to the user; demo accounts only
PORT = click.IntRange(1, 65535)


@cli.command("demo")
@with_appcontext
def demo_command() -> None:
    """Load the demo event (once) and print how to log in."""
    _load_demo_and_print()


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=PORT)
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 1000))
def serve_command(host: str, port: int, threads: int) -> None:
    """Serve the web app (waitress, a production WSGI server)."""
    _serve(_listen(host, port, threads), host, port)


@cli.command("worker", context_settings={"ignore_unknown_options": True})
@click.argument("celery_args", nargs=-1, type=click.UNPROCESSED)
def worker_command(celery_args: tuple[str, ...]) -> None:
    """Run a Celery worker (extra arguments go to `celery worker`)."""
    os.execv(sys.executable, [sys.executable, *_worker_argv(celery_args)])


@cli.command("beat", context_settings={"ignore_unknown_options": True})
@click.argument("celery_args", nargs=-1, type=click.UNPROCESSED)
@with_appcontext
def beat_command(celery_args: tuple[str, ...]) -> None:
    """Run Celery beat, which sends the periodic tasks: exactly one per deployment (extra
    arguments go to `celery beat`)."""
    schedule = current_app.config["CELERY"]["beat_schedule_filename"]
    argv = ["-m", "celery", "-A", "workers", "beat", "--loglevel", "INFO", "--schedule", schedule]
    os.execv(sys.executable, [sys.executable, *argv, *celery_args])


@cli.command("up")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=PORT)
@with_appcontext
def up_command(host: str, port: int) -> None:
    """Migrate, load the demo, start a worker and serve: the whole product at once.

    SIGTERM, SIGINT or SIGHUP stop it in order: the server finishes its requests, the worker
    finishes its task (warm shutdown, at most WORKER_STOP_SECONDS) and nothing outlives it.
    """
    server = _listen(host, port, threads=8)  # first: a taken port stops here, nothing started
    upgrade(directory=current_app.extensions["migrate"].directory)
    _load_demo_and_print(url=f"http://{host}:{port}/")
    # The worker runs the beat too (-B): `up` is one machine's whole product.
    schedule = current_app.config["CELERY"]["beat_schedule_filename"]
    worker = WorkerProcess.start(("--concurrency", "2", "-B", "--schedule", schedule))
    try:
        _serve(server, host, port, on_stop=worker.begin_stop)
    finally:
        worker.stop()
    if worker.failed:
        fail(f"the worker stopped unexpectedly (exit status {worker.returncode}); "
             "see its messages above")  # fmt: skip


#: Signals a process manager (systemd, Docker, a terminal) sends to ask for a clean stop.
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
#: How long a worker may take to finish its task after being asked to stop (warm shutdown)
#: before it is killed; an unfinished task goes back to the broker (acks_late).
WORKER_STOP_SECONDS = 90


class StopRequested(SystemExit):
    """A stop signal arrived: waitress ends its loop on SystemExit and lets requests finish."""


def _stop_on_signals(on_stop: Callable[[], None] | None = None) -> None:
    """The first stop signal ends the server loop; later ones are ignored while stopping."""

    def handle(signum: int, _frame: object) -> None:
        for stop_signal in STOP_SIGNALS:
            signal.signal(stop_signal, signal.SIG_IGN)
        if on_stop is not None:
            on_stop()
        raise StopRequested(0)

    for stop_signal in STOP_SIGNALS:
        signal.signal(stop_signal, handle)


def _die_with_parent() -> None:
    """In the worker, before exec: the kernel sends it SIGTERM if `up` dies without stopping
    it (SIGKILL, a crash), so no worker is ever left orphaned on the broker."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


PR_SET_PDEATHSIG = 1


@dataclass
class WorkerProcess:
    """The Celery worker `up` runs beside its web server."""

    process: subprocess.Popen[bytes]
    stopping: bool = False
    failed: bool = False

    @classmethod
    def start(cls, extra: tuple[str, ...]) -> WorkerProcess:
        linux = sys.platform.startswith("linux")
        process = subprocess.Popen([sys.executable, *_worker_argv(extra)],
                                   preexec_fn=_die_with_parent if linux else None)  # fmt: skip
        worker = cls(process)
        threading.Thread(target=worker._watch, name="worker-watch", daemon=True).start()
        return worker

    @property
    def returncode(self) -> int | None:
        return self.process.returncode

    def begin_stop(self) -> None:
        """Ask the worker to finish its task and stop, while the server finishes too."""
        if not self.stopping:
            self.stopping = True
            if self.process.poll() is None:
                self.process.send_signal(signal.SIGTERM)

    def stop(self) -> None:
        """Stop the worker and wait for it: warm shutdown, then kill after the bound."""
        self.begin_stop()
        try:
            self.process.wait(timeout=WORKER_STOP_SECONDS)
        except subprocess.TimeoutExpired:
            click.echo("the worker did not stop in time: killed; its task goes back to the "
                       "queue", err=True)  # fmt: skip
            self.process.kill()
            self.process.wait()

    def _watch(self) -> None:
        """A worker that ends on its own (it could not start, or crashed) stops `up` too."""
        self.process.wait()
        if not self.stopping:
            self.failed = True
            os.kill(os.getpid(), signal.SIGTERM)


def _worker_argv(extra: tuple[str, ...]) -> list[str]:
    return ["-m", "celery", "-A", "workers", "worker", "--loglevel", "INFO", *extra]


def _listen(host: str, port: int, threads: int) -> Any:
    """The web server (waitress), already listening on host:port but not yet serving; when
    the address cannot be used, one line on stderr and exit status 1."""
    from waitress.server import create_server

    from matchmaker.app import create_app

    app = create_app()
    # What start-up loaded lives as long as the process: frozen, the cyclic collector stops
    # walking it on every full pass (a few percent of each request's time).
    gc.collect()
    gc.freeze()
    if not app.config["BASE_URL"]:
        app.config["BASE_URL"] = listening_address(host, port)
    if not app.config["BASE_URL"]:
        click.echo("warning: MATCHMAKER_BASE_URL is not set and the server listens on every "
                   "address: links in mail and invitations cannot be built until it is set",
                   err=True)  # fmt: skip
    try:
        return create_server(app, host=host, port=port, threads=threads)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            fail(f"port {port} on {host} is already in use; choose another with --port")
        fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}")
    except ValueError as exc:  # waitress's word for a host name that does not resolve
        fail(f"cannot listen on {host}:{port}: {exc}")


def _serve(server: Any, host: str, port: int, on_stop: Callable[[], None] | None = None) -> None:
    """Serve until a stop signal: waitress then stops accepting, lets the requests in flight
    finish (up to its own few seconds) and returns."""
    logging.basicConfig()
    _stop_on_signals(on_stop)
    click.echo(f"serving on http://{host}:{port}/")
    server.run()
    click.echo("stopped")


def listening_address(host: str, port: int) -> str:
    """The public address when none is configured: where this server listens, when that is
    one address (never the Host header of a request, which anyone can forge)."""
    if host in ("", "0.0.0.0", "::", "[::]", "*"):
        return ""
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def _load_demo_and_print(url: str | None = None) -> None:
    password = os.environ.get("MATCHMAKER_PASSWORD") or DEFAULT_DEMO_PASSWORD
    event, logins = demo.load_demo(password)  # asks for suggestions while they are due
    db.session.commit()
    report_unsent()
    if matching.recompute_is_due(event):
        click.echo("suggestions are being computed by the worker")
    click.echo(f"demo event {event.id}: {event.name}")
    if url:
        click.echo(f"open {url}")
    for login in logins:
        click.echo(f"  {login.role:<10} {login.email}  password: {password}")
