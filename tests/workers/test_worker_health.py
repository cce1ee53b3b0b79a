"""Worker health: real workers write heartbeats and remove them on a clean stop; the pages
count live workers and waiting tasks (on Redis and on the embedded broker) and say plainly
when nothing will pick up the work they queue."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import Flask
from flask.testing import FlaskClient

from matchmaker.config import celery_settings
from matchmaker.extensions import db
from matchmaker.models import Event, Job, WorkerHeartbeat
from matchmaker.orm import as_utc, utcnow
from matchmaker.services import jobs, worker_health
from tests.conftest import clear_database, make_app
from tests.web.organiser_world import login_organiser, post, seed
from tests.workers.conftest import Worker, free_port, wait_until

NO_WORKER = "Ningún trabajador está activo"


def heartbeats(app: Flask) -> list[WorkerHeartbeat]:
    with app.app_context():
        rows = list(db.session.execute(db.select(WorkerHeartbeat)).scalars())
        db.session.expunge_all()
        return rows


def add_heartbeat(hostname: str, age: float = 0.0, queue: str = "celery") -> None:
    """A worker's row as a worker writes it, last heard from ``age`` seconds ago."""
    seen = utcnow() - timedelta(seconds=age)
    db.session.add(WorkerHeartbeat(hostname=hostname, queue=queue, pid=4321, started_at=seen,
                                   last_seen_at=seen))  # fmt: skip
    db.session.commit()


# Real workers -----------------------------------------------------------------------------


def test_a_worker_beats_while_it_runs_and_removes_its_row_when_stopped(
    worker_app: Flask, start_worker: Callable[..., Worker], task_queue: str
) -> None:
    # The prefork pool: the heartbeat runs in the main process only, never in its children.
    worker = start_worker("w1", concurrency=2, pool="prefork")
    wait_until(lambda: len(heartbeats(worker_app)) == 1, 30, "the worker's first heartbeat")
    first = heartbeats(worker_app)[0]
    assert first.hostname.startswith("w1@") and first.queue == task_queue
    assert first.pid == worker.process.pid  # the main process, not a pool child
    with worker_app.app_context():
        assert [w.hostname for w in worker_health.list_alive_workers()] == [first.hostname]

    def beat_again() -> bool:
        rows = heartbeats(worker_app)
        return len(rows) == 1 and as_utc(rows[0].last_seen_at) > as_utc(first.last_seen_at)

    wait_until(beat_again, worker_health.BEAT_INTERVAL + 10, "a second heartbeat")
    # A warm shutdown, asked of the main process as a supervisor does (SIGTERM to the whole
    # group can kill a pool child holding the pool's queue lock, and billiard then hangs).
    os.kill(worker.process.pid, signal.SIGTERM)
    assert worker.process.wait(timeout=60) == 0, worker.output()[-3000:]
    assert heartbeats(worker_app) == []
    with worker_app.app_context():
        assert worker_health.list_alive_workers() == []


def test_a_killed_worker_stops_counting_once_its_heartbeat_is_old(
    worker_app: Flask, start_worker: Callable[..., Worker]
) -> None:
    worker = start_worker("w1")
    wait_until(lambda: len(heartbeats(worker_app)) == 1, 30, "the worker's first heartbeat")
    worker.kill()  # no clean stop: the row stays behind
    (row,) = heartbeats(worker_app)
    with worker_app.app_context():
        assert len(worker_health.list_alive_workers()) == 1
        later = as_utc(row.last_seen_at) + worker_health.ALIVE_WITHIN + timedelta(seconds=1)
        assert worker_health.list_alive_workers(now=later) == []


# Waiting tasks on each broker ----------------------------------------------------------------


