"""Commands that run the product: demo, serve, worker, up."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade

from matchmaker.cli import cli, enqueue_quietly
from matchmaker.extensions import db
from matchmaker.services import demo, matching

DEFAULT_DEMO_PASSWORD = "demo-2026"  # printed to the user; demo accounts only


@cli.command("demo")
@with_appcontext
def demo_command() -> None:
    """Load the demo event (once) and print how to log in."""
    _load_demo_and_print()


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
def serve_command(host: str, port: int, threads: int) -> None:
    """Serve the web app (waitress, a production WSGI server)."""
    _serve(host, port, threads)


@cli.command("worker", context_settings={"ignore_unknown_options": True})
@click.argument("celery_args", nargs=-1, type=click.UNPROCESSED)
def worker_command(celery_args: tuple[str, ...]) -> None:
    """Run a Celery worker (extra arguments go to `celery worker`)."""
    os.execv(sys.executable, [sys.executable, *_worker_argv(celery_args)])


@cli.command("up")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@with_appcontext
def up_command(host: str, port: int) -> None:
    """Migrate, load the demo, start a worker and serve: the whole product at once."""
    upgrade(directory=current_app.extensions["migrate"].directory)
    _load_demo_and_print(url=f"http://{host}:{port}/")
    worker = subprocess.Popen([sys.executable, *_worker_argv(("--concurrency", "2"))])
    try:
        _serve(host, port, threads=8)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)


def _worker_argv(extra: tuple[str, ...]) -> list[str]:
    return ["-m", "celery", "-A", "workers", "worker", "--loglevel", "INFO", *extra]


def _serve(host: str, port: int, threads: int) -> None:
    from waitress import serve

    from matchmaker.app import create_app

    click.echo(f"serving on http://{host}:{port}/")
    serve(create_app(), host=host, port=port, threads=threads)


def _load_demo_and_print(url: str | None = None) -> None:
    password = os.environ.get("MATCHMAKER_PASSWORD") or DEFAULT_DEMO_PASSWORD
    event, logins = demo.load_demo(password)
    db.session.commit()
    if matching.recompute_is_due(event):
        enqueue_quietly("recompute_suggestions", event.id)
        click.echo("suggestions are being computed by the worker")
    click.echo(f"demo event {event.id}: {event.name}")
    if url:
        click.echo(f"open {url}")
    for login in logins:
        click.echo(f"  {login.role:<10} {login.email}  password: {password}")
