"""Periodic work on Celery beat: request expiry, meeting reminders, mail retries, the sweep of
due work and the clean-up of old jobs. Each task's function runs directly on both databases
(tasks it sends go to an in-memory broker and are recorded as published); one real worker
with its embedded beat mails a reminder that nobody asked for; the lock keeps a second,
overlapping run from doing anything."""

from __future__ import annotations

import asyncio
import email
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import Message
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from celery.signals import before_task_publish
from flask import Flask

from matchmaker.config import build_config, celery_settings
from matchmaker.extensions import db
from matchmaker.models import Event, Job, Meeting, MeetingRequest, Participant, User
from matchmaker.orm import utcnow
from matchmaker.services import housekeeping, requests
from tests.conftest import clear_database, make_app
from tests.factories import create_event, create_participant
from tests.workers.conftest import Worker, free_port, wait_until
from workers import periodic
from workers.locks import periodic_lock

BASE_URL = "https://citas.example.org/"


@dataclass
class Published:
    """Tasks handed to the broker, by name, with their arguments."""

    tasks: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)

    def named(self, name: str) -> list[tuple[Any, ...]]:
        return [args for task, args in self.tasks if task == f"workers.tasks.{name}"]


@pytest.fixture
def periodic_app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """An app whose tasks go to Celery's in-memory broker (nothing consumes them)."""
    app = make_app(database_url, tmp_path / "instance", CELERY=celery_settings("memory://"))
    with app.app_context():
        yield app
    clear_database(app)


@pytest.fixture
def published() -> Iterator[Published]:
    record = Published()

    def on_publish(sender: str, body: Any, **_: Any) -> None:
        record.tasks.append((sender, tuple(body[0])))

    before_task_publish.connect(on_publish, weak=False)
    yield record
    before_task_publish.disconnect(on_publish)


# --------------------------------------------------------------------------- a live event


def event_running_now(**settings: object) -> Event:
    """An event today with one-minute slots from an hour ago to two hours ahead, in a time
    zone where it is mid-morning now (so the day never crosses midnight): the slot at index
    ``AHEAD + n`` starts within the minute before now + n minutes."""
    now = datetime.now(ZoneInfo("UTC"))
    offset = (10 - now.hour) % 24
    offset = offset - 24 if offset > 14 else offset
    zone = "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"  # Etc/GMT-3 is UTC+3
    local = now.astimezone(ZoneInfo(zone)).replace(second=0, microsecond=0)
    first = local - timedelta(minutes=AHEAD)
    event = create_event(days=1, time_zone=zone, slot_minutes=1, day_start=f"{first:%H:%M}",
                         day_end=f"{first + timedelta(minutes=180):%H:%M}", **settings)  # fmt: skip
    event.days = [first.date().isoformat()]
    db.session.flush()
    return event


AHEAD = 60


def published_meeting(
    event: Event, minutes_ahead: int, status: str = "published", table: int = 2
) -> Meeting:
    government, partner = create_participant(event), create_participant(event, "partner")
    meeting = Meeting(event_id=event.id, government_id=government.id, partner_id=partner.id,
                      slot_index=AHEAD + minutes_ahead, table_number=table, status=status)  # fmt: skip
    db.session.add(meeting)
    db.session.flush()
    return meeting


def account(participant: Participant, locale: str | None) -> User:
    role = "official" if participant.is_government else "partner"
    user = User(email=participant.email, role=role, participant=participant, locale=locale)
    user.set_unusable_password()
    db.session.add(user)
    db.session.flush()
    return user


def text_of(envelope: Any) -> tuple[str, str]:
    message: Message = email.message_from_bytes(envelope.content)
    body = message.get_payload(decode=True)
    assert isinstance(body, bytes)
    return str(email.header.make_header(email.header.decode_header(message["Subject"]))), (
        body.decode()
    )


# --------------------------------------------------------------------------- expiry


def test_expiry_marks_overdue_requests_and_asks_for_suggestions(
    periodic_app: Flask, published: Published
) -> None:
    event = create_event()
    official = create_participant(event)
    overdue_partner, fresh_partner = (create_participant(event, "partner") for _ in range(2))
    overdue = requests.create_request(official, overdue_partner)
    fresh = requests.create_request(official, fresh_partner)
    overdue.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    ids = (event.id, overdue.id, fresh.id)

    assert periodic.expire_requests.run() == {"events": [ids[0]]}
    db.session.expire_all()
    assert db.session.get_one(MeetingRequest, ids[1]).status == "expired"
    assert db.session.get_one(MeetingRequest, ids[2]).status == "pending"
    assert db.session.get_one(Event, ids[0]).suggestions_requested_at is not None
    assert published.named("recompute_suggestions") == [(ids[0],)]
    assert periodic.expire_requests.run() == {"events": []}  # nothing overdue any more
    assert len(published.named("recompute_suggestions")) == 1


