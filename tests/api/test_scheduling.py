"""Scheduling in the API: a draft started as the page's "Generar" starts it (a job and its
task, sent after the commit), the job followed to its end, and publishing."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import workers.tasks
from matchmaker.extensions import db
from matchmaker.models import Job, Meeting
from matchmaker.services import jobs
from tests.api.api_world import ApiWorld, call
from tests.api.meetings_world import audit_of, drafted, state
from tests.web.task_recorder import Tasks

PROBLEM = "application/problem+json"


def jobs_path(world: ApiWorld, *rest: object) -> str:
    return "/".join([f"/api/v1/events/{world.event_id}/schedule-jobs", *map(str, rest)])


def publish_path(world: ApiWorld) -> str:
    return f"/api/v1/events/{world.event_id}/schedule/publish"


def approve_all(app: Flask) -> None:
    with app.app_context():
        db.session.execute(db.text("UPDATE match_suggestion SET status = 'approved'"))
        db.session.commit()


def test_a_draft_starts_as_a_job_whose_task_is_sent_after_the_commit(
    app: Flask, client: FlaskClient, world: ApiWorld, tasks: Tasks
) -> None:
    started = call(client, "POST", jobs_path(world), world.organiser,
                   json={"mode": "draft", "min_meetings": 2})  # fmt: skip
    assert started.status_code == 202
    job = started.json
    assert started.headers["Location"] == jobs_path(world, job["id"])
    assert (job["status"], job["fraction"], job["step"], job["counts"], job["error"]) == (
        "queued", 0.0, "", {}, None)  # fmt: skip
    assert tasks["schedule_event"].calls == [(job["id"], world.event_id, False, 2)]
    assert tasks["schedule_event"].committed == [True]  # a worker finds the job
    (entry,) = audit_of(app, "schedule.started")
    assert entry.target_id == job["id"] and entry.details == {"unbooked_only": False,
                                                              "min_meetings": 2}  # fmt: skip
    read = call(client, "GET", started.headers["Location"], world.organiser)
    assert read.status_code == 200 and read.json == job


def test_once_published_a_new_draft_books_only_the_unbooked_pairs_unless_told(
    app: Flask, client: FlaskClient, world: ApiWorld, tasks: Tasks
) -> None:
    drafted(app, world, publish=True)
    call(client, "POST", jobs_path(world), world.organiser, json={"mode": "draft"})
    call(client, "POST", jobs_path(world), world.organiser,
         json={"mode": "draft", "unbooked_only": False})  # fmt: skip
    assert [c[2:] for c in tasks["schedule_event"].calls] == [(True, 0), (False, 0)]


def test_a_retried_start_with_its_key_starts_one_job(
    app: Flask, client: FlaskClient, world: ApiWorld, tasks: Tasks
) -> None:
    key = {"Idempotency-Key": "draft-1"}
    first = call(client, "POST", jobs_path(world), world.organiser, json={"mode": "draft"}, **key)
    again = call(client, "POST", jobs_path(world), world.organiser, json={"mode": "draft"}, **key)
    assert first.status_code == again.status_code == 202
    assert again.json == first.json and again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Location"] == first.headers["Location"]
    assert len(tasks["schedule_event"].calls) == 1
    with app.app_context():
        assert db.session.execute(db.select(db.func.count()).select_from(Job)).scalar_one() == 1
    other = call(client, "POST", jobs_path(world), world.organiser,
                 json={"mode": "draft", "unbooked_only": True}, **key)  # fmt: skip
    assert other.status_code == 422 and other.json["errors"][0]["header"] == "Idempotency-Key"


def test_the_job_reads_its_progress_its_end_and_its_failure(
    app: Flask, client: FlaskClient, world: ApiWorld, tasks: Tasks
) -> None:
    approve_all(app)
    job_id = call(client, "POST", jobs_path(world), world.organiser,
                  json={"mode": "draft"}).json["id"]  # fmt: skip
    with app.app_context():
        jobs.report_progress(job_id, 0.4, "placing", done=2, total=5)
    running = call(client, "GET", jobs_path(world, job_id), world.organiser).json
    assert (running["status"], running["fraction"], running["step"], running["counts"]) == (
        "running", 0.4, "placing", {"done": 2, "total": 5})  # fmt: skip
    with app.app_context():  # the worker's turn: the task itself
        workers.tasks.schedule_event.run(*tasks["schedule_event"].calls[0])
        meetings = db.session.execute(db.select(db.func.count()).select_from(Meeting)).scalar_one()
    done = call(client, "GET", jobs_path(world, job_id), world.organiser).json
    assert (done["status"], done["fraction"], done["step"]) == ("done", 1.0, "scheduled")
    assert done["counts"] == {"meetings": meetings} and meetings == 6
    assert done["started_at"] and done["finished_at"] and done["error"] is None
    with app.app_context():
        jobs.fail_job(job_id, "RuntimeError: the solver gave up")
    failed = call(client, "GET", jobs_path(world, job_id), world.organiser).json
    assert failed["status"] == "failed" and failed["error"] == "RuntimeError: the solver gave up"


def test_only_this_events_drafting_jobs_are_found_here(
    app: Flask, client: FlaskClient, world: ApiWorld
) -> None:
    with app.app_context():
        foreign = jobs.create_job("schedule", world.other_event_id)
        publishing = jobs.create_job("publish", world.event_id)
        db.session.commit()
        ids = foreign.id, publishing.id
    for job_id in (*ids, 999999):
        answer = call(client, "GET", jobs_path(world, job_id), world.organiser)
        assert answer.status_code == 404 and answer.mimetype == PROBLEM
    other_event = f"/api/v1/events/{world.other_event_id}/schedule-jobs/{ids[0]}"
    assert call(client, "GET", other_event, world.organiser).status_code == 200
    before = state(app)
    missing = call(client, "POST", "/api/v1/events/999999/schedule-jobs", world.organiser,
                   json={"mode": "draft"})  # fmt: skip
    assert missing.status_code == 404 and state(app) == before


def test_publishing_publishes_the_drafts_queues_the_invitations_and_is_logged(
    app: Flask, client: FlaskClient, world: ApiWorld, tasks: Tasks
) -> None:
    before = state(app)
    nothing = call(client, "POST", publish_path(world), world.organiser)
    assert nothing.status_code == 409 and nothing.mimetype == PROBLEM and nothing.json["detail"]
    assert state(app) == before
    ids = drafted(app, world)
    key = {"Idempotency-Key": "publish-1"}
    published = call(client, "POST", publish_path(world), world.organiser, **key)
    assert published.status_code == 200
    retried = call(client, "POST", publish_path(world), world.organiser, **key)
    assert retried.status_code == 200 and retried.json == published.json  # not a 409
    assert published.json == {"published": 6, "people": 5}  # 2 officials, 3 partners
    with app.app_context():
        statuses = db.session.execute(db.select(Meeting.status).where(Meeting.id.in_(ids)))
        assert set(statuses.scalars()) == {"published"}
        job = db.session.execute(db.select(Job)).scalar_one()  # the schedule page lists it
        assert (job.kind, job.state, job.result) == ("publish", "done", {"published": 6})
    (entry,) = audit_of(app, "schedule.publish")
    assert entry.target_id == job.id and entry.target_type == "job"
    assert tasks["send_invitations"].calls == [(world.event_id,)]
    again = call(client, "POST", publish_path(world), world.organiser)
    assert again.status_code == 409 and len(audit_of(app, "schedule.publish")) == 1


def test_scheduling_is_for_organisers(app: Flask, client: FlaskClient, world: ApiWorld) -> None:
    drafted(app, world)
    with app.app_context():
        job = jobs.create_job("schedule", world.event_id)
        db.session.commit()
        job_id = job.id
    before = state(app)
    for secret in (world.official, world.partner):
        for method, path, body in (
            ("POST", jobs_path(world), {"mode": "draft"}),
            ("POST", jobs_path(world), {"mode": "nonsense"}),
            ("GET", jobs_path(world, job_id), None),
            ("POST", publish_path(world), None),
        ):
            answer = call(client, method, path, secret, json=body)
            assert answer.status_code == 403 and answer.mimetype == PROBLEM, (method, path)
    assert call(client, "POST", publish_path(world), None).status_code == 401
    assert state(app) == before


# Whatever is sent, never a server error, and nothing changes when refused ---------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63) | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)  # fmt: skip
#: The bodies the call takes, bodies shaped like them (right or not), and any JSON at all.
RIGHT = st.fixed_dictionaries(
    {"mode": st.just("draft")},
    optional={"unbooked_only": st.booleans() | st.none(), "min_meetings": st.integers(0, 50)},
)
SHAPED = st.fixed_dictionaries(
    {"mode": st.just("draft") | JSON},
    optional={
        "unbooked_only": st.booleans() | st.none() | JSON,
        "min_meetings": st.integers(-1, 51) | JSON,
    },
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=RIGHT | SHAPED | JSON)
def test_any_body_to_start_a_draft_is_answered_and_a_refusal_changes_nothing(
    app: Flask, client: FlaskClient, world: ApiWorld, tasks: Tasks, body: Any
) -> None:
    before = state(app)
    sent = len(tasks.sent)
    answer = call(client, "POST", jobs_path(world), world.organiser, json=body)
    assert answer.status_code in (202, 422), (answer.status_code, answer.json)
    event(str(answer.status_code))
    if answer.status_code == 422:
        assert answer.mimetype == PROBLEM and answer.json["errors"]
        assert state(app) == before and len(tasks.sent) == sent
    else:
        assert state(app)["Job"] == before["Job"] + 1 and len(tasks.sent) == sent + 1
