"""Faults with real parts: the broker restarted in the middle of a batch, the database's
connections killed under running tasks. Nothing is lost, nothing is doubled and every job
ends in a true state (done, or failed with the reason; never left "running").

The third fault of the series, the mail server down and then back, is covered by
test_invitation_failures.py.
"""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.pool import NullPool

from matchmaker.config import celery_settings
from matchmaker.extensions import db
from matchmaker.models import Meeting
from matchmaker.services import jobs
from tests.conftest import clear_database, make_app
from tests.factories import approve, create_event, create_participant
from tests.workers.booking import assert_no_double_booking, live_meetings
from tests.workers.conftest import (
    RedisServer,
    Worker,
    queue_drained,
    spawn_worker,
    wait_until,
    worker_env,
)
from workers.tasks import book_approved_pair, schedule_event

pytestmark = pytest.mark.slow

#: A small batch: 100 approved pairs, 120 booking tasks (20 duplicates).
OFFICIALS, PARTNERS, DUPLICATES = 10, 10, 20
Pair = tuple[int, int]


def booking_world(app: Flask, officials: int = OFFICIALS, partners: int = PARTNERS):  # type: ignore[no-untyped-def]
    """An event with every pair approved and room for all (a table per official)."""
    with app.app_context():
        event = create_event(days=2, num_tables=officials, default_max_meetings=24)
        governments = [create_participant(event, "government") for _ in range(officials)]
        others = [create_participant(event, "partner") for _ in range(partners)]
        pairs = []
        for g in governments:
            for p in others:
                approve(event, g, p, score=random.Random(g.id * 1000 + p.id).randint(1, 100))
                pairs.append((g.id, p.id))
        db.session.commit()
        return event.id, pairs


def send_bookings(
    app: Flask, event_id: int, pairs: list[Pair], duplicates: int = DUPLICATES
) -> dict[str, Pair]:
    """The batch, duplicates shuffled in: each task's id and its pair."""
    rng = random.Random(11)
    requests = pairs + rng.choices(pairs, k=duplicates)
    rng.shuffle(requests)
    with app.app_context():
        return {book_approved_pair.delay(event_id, g, p).id: (g, p) for g, p in requests}


def booked(app: Flask, event_id: int) -> list[Meeting]:
    return [m for m in live_meetings(app) if m.event_id == event_id]


def assert_each_pair_booked_once(app: Flask, event_id: int, pairs: list[tuple[int, int]]) -> None:
    meetings = booked(app, event_id)
    assert sorted((m.government_id, m.partner_id) for m in meetings) == sorted(pairs)
    assert_no_double_booking(meetings, OFFICIALS)


def tail(worker: Worker) -> str:
    return worker.output()[-6000:]


# -- the broker restarted ------------------------------------------------------------------

#: The log lines of a booking task: its id and what happened.
TASK_LINE = re.compile(r"book_approved_pair\[([0-9a-f-]+)\] (received|succeeded|raised|retry)")
#: kombu (5.7) fails this way when it puts tasks back while the broker is still down.
KOMBU_CRASH = "Unrecoverable error: AttributeError(\"'NoneType' object has no attribute 'hostname'"


