"""One way to send work to the workers: after the commit, nothing on rollback, and a broker that
cannot be reached fails the job visibly (with a way to retry) instead of leaving it queued."""

from __future__ import annotations

import socket
import tempfile
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from matchmaker import background
from matchmaker.background import PendingTask
from matchmaker.config import celery_settings
from matchmaker.extensions import db
from matchmaker.models import Event, Job
from matchmaker.services import jobs
from tests.conftest import clear_database, make_app
from tests.web.organiser_world import login_organiser, post, seed
from tests.web.task_recorder import Tasks


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def down_app(database_url: str) -> Iterator[Flask]:
    """An app whose broker is a Redis nobody listens on."""
    with tempfile.TemporaryDirectory() as instance:
        broker = f"redis://127.0.0.1:{closed_port()}/0"
        app = make_app(database_url, instance, CELERY=celery_settings(broker))
        yield app
        clear_database(app)


def test_a_task_is_sent_after_the_commit_and_sees_the_committed_row(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[str, bool]] = []

    def publish(task: PendingTask) -> None:
        # What a worker would find, from a connection of its own, at the moment of sending.
        with db.engine.connect() as other:
            found = other.execute(sa.select(Job.id).where(Job.id == task.args[0])).first()
        seen.append((task.name, found is not None))

    monkeypatch.setattr(background, "_publish", publish)
    with app.app_context():
        event = Event(name="E")
        db.session.add(event)
        db.session.flush()
        job = jobs.create_job("schedule", event.id)
        background.enqueue("schedule_event", job.id, event.id, job_id=job.id)
        assert seen == []  # nothing before the commit
        db.session.commit()
        assert seen == [("schedule_event", True)]


def test_a_rolled_back_change_sends_nothing(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    sent: list[PendingTask] = []
    monkeypatch.setattr(background, "_publish", sent.append)
    with app.app_context():
        db.session.add(Event(name="E"))
        db.session.flush()
        background.enqueue("recompute_event_stats", 1)
        db.session.rollback()
        db.session.add(Event(name="F"))
        db.session.commit()
        assert sent == []
        background.enqueue("recompute_event_stats", 2)  # no transaction open: sent at once
        assert [task.args for task in sent] == [(2,)]


def test_with_the_broker_down_a_job_fails_visibly_and_can_be_retried(
    down_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = seed(down_app)
    client: FlaskClient = down_app.test_client()
    login_organiser(client)
    response = post(client, "/organiser/schedule/start", {"min_meetings": "0"})
    assert response.status_code == 302  # no 500: the job page tells the story
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "La tarea no llegó a los trabajadores" in page and "Reintentar" in page
    with down_app.app_context():
        job = db.session.execute(db.select(Job)).scalar_one()
        assert job.state == "failed" and job.message.startswith(jobs.NOT_SENT)
        job_id = job.id
    # The broker is back: the retry sends the same task for the same job, once the job is
    # queued again for the worker to see.
    tasks = Tasks()
    monkeypatch.setattr(background, "_publish", tasks.record)
    post(client, f"/organiser/jobs/{job_id}/retry")
    assert tasks["schedule_event"].calls == [(job_id, data.event_id, False, 0)]
    assert tasks["schedule_event"].committed == [True]
    with down_app.app_context():
        assert db.session.get(Job, job_id).state == "queued"


def test_with_the_broker_down_a_profile_change_is_saved_and_stays_due(down_app: Flask) -> None:
    """No job to fail: the change is saved, the recomputation stays due for the sweep."""
    from matchmaker.services import matching

    with down_app.app_context():
        event = Event(name="E")
        db.session.add(event)
        db.session.flush()
        matching.request_recompute(event)
        db.session.commit()
        failures = background.take_failures()
        assert [f.task.name for f in failures] == ["recompute_suggestions"]
        assert matching.recompute_is_due(db.session.get(Event, event.id))


def test_the_import_command_reports_an_unsent_task_and_keeps_the_import(
    down_app: Flask, sample_participants
) -> None:  # type: ignore[no-untyped-def]
    from matchmaker.cli import cli
    from matchmaker.models import Participant

    result = down_app.test_cli_runner().invoke(
        cli, ["import-participants", str(sample_participants)]
    )
    assert result.exit_code == 0, result.output
    assert "not queued (broker unavailable" in result.output
    with down_app.app_context():
        count = db.session.execute(db.select(db.func.count(Participant.id))).scalar_one()
        assert count == 120