# --------------------------------------------------------------------------- reminders


def test_a_meeting_about_to_start_is_reminded_once_in_each_readers_language(
    periodic_app: Flask, smtp_sink: tuple[str, list]
) -> None:
    smtp_url, received = smtp_sink
    periodic_app.config.update(SMTP_URL=smtp_url, BASE_URL=BASE_URL)
    event = event_running_now(venue="Centro de Convenciones")
    soon = published_meeting(event, 10)
    later = published_meeting(event, 30)  # outside the 15-minute window
    started = published_meeting(event, -5)  # too late for a reminder
    draft = published_meeting(event, 10, status="draft", table=5)  # not announced: no reminder
    account(soon.government, "en")  # the official reads English; the partner has no account
    db.session.commit()
    ids = {"soon": soon.id, "later": later.id, "started": started.id, "draft": draft.id}
    official, partner = soon.government, soon.partner

    periodic_app.config["REMINDER_MINUTES"] = 0  # reminders turned off: nothing
    assert periodic.send_reminders.run() == {"sent": 0} and received == []
    periodic_app.config["REMINDER_MINUTES"] = 15
    assert periodic.send_reminders.run() == {"sent": 1}
    assert periodic.send_reminders.run() == {"sent": 0}  # run twice: still one reminder

    assert sorted(envelope.rcpt_tos for envelope in received) == sorted(
        [[official.email], [partner.email]]
    )
    mails = {envelope.rcpt_tos[0]: text_of(envelope) for envelope in received}
    subject, body = mails[official.email]
    assert subject.startswith("Test Expo: Meeting reminder — ")
    assert f"Your meeting with {partner.name} ({partner.role_title}" in body
    assert "table 3" in body and f"{BASE_URL}me/agenda" in body
    assert "Tu reunión" not in body and "Sua reunião" not in body
    subject, body = mails[partner.email]  # no known language: the congress's three
    assert "Recordatorio de reunión / Meeting reminder / Lembrete de reunião" in subject
    for words in ("Tu reunión con", "Your meeting with", "Sua reunião com"):
        assert f"{words} {official.name}" in body
    db.session.expire_all()
    reminded = {name: db.session.get_one(Meeting, id_).reminder_sent_at for name, id_ in
                ids.items()}  # fmt: skip
    assert reminded["soon"] is not None
    assert reminded["later"] is reminded["started"] is reminded["draft"] is None


# --------------------------------------------------------------------------- mail retries


def test_failed_and_lost_mail_is_sent_again_after_a_grace(
    periodic_app: Flask, published: Published, caplog: pytest.LogCaptureFixture
) -> None:
    periodic_app.config.update(SMTP_URL="smtp://127.0.0.1:9", BASE_URL="")
    event = create_event()
    failed = published_meeting(event, 0)
    failed.invitation_attempts, failed.invitation_error = 1, "{}"
    lost = published_meeting(event, 1)  # published long ago, its invitation never tried
    fresh = published_meeting(event, 2)  # just published: its own task is on the way
    account(lost.government, None).invited_at = utcnow() - timedelta(minutes=30)
    db.session.flush()
    long_ago = utcnow() - timedelta(hours=1)
    db.session.execute(db.update(Meeting).where(Meeting.id.in_([failed.id, lost.id]))
                       .values(updated_at=long_ago))  # fmt: skip
    db.session.execute(db.update(Meeting).where(Meeting.id == fresh.id)
                       .values(updated_at=utcnow()))  # fmt: skip
    request = requests.create_request(fresh.government, fresh.partner)
    request.created_at = long_ago
    db.session.commit()

    result = periodic.retry_failed_mail.run()
    assert result is not None
    assert result["failed_invitations"] and result["unsent_invitations"] == [event.id]
    assert published.named("retry_failed_invitations") == [()]
    assert published.named("send_invitations") == [(event.id,)]
    # Account invitations and request notices carry links: not without a public address.
    assert published.named("send_account_invitations") == []
    assert "MATCHMAKER_BASE_URL is not set" in caplog.text
    periodic_app.config["BASE_URL"] = BASE_URL
    periodic.retry_failed_mail.run()
    assert published.named("send_account_invitations") == [(BASE_URL,)]
    assert published.named("send_request_notices") == [(BASE_URL,)]


# --------------------------------------------------------------------------- sweep, clean-up