class Supervisor:
    """Keeps one worker running, as systemd's Restart=always does: one log per start."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env, self.logs = env, logs
        self.workers: list[Worker] = []
        self.start()

    def start(self) -> None:
        log = self.logs / f"worker-{len(self.workers) + 1}.log"
        worker = spawn_worker(self.env, log, f"w{len(self.workers) + 1}", "prefork", 2)
        self.workers.append(worker)
        worker.wait_ready()

    def keep_alive(self) -> None:
        if self.workers[-1].process.poll() is not None:
            self.start()

    def events(self, worker: Worker) -> dict[str, list[str]]:
        """What each task did in this worker, in order."""
        seen: dict[str, list[str]] = {}
        for task_id, what in TASK_LINE.findall(worker.output()):
            seen.setdefault(task_id, []).append(what)
        return seen

    def finished(self) -> set[str]:
        """Tasks that ended (a retry is received again, so it is not an end)."""
        return {task_id for worker in self.workers
                for task_id, events in self.events(worker).items()
                if {"succeeded", "raised"} & set(events)}  # fmt: skip

    def idle(self, app: Flask) -> bool:
        """The running worker holds no task, running or reserved, by its own answer over the
        broker (no answer counts as busy). Not read from its log: a task it had received
        when the broker stopped may be dropped on reconnecting and never end there."""
        inspect = app.extensions["celery"].control.inspect(timeout=2)
        try:
            active, reserved = inspect.active(), inspect.reserved()
        except Exception:  # the broker is not back yet
            return False
        if not active or reserved is None:
            return False
        return not any(active.values()) and not any(reserved.values())

    def output(self) -> str:
        return "\n".join(worker.output() for worker in self.workers)

    def stop(self) -> None:
        for worker in self.workers:
            worker.stop()


def test_a_broker_restarted_mid_batch_loses_and_doubles_nothing(
    database_url: str, own_redis: RedisServer, task_queue: str, tmp_path: Path
) -> None:
    """The queue survives the restart (append-only file) and the worker carries on; a task
    taken but not acknowledged comes back after the visibility timeout.

    Two things kombu's Redis transport (5.7) does not guarantee, seen about once in ten
    restarts each: the worker may die while putting its tasks back with the broker still
    down (a supervisor starts it again; nothing is lost), and a task popped from the queue
    at the very moment the broker stops is lost (kombu pops with BRPOP and records the task
    as unacknowledged with a second command), and so may be a task the worker had received
    but not started, which it drops when it reconnects. Such a task's pair is what the organiser sees
    as approved and unbooked; booking it again books it once. The test allows at most that
    one task, and only with its pair left unbooked.
    """
    instance = tmp_path / "instance"
    app = make_app(database_url, instance, CELERY=celery_settings(own_redis.url, queue=task_queue))
    # A task taken but not acknowledged when the connection drops comes back from the
    # server's unacked list after the visibility timeout: keep it short here.
    env = worker_env(database_url, own_redis.url, task_queue, instance,
                     MATCHMAKER_BROKER_VISIBILITY_TIMEOUT="10")  # fmt: skip
    supervisor = Supervisor(env, tmp_path)
    try:
        event_id, pairs = booking_world(app)
        sent = send_bookings(app, event_id, pairs)
        wait_until(lambda: len(booked(app, event_id)) >= 5, 60, "the first bookings")
        own_redis.stop()
        booked_while_down = len(booked(app, event_id))
        own_redis.start()  # the same port and directory: the queued tasks are read back
        assert booked_while_down < len(pairs), "the restart came after the batch"

        def settled() -> bool:
            supervisor.keep_alive()
            return queue_drained(own_redis.url, task_queue) and supervisor.idle(app)

        try:
            wait_until(settled, 90, "every task to be done or lost")
        except AssertionError as timeout:
            state = f"{len(booked(app, event_id))} booked, {broker_state(own_redis, task_queue)}"
            raise AssertionError(f"{timeout}: {state}\n{supervisor.output()[-6000:]}") from None

        first = supervisor.workers[0].output()
        assert "Connection to broker lost" in first, first[-6000:]
        # The log hides the (empty) password: redis://:**@127.0.0.1:port/0
        connected = re.findall(rf"Connected to redis://\S*127\.0\.0\.1:{own_redis.port}/0", first)
        reconnected = len(connected) >= 2
        assert reconnected or (KOMBU_CRASH in first and len(supervisor.workers) == 2), first[-6000:]
        assert "raised unexpected" not in supervisor.output(), supervisor.output()[-6000:]

        lost = set(sent) - supervisor.finished()
        unbooked = set(pairs) - {(m.government_id, m.partner_id) for m in booked(app, event_id)}
        assert len(lost) <= 1 and unbooked <= {sent[task_id] for task_id in lost}, (lost, unbooked)
        if unbooked:  # what "book the unbooked pairs" does for the organiser
            send_bookings(app, event_id, sorted(unbooked), duplicates=0)
            wait_until(lambda: len(booked(app, event_id)) == len(pairs), 60, "the lost pair")
            wait_until(settled, 60, "the queue to drain")
        assert_each_pair_booked_once(app, event_id, pairs)
        print(f"restart: {len(supervisor.workers) - 1} worker restarts, lost tasks {lost}")
    finally:
        supervisor.stop()
        clear_database(app)


def broker_state(server: RedisServer, queue: str) -> str:
    """What the broker holds for the queue: waiting and unacknowledged messages."""
    import redis

    client = redis.Redis(port=server.port)
    unacked = [json.loads(value)[2] for value in client.hvals("unacked")]
    return f"{client.llen(queue)} waiting, {unacked.count(queue)} unacknowledged"


# -- the database's connections killed -------------------------------------------------------


class ConnectionKiller:
    """Kills every other connection to the test database, as a failover or a restarted
    PostgreSQL would, at a moment a worker is inside a transaction."""

    def __init__(self, database_url: str) -> None:
        self.engine = sa.create_engine(database_url, poolclass=NullPool,
                                       isolation_level="AUTOCOMMIT")  # fmt: skip
        self.holder = sa.create_engine(database_url, poolclass=NullPool)

    def count(self, condition: str) -> int:
        """Other connections to the database meeting ``condition`` (SQL on pg_stat_activity);
        the heartbeats' short writes never count."""
        query = f"""SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
                    AND pid <> pg_backend_pid() AND query NOT ILIKE '%worker_heartbeat%'
                    AND {condition}"""
        with self.engine.connect() as conn:
            return int(conn.execute(sa.text(query)).scalar_one())

    def kill(self, spare: int = 0) -> int:
        """Terminate every other connection (but ``spare``'s): the test's query."""
        query = """SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
                   WHERE datname = current_database() AND pid <> pg_backend_pid()
                   AND pid <> :spare"""
        with self.engine.connect() as conn:
            return int(conn.execute(sa.text(query), {"spare": spare}).scalar_one())

    def kill_mid_transaction(self, timeout: float = 10) -> int:
        """Kill as soon as a worker is inside a transaction (the test's own connections are
        idle between its polls)."""
        deadline = time.monotonic() + timeout
        while not self.count("xact_start IS NOT NULL") and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.kill()

    @contextmanager
    def holding_event(self, event_id: int) -> Iterator[int]:
        """Hold the event's row (FOR UPDATE): a task adding a meeting to the event waits for
        it, inside its transaction (the foreign key's check). Yields the holder's pid."""
        with self.holder.connect() as conn:
            query = "SELECT pg_backend_pid() FROM event WHERE id = :id FOR UPDATE"
            pid = int(conn.execute(sa.text(query), {"id": event_id}).scalar_one())
            try:
                yield pid
            finally:
                conn.rollback()

    def close(self) -> None:
        self.engine.dispose()
        self.holder.dispose()