def test_waiting_tasks_are_counted_on_the_broker_with_no_worker(
    worker_app: Flask, task_queue: str
) -> None:
    celery, other_queue = worker_app.extensions["celery"], f"{task_queue}-other"
    try:
        with worker_app.app_context():
            assert worker_health.count_waiting_tasks() == 0  # nothing sent yet
            for event_id in (1, 2, 3):
                celery.send_task("workers.tasks.recompute_event_stats", args=(event_id,))
            # Another deployment's queue on the same broker is not ours to count.
            celery.send_task("workers.tasks.recompute_event_stats", args=(4,), queue=other_queue)
            assert worker_health.count_waiting_tasks() == 3
            assert worker_health.worker_status() == worker_health.WorkerStatus(alive=0, waiting=3)
    finally:
        if celery.conf.broker_url.startswith("redis"):
            import redis

            redis.Redis.from_url(celery.conf.broker_url).delete(other_queue)


def test_the_overview_says_how_many_tasks_wait_with_no_worker_to_take_them(
    worker_app: Flask,
) -> None:
    seed(worker_app)
    client = worker_app.test_client()
    login_organiser(client)
    with worker_app.app_context():
        worker_app.extensions["celery"].send_task("workers.tasks.recompute_event_stats", args=(1,))
    page = client.get("/organiser/").get_data(as_text=True)
    assert NO_WORKER in page and "1 tarea en espera" in page


@pytest.mark.parametrize("broker", ["redis", "embedded"])
def test_an_unreachable_broker_is_said_quickly_and_never_hangs_a_page(
    database_url: str, tmp_path: Path, broker: str
) -> None:
    if broker == "redis":
        url = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    else:
        url = f"sqla+sqlite:///{tmp_path / 'no-such-folder' / 'broker.db'}"
    app = make_app(database_url, tmp_path / "instance", CELERY=celery_settings(url))
    try:
        seed(app)
        client = app.test_client()
        login_organiser(client)
        started = time.monotonic()
        with app.app_context():
            assert worker_health.count_waiting_tasks() is None
        page = client.get("/organiser/").get_data(as_text=True)
        assert time.monotonic() - started < 3 * worker_health.BROKER_TIMEOUT + 2
        assert "No se puede acceder a la cola de tareas." in page and NO_WORKER in page
    finally:
        clear_database(app)


# The service, on each database ---------------------------------------------------------------


def test_only_fresh_heartbeats_of_our_queue_count_as_alive(app_ctx: Flask) -> None:
    add_heartbeat("fresh@host", age=1)
    add_heartbeat("quiet@host", age=25)
    add_heartbeat("stale@host", age=31)
    add_heartbeat("elsewhere@host", age=1, queue="another-deployment")
    add_heartbeat("both@host", age=1, queue="another-deployment,celery")
    alive = [w.hostname for w in worker_health.list_alive_workers()]
    assert alive == ["both@host", "fresh@host", "quiet@host"]
    assert worker_health.list_alive_workers(now=utcnow() + timedelta(minutes=1)) == []


def test_heartbeats_are_one_row_per_worker_upserted_and_removed(app_ctx: Flask) -> None:
    add_heartbeat("gone@host", age=2 * 24 * 3600)  # a worker killed the day before yesterday
    with db.engine.begin() as conn:
        worker_health.record_heartbeat(conn, "w1@host", "celery", 100, starting=True)
    first = db.session.execute(
        db.select(WorkerHeartbeat).where(WorkerHeartbeat.hostname == "w1@host")
    ).scalar_one()
    started, seen = as_utc(first.started_at), as_utc(first.last_seen_at)
    db.session.rollback()
    with db.engine.begin() as conn:
        worker_health.record_heartbeat(conn, "w1@host", "celery", 100)
    rows = list(db.session.execute(db.select(WorkerHeartbeat)).scalars())
    # Starting forgot the long-silent worker; the second beat updated the same row.
    assert [r.hostname for r in rows] == ["w1@host"]
    assert as_utc(rows[0].started_at) == started and as_utc(rows[0].last_seen_at) >= seen
    db.session.rollback()
    with db.engine.begin() as conn:
        worker_health.remove_heartbeat(conn, "w1@host")
    assert db.session.execute(db.select(WorkerHeartbeat)).first() is None