def make_job(kind: str, state: str, event: Event | None, age: timedelta) -> int:
    moment = utcnow() - age
    finished = moment if state in ("done", "failed") else None
    job = Job(kind=kind, state=state, event_id=event.id if event else None, created_at=moment,
              finished_at=finished)  # fmt: skip
    db.session.add(job)
    db.session.flush()
    return job.id


def test_the_sweep_sends_lost_recomputations_again_and_fails_stale_jobs(
    periodic_app: Flask, published: Published
) -> None:
    lost, recent, computed = create_event(), create_event(), create_event()
    now = utcnow()
    lost.suggestions_requested_at = now - timedelta(minutes=20)
    recent.suggestions_requested_at = now - timedelta(minutes=1)  # its own task is on the way
    computed.suggestions_requested_at = now - timedelta(hours=2)
    computed.suggestions_computed_at = now - timedelta(hours=1)
    stale = make_job("schedule", "queued", lost, timedelta(hours=7))
    waiting = make_job("schedule", "queued", lost, timedelta(hours=1))  # behind a long job
    running = make_job("publish", "running", lost, timedelta(hours=7))
    db.session.commit()
    lost_id = lost.id

    summary = periodic.sweep_due_work.run()
    assert summary == {"stale_jobs": 1, "recomputations": [lost_id]}
    job = db.session.execute(db.select(Job).where(Job.kind == "suggestions")).scalar_one()
    assert published.named("recompute_suggestions") == [(lost_id, job.id)]
    assert job.state == "queued" and job.event_id == lost_id
    states = {id_: db.session.get_one(Job, id_) for id_ in (stale, waiting, running)}
    assert states[stale].state == "failed"
    assert states[stale].message.startswith(housekeeping.NOT_PICKED_UP)
    assert states[waiting].state == "queued" and states[running].state == "running"
    # Its recomputation is in hand: the next sweep sends nothing more.
    assert periodic.sweep_due_work.run() == {"stale_jobs": 0, "recomputations": []}
    assert len(published.named("recompute_suggestions")) == 1


def test_the_clean_up_keeps_recent_jobs_and_the_latest_of_each_kind(periodic_app: Flask) -> None:
    one, other = create_event(), create_event()
    old, older = timedelta(days=35), timedelta(days=40)
    gone = [make_job("schedule", "done", one, older), make_job("schedule", "failed", one, old)]
    kept = [
        make_job("schedule", "done", one, timedelta(days=1)),  # recent: the latest schedule
        make_job("publish", "done", one, older),  # old, but the latest publish of its event
        make_job("schedule", "failed", other, older),  # the latest of the other event
        make_job("schedule", "running", other, timedelta(days=50)),  # not finished
        make_job("import", "done", None, older),  # the latest of a job without an event
    ]
    db.session.commit()

    assert periodic.clean_up_jobs.run() == {"deleted": 2}
    remaining = set(db.session.execute(db.select(Job.id)).scalars())
    assert remaining == set(kept) and not remaining & set(gone)
    assert periodic.clean_up_jobs.run() == {"deleted": 0}


# --------------------------------------------------------------------------- the lock


def test_every_periodic_task_does_nothing_while_another_run_holds_its_lock(
    periodic_app: Flask, published: Published
) -> None:
    event = create_event()
    request = requests.create_request(create_participant(event),
                                      create_participant(event, "partner"))  # fmt: skip
    request.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    tasks = (periodic.expire_requests, periodic.send_reminders, periodic.retry_failed_mail,
             periodic.sweep_due_work, periodic.clean_up_jobs)  # fmt: skip
    for task in tasks:
        with periodic_lock(task.name.rsplit(".", 1)[1]) as held:
            assert held
            assert task.run() is None
    db.session.expire_all()
    assert db.session.get_one(MeetingRequest, request.id).status == "pending"
    assert published.tasks == []
    assert periodic.expire_requests.run() == {"events": [event.id]}  # lock released


def test_a_second_run_overlapping_the_first_returns_without_mailing(
    periodic_app: Flask,
) -> None:
    """The first run is stuck in the middle of mailing (its SMTP server holds the message);
    the second, started meanwhile, finds the lock taken and returns at once."""
    from aiosmtpd.controller import Controller

    inside, release, received = threading.Event(), threading.Event(), []

    class SlowServer:
        async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
            inside.set()
            await asyncio.get_running_loop().run_in_executor(None, release.wait, 60)
            received.append(envelope)
            return "250 OK"

    controller = Controller(SlowServer(), hostname="127.0.0.1", port=free_port())
    controller.start()
    periodic_app.config["SMTP_URL"] = f"smtp://127.0.0.1:{controller.port}"
    meeting_id = published_meeting(event_running_now(), 10).id
    db.session.commit()
    results: list[Any] = []

    def first_run() -> None:
        with periodic_app.app_context():
            results.append(periodic.send_reminders.run())

    first = threading.Thread(target=first_run)
    first.start()
    try:
        assert inside.wait(60), "the first run never reached the mail server"
        assert periodic.send_reminders.run() is None  # the lock is held: nothing done
    finally:
        release.set()
        first.join(60)
        controller.stop()
    assert results == [{"sent": 1}] and len(received) == 2
    db.session.expire_all()
    assert db.session.get_one(Meeting, meeting_id).reminder_sent_at is not None