def retried_after_connection_loss(output: str, task_name: str) -> bool:
    """The worker log shows the task retried for an OperationalError."""
    return any(
        task_name in line and "Retry in" in line and "OperationalError" in line
        for line in output.splitlines()
    )


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_killed_database_connections_mid_batch_lose_and_double_nothing(
    worker_app: Flask, start_worker, broker_url: str, task_queue: str, database_url: str
) -> None:
    event_id, pairs = booking_world(worker_app)
    worker = start_worker("w1", concurrency=2, pool="prefork")
    killer = ConnectionKiller(database_url)
    try:
        send_bookings(worker_app, event_id, pairs)
        for threshold in (10, 40, 70):  # three times during the batch

            def reached(threshold: int = threshold) -> bool:
                return len(booked(worker_app, event_id)) >= threshold

            wait_until(reached, 90, f"{threshold} bookings")
            killer.kill_mid_transaction()
        try:
            wait_until(lambda: len(booked(worker_app, event_id)) >= len(pairs), 120, "every pair")
            wait_until(lambda: queue_drained(broker_url, task_queue), 90, "the queue to drain")
        except AssertionError as timeout:
            raise AssertionError(f"{timeout}\n{tail(worker)}") from None
    finally:
        killer.close()
    output = worker.output()
    assert retried_after_connection_loss(output, "book_approved_pair"), tail(worker)
    assert "raised unexpected" not in output, tail(worker)
    time.sleep(1)  # a duplicate still running would show a second meeting now
    assert_each_pair_booked_once(worker_app, event_id, pairs)