def test_pages_ask_the_broker_for_waiting_tasks_at_most_once_in_two_seconds(
    app_ctx: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[float] = []
    clock = [1000.0]
    monkeypatch.setattr(worker_health, "count_waiting_tasks", lambda: asked.append(1) or len(asked))
    monkeypatch.setattr(worker_health, "time", SimpleNamespace(monotonic=lambda: clock[0]))
    assert worker_health.worker_status(waiting_fresh_for=2.0).waiting == 1
    clock[0] += 1.9
    assert worker_health.worker_status(waiting_fresh_for=2.0).waiting == 1  # kept
    clock[0] += 0.2
    assert worker_health.worker_status(waiting_fresh_for=2.0).waiting == 2  # asked again
    assert worker_health.worker_status().waiting == 3  # the service itself always asks


# The pages that queue work ---------------------------------------------------------------


def test_the_overview_shows_the_warning_without_a_worker_and_the_count_with_one(
    app: Flask, client: FlaskClient
) -> None:
    seed(app)
    login_organiser(client)
    page = client.get("/organiser/").get_data(as_text=True)
    assert NO_WORKER in page and "<code>matchmaker worker</code>" in page
    assert "0 tareas en espera" in page
    with app.app_context():
        add_heartbeat("stale@host", age=45)
    assert NO_WORKER in client.get("/organiser/").get_data(as_text=True)
    with app.app_context():
        add_heartbeat("w1@host", age=2)
    page = client.get("/organiser/").get_data(as_text=True)
    assert NO_WORKER not in page
    assert "Trabajadores: 1 activo · 0 tareas en espera" in page
    with app.app_context():
        add_heartbeat("w2@host", age=2)
    assert "Trabajadores: 2 activos" in client.get("/organiser/").get_data(as_text=True)
    english = client.get("/organiser/", headers={"Accept-Language": "en"})
    assert "Workers: 2 active · 0 tasks waiting" in english.get_data(as_text=True)


def test_pages_that_queue_work_warn_when_no_worker_is_alive(
    app: Flask, client: FlaskClient
) -> None:
    data = seed(app)
    login_organiser(client)
    with app.app_context():
        job_id = jobs.create_job("schedule", data.event_id).id
        db.session.commit()
    pages = ["/organiser/schedule", f"/organiser/jobs/{job_id}"]
    for path in pages:
        assert NO_WORKER in client.get(path).get_data(as_text=True), path
    # The match list warns only while a recomputation waits for a worker.
    assert NO_WORKER not in client.get("/organiser/matches").get_data(as_text=True)
    post(client, "/organiser/matches/recompute", {}, "/organiser/matches")
    with app.app_context():
        assert db.session.get_one(Event, data.event_id).suggestions_requested_at is not None
    assert NO_WORKER in client.get("/organiser/matches").get_data(as_text=True)
    # A finished job waits for nobody.
    with app.app_context():
        jobs.finish_job(db.session.get_one(Job, job_id), {}, "scheduled", meetings=0)
        db.session.commit()
    assert NO_WORKER not in client.get(f"/organiser/jobs/{job_id}").get_data(as_text=True)
    # With a worker alive, no page warns.
    with app.app_context():
        add_heartbeat("w1@host")
    for path in [*pages, "/organiser/matches"]:
        assert NO_WORKER not in client.get(path).get_data(as_text=True), path


def test_the_command_line_says_at_once_when_no_worker_will_take_its_job(
    app_ctx: Flask, capsys: pytest.CaptureFixture[str]
) -> None:
    from matchmaker.cli.scheduling import _follow

    job_id = jobs.create_job("schedule", None).id
    db.session.commit()
    with pytest.raises(SystemExit):
        _follow(job_id, timeout=0.4)
    assert "no worker is running: the job waits until one starts" in capsys.readouterr().err
    add_heartbeat("w1@host")
    with pytest.raises(SystemExit):
        _follow(job_id, timeout=0.4)
    assert "no worker is running" not in capsys.readouterr().err