# --------------------------------------------------------------------------- settings


def test_reminders_turned_off_leave_the_beat_schedule(monkeypatch: pytest.MonkeyPatch,
                                                      tmp_path: Path) -> None:  # fmt: skip
    monkeypatch.setenv("MATCHMAKER_REMINDER_INTERVAL", "30")
    config = build_config(str(tmp_path))
    schedule = config["CELERY"]["beat_schedule"]
    assert schedule["send-reminders"]["schedule"] == 30
    assert config["CELERY"]["beat_schedule_filename"] == str(tmp_path / "celerybeat-schedule")
    assert config["REMINDER_MINUTES"] == 15
    monkeypatch.setenv("MATCHMAKER_REMINDER_MINUTES", "0")
    monkeypatch.setenv("MATCHMAKER_CLEANUP_INTERVAL", "0")
    schedule = build_config(str(tmp_path))["CELERY"]["beat_schedule"]
    assert set(schedule) == {
        "expire-requests",
        "retry-failed-mail",
        "sweep-due-work",
        "watch-meetings",
        "send-due-webhooks",
    }


# --------------------------------------------------------------------------- a real beat


def test_a_worker_with_its_embedded_beat_sends_a_reminder_nobody_asked_for(
    worker_app: Flask, database_url: str, broker_url: str, task_queue: str, tmp_path: Path,
    smtp_sink: tuple[str, list],
) -> None:  # fmt: skip
    smtp_url, received = smtp_sink
    with worker_app.app_context():
        meeting = published_meeting(event_running_now(), 10)
        addresses = sorted([[meeting.government.email], [meeting.partner.email]])
        meeting_id = meeting.id
        db.session.commit()
    instance = tmp_path / "instance"
    env = dict(os.environ)
    env.update(
        MATCHMAKER_DATABASE_URL=database_url,
        MATCHMAKER_BROKER_URL=broker_url,
        MATCHMAKER_TASK_QUEUE=task_queue,
        MATCHMAKER_INSTANCE_PATH=str(instance),
        MATCHMAKER_SMTP_URL=smtp_url,
        MATCHMAKER_REMINDER_INTERVAL="1",
        **{variable: "0" for variable in ("MATCHMAKER_EXPIRY_INTERVAL",
           "MATCHMAKER_MAIL_RETRY_INTERVAL", "MATCHMAKER_SWEEP_INTERVAL",
           "MATCHMAKER_CLEANUP_INTERVAL", "MATCHMAKER_LIVE_INTERVAL",
           "MATCHMAKER_WEBHOOKS_SWEEP_INTERVAL")},
    )  # fmt: skip
    log = tmp_path / "worker-beat.log"
    command = [sys.executable, "-m", "celery", "-A", "workers", "worker", "-B", "--loglevel",
               "INFO", "--pool", "solo", "--hostname", "beat@%h", "--without-gossip",
               "--without-mingle", "--without-heartbeat"]  # fmt: skip
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env,
                                   start_new_session=True)  # fmt: skip
    worker = Worker(process, log)
    try:
        worker.wait_ready()
        wait_until(lambda: len(received) >= 2, 120, "the reminders, sent by the beat alone")
        with worker_app.app_context():
            wait_until(lambda: _reminded(meeting_id), 30, "the meeting marked reminded")
        runs = _runs(worker)
        wait_until(lambda: _runs(worker) >= runs + 2, 60, "two more runs of the beat's task")
    finally:
        worker.stop()
    assert sorted(envelope.rcpt_tos for envelope in received) == addresses, worker.output()
    assert "beat: Starting" in worker.output()
    assert list(instance.glob("celerybeat-schedule*")), "the beat keeps its file in the instance"


def _reminded(meeting_id: int) -> bool:
    db.session.expire_all()
    return db.session.get_one(Meeting, meeting_id).reminder_sent_at is not None


def _runs(worker: Worker) -> int:
    """Runs of the reminder task the worker finished, from its log."""
    return sum(
        "workers.periodic.send_reminders[" in line and " succeeded in " in line
        for line in worker.output().splitlines()
    )
