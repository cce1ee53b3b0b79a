"""The demo event end to end: suggestions, approval, a worker schedules and publishes, mail."""

from __future__ import annotations

import email

import pytest
from flask import Flask
from icalendar import Calendar

from matchmaker.domain.embedding import get_embedder
from matchmaker.extensions import db
from matchmaker.services import decisions, demo, jobs, matching, scheduling
from tests.conftest import model_dir
from tests.workers.conftest import wait_until
from workers.tasks import publish_event, schedule_event

pytestmark = pytest.mark.model


@pytest.mark.parametrize("broker_url", ["redis"], indirect=True)
def test_demo_event_is_scheduled_published_and_announced(
    worker_app: Flask, start_worker, smtp_sink
) -> None:
    smtp_url, received = smtp_sink
    start_worker(MATCHMAKER_SMTP_URL=smtp_url)
    with worker_app.app_context():
        event, logins = demo.load_demo("demo-password")
        matching.compute_suggestions(event, get_embedder(None, model_dir()), top_k=5)
        approved = decisions.approve_above(event, min_score=0, actor=None)
        job = jobs.create_job("schedule", event.id)
        db.session.commit()
        assert approved >= 80 and {login.role for login in logins} >= {"organiser", "official"}
        schedule_event.delay(job.id, event.id)

        def done(job_id: int) -> bool:
            db.session.expire_all()
            return jobs.get_job(job_id).state == "done"

        wait_until(lambda: done(job.id), 180, "the schedule")
        meetings = scheduling.list_meetings(event)
        assert len(meetings) >= 60
        assert "of bound" in jobs.get_job(job.id).message
        publish = jobs.create_job("publish", event.id)
        db.session.commit()
        publish_event.delay(publish.id, event.id)
    wait_until(lambda: len(received) == len(meetings), 180, "one invitation per meeting")
    message = email.message_from_bytes(received[0].content)
    ics = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    calendar = Calendar.from_ical(ics.get_payload(decode=True))
    assert calendar.walk("VTIMEZONE")[0]["TZID"] == "America/Mexico_City"