#: The event to schedule: 864 approved pairs, a schedule drafted in a second or two.
SCHEDULE_OFFICIALS, SCHEDULE_PARTNERS = 24, 36


def scheduling_world(app: Flask) -> tuple[int, int]:
    """A mid-size event to schedule, every pair approved, and its job."""
    with app.app_context():
        event = create_event(days=2, num_tables=SCHEDULE_OFFICIALS)
        governments = [create_participant(event, "government") for _ in range(SCHEDULE_OFFICIALS)]
        partners = [create_participant(event, "partner") for _ in range(SCHEDULE_PARTNERS)]
        for g in governments:
            for p in partners:
                approve(event, g, p, score=random.Random(g.id * 977 + p.id).randint(1, 100))
        job = jobs.create_job("schedule", event.id)
        db.session.commit()
        return event.id, job.id


def job_state(app: Flask, job_id: int) -> tuple[str, str]:
    with app.app_context():
        job = jobs.get_job(job_id)
        assert job is not None
        return job.state, job.message


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_schedule_job_ends_right_when_its_connection_is_killed(
    worker_app: Flask, start_worker, database_url: str
) -> None:
    """Killed in the middle of drafting, the job is retried and done; killed so on its last
    attempt, it is failed with the reason. Never left "running"; no draft half-written."""
    retried_event, retried_job = scheduling_world(worker_app)
    last_event, last_job = scheduling_world(worker_app)
    worker = start_worker("w1")
    killer = ConnectionKiller(database_url)

    def kill_while_drafting(event_id: int, job_id: int, **options: int) -> None:
        with killer.holding_event(event_id) as holder:
            schedule_event.apply_async((job_id, event_id), **options)
            # The draft's first meeting waits for the event's row: the job is mid-run.
            wait_until(lambda: killer.count("wait_event_type = 'Lock'") > 0, 60, "the draft")
            assert job_state(worker_app, job_id)[0] == "running"
            assert killer.kill(spare=holder) >= 1

    ended = ("done", "failed")
    try:
        kill_while_drafting(retried_event, retried_job)
        wait_until(lambda: job_state(worker_app, retried_job)[0] in ended, 120, "the retry")
        # On its last attempt (as after ten retries), the same loss ends the job as failed.
        kill_while_drafting(last_event, last_job, retries=schedule_event.max_retries)
        wait_until(lambda: job_state(worker_app, last_job)[0] in ended, 60, "the last attempt")
    finally:
        killer.close()
    assert job_state(worker_app, retried_job)[0] == "done", tail(worker)
    assert retried_after_connection_loss(worker.output(), "schedule_event"), tail(worker)
    state, message = job_state(worker_app, last_job)
    assert state == "failed" and "OperationalError" in message, (state, message, tail(worker))

    with worker_app.app_context():
        retried = [m for m in live_meetings(worker_app) if m.event_id == retried_event]
        assert len(retried) == jobs.get_job(retried_job).result["meetings"] > 0
        assert_no_double_booking(retried, SCHEDULE_OFFICIALS)
    assert not [m for m in live_meetings(worker_app) if m.event_id == last_event]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)  # an admin's kill
def test_a_session_whose_connection_was_killed_after_the_work_ends_quietly(app: Flask) -> None:
    """A task's last read began a transaction; the database then killed the connection.
    Ending the session cannot roll back on it: the connection is dropped instead of failing
    a task whose work is saved, and the next task gets a fresh one."""
    from workers.celery_app import release_session

    with app.app_context():
        pid = db.session.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
        killer = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"], poolclass=NullPool,
                                  isolation_level="AUTOCOMMIT")  # fmt: skip
        with killer.connect() as conn:
            assert conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
        killer.dispose()
        release_session()  # raised OperationalError before
        assert db.session.execute(sa.text("SELECT 1")).scalar_one() == 1
