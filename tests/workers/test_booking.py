"""Booking with real workers: races, crashes and invitations."""

from __future__ import annotations

import random
import time

import pytest
from flask import Flask

from matchmaker.extensions import db
from matchmaker.models import Meeting
from matchmaker.services import jobs, scheduling
from tests.factories import approve, create_event, create_participant
from tests.workers.booking import assert_no_double_booking, live_meetings
from tests.workers.conftest import queue_drained, wait_until
from workers.tasks import book_approved_pair, publish_event, schedule_event

OFFICIALS, PARTNERS = 20, 30  # 600 approved pairs


def make_event(app: Flask) -> tuple[int, list[tuple[int, int]]]:
    """Every pair approved, and room for all: 60 slots, a table per official."""
    with app.app_context():
        event = create_event(days=5, num_tables=OFFICIALS, default_max_meetings=60)
        governments = [create_participant(event, "government") for _ in range(OFFICIALS)]
        partners = [create_participant(event, "partner") for _ in range(PARTNERS)]
        pairs = []
        for g in governments:
            for p in partners:
                approve(event, g, p, score=random.Random(g.id * 1000 + p.id).randint(1, 100))
                pairs.append((g.id, p.id))
        db.session.commit()
        return event.id, pairs


def settle(app: Flask, broker_url: str, queue: str, expected: int, timeout: float) -> list[Meeting]:
    wait_until(lambda: len(live_meetings(app)) >= expected, timeout, f"{expected} meetings")
    wait_until(lambda: queue_drained(broker_url, queue), 120, "the queue to drain")
    time.sleep(2)  # let the last duplicates finish
    return live_meetings(app)


@pytest.mark.slow
def test_a_thousand_racing_bookings_book_each_pair_once(
    worker_app: Flask, start_worker, broker_url: str, task_queue: str
) -> None:
    event_id, pairs = make_event(worker_app)
    start_worker("w1", concurrency=2, pool="prefork")
    start_worker("w2", concurrency=2, pool="prefork")
    rng = random.Random(7)
    requests = pairs + rng.choices(pairs, k=1000 - len(pairs))  # 400 duplicates
    rng.shuffle(requests)
    with worker_app.app_context():
        for g, p in requests:
            book_approved_pair.delay(event_id, g, p)
    meetings = settle(worker_app, broker_url, task_queue, len(pairs), timeout=600)
    assert len(meetings) == len(pairs)
    assert {(m.government_id, m.partner_id) for m in meetings} == set(pairs)
    assert_no_double_booking(meetings, OFFICIALS)


@pytest.mark.slow
@pytest.mark.parametrize("broker_url", ["redis"], indirect=True)
def test_a_killed_worker_loses_and_doubles_nothing(
    worker_app: Flask, start_worker, broker_url: str, task_queue: str
) -> None:
    # The embedded broker cannot re-deliver after SIGKILL (kombu's SQLAlchemy transport
    # forgets unacknowledged messages), so this runs on Redis, as production does.
    event_id, pairs = make_event(worker_app)
    quick = {"MATCHMAKER_BROKER_VISIBILITY_TIMEOUT": "5"}
    first = start_worker("doomed", concurrency=2, pool="prefork", **quick)
    with worker_app.app_context():
        for g, p in pairs:
            book_approved_pair.delay(event_id, g, p)
    wait_until(lambda: len(live_meetings(worker_app)) >= 60, 300, "some bookings")
    first.kill()
    booked_when_killed = len(live_meetings(worker_app))
    assert booked_when_killed < len(pairs)
    start_worker("rescuer", concurrency=2, pool="prefork", **quick)
    meetings = settle(worker_app, broker_url, task_queue, len(pairs) - 1, timeout=600)
    unbooked = set(pairs) - {(m.government_id, m.partner_id) for m in meetings}
    # Kombu's Redis transport pops a task, then records it as unacknowledged: a kill between
    # the two loses that one task (see test_faults). Its pair is what the schedule page
    # lists as approved and unbooked, and booking it again books it once.
    assert len(unbooked) <= 1, unbooked
    if unbooked:
        with worker_app.app_context():
            assert _listed_unbooked(event_id) == unbooked
            book_approved_pair.delay(event_id, *unbooked.pop())
        meetings = settle(worker_app, broker_url, task_queue, len(pairs), timeout=120)
    assert len(meetings) == len(pairs)
    assert_no_double_booking(meetings, OFFICIALS)


def _listed_unbooked(event_id: int) -> set[tuple[int, int]]:
    event = scheduling.meeting_event_by_id(event_id)
    return {(s.government_id, s.partner_id) for s in scheduling.list_unbooked_pairs(event)}


def test_schedule_publish_and_invitations_through_workers(
    worker_app: Flask, start_worker, smtp_sink
) -> None:
    import email

    from icalendar import Calendar

    smtp_url, received = smtp_sink
    with worker_app.app_context():
        event = create_event(days=1, num_tables=3, venue="Centro Expositor")
        governments = [create_participant(event, "government") for _ in range(2)]
        partners = [create_participant(event, "partner") for _ in range(3)]
        for g in governments:
            for p in partners:
                approve(event, g, p)
        job = jobs.create_job("schedule", event.id)
        db.session.commit()
        event_id, job_id = event.id, job.id
    start_worker(MATCHMAKER_SMTP_URL=smtp_url, MATCHMAKER_MAIL_FROM="agenda@expo.example.org")
    with worker_app.app_context():
        schedule_event.delay(job_id, event_id)
        wait_until(lambda: _job_state(job_id) == "done", 120, "the schedule job")
        assert len(scheduling.list_meetings(scheduling.meeting_event_by_id(event_id))) == 6
        publish = jobs.create_job("publish", event_id)
        db.session.commit()
        publish_event.delay(publish.id, event_id)
    wait_until(lambda: len(received) == 6, 120, "six invitations")
    message = email.message_from_bytes(received[0].content)
    assert len(received[0].rcpt_tos) == 2
    ics = next(part for part in message.walk() if part.get_content_type() == "text/calendar")
    calendar = Calendar.from_ical(ics.get_payload(decode=True))
    vevent = calendar.walk("VEVENT")[0]
    assert vevent.decoded("dtstart").tzinfo.key == "America/Mexico_City"
    assert calendar.walk("VTIMEZONE")[0]["TZID"] == "America/Mexico_City"
    assert "Centro Expositor" in str(vevent["location"])
    time.sleep(1)
    assert len(received) == 6  # each meeting announced once


def _job_state(job_id: int) -> str:
    db.session.expire_all()
    return jobs.get_job(job_id).state
