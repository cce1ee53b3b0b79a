"""The README's API quick start, call by call, against a real worker with the real model, a
real broker and a local webhook receiver: a new user imports 100 participants as JSON, reads
the suggestions, approves them, runs and publishes the schedule, and receives one signed
``meeting.booked`` for each meeting."""

from __future__ import annotations

import csv
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from matchmaker.extensions import db
from matchmaker.models import User
from matchmaker.services import api_tokens
from tests.factories import create_event
from tests.webhook_receiver import Receiver

WORKER_ENV = {"MATCHMAKER_WEBHOOKS_ALLOW_PRIVATE": "1"}


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    started = Receiver().start()
    yield started
    started.stop()


def hundred_participants(sample: Path) -> list[dict[str, Any]]:
    """40 officials and 60 partners of the sample file, as the import call takes them."""
    with sample.open(encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    chosen = ([r for r in rows if r["kind"] == "government"][:40]
              + [r for r in rows if r["kind"] == "partner"][:60])  # fmt: skip
    people = []
    for row in chosen:
        person: dict[str, Any] = {k: v for k, v in row.items() if k != "id"}
        person["external_id"] = row["id"]
        person["languages"] = row["languages"].split(";")
        person["themes"] = row["themes"].split(";")
        people.append(person)
    return people


def poll(read: Callable[[], Any], done: Callable[[Any], bool], timeout: float, what: str) -> Any:
    """Read until ``done`` says so, as a client polls (the answer of the last read)."""
    deadline = time.monotonic() + timeout
    while True:
        answer = read()
        if done(answer):
            return answer
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}: {answer}")
        time.sleep(0.5)


@pytest.mark.parametrize("broker_url", ["redis"], indirect=True)
def test_a_new_user_runs_the_whole_congress_through_the_api(
    worker_app: Flask, start_worker, receiver: Receiver, sample_participants: Path
) -> None:
    worker_app.config["WEBHOOKS_ALLOW_PRIVATE"] = True
    start_worker(**WORKER_ENV)
    with worker_app.app_context():
        event_id = create_event(days=1, num_tables=8, default_max_meetings=4).id
        organiser = User(email="org@example.org", role="organiser")
        organiser.set_password("a long organiser password")
        db.session.add(organiser)
        db.session.flush()
        secret = api_tokens.create_token(organiser, "registro").secret
        db.session.commit()
    client = worker_app.test_client()
    base = f"/api/v1/events/{event_id}"

    def call(method: str, path: str, json: Any = None, **headers: str) -> Any:
        answer = client.open(path, method=method, json=json,
                             headers={"Authorization": f"Bearer {secret}", **headers})  # fmt: skip
        assert answer.status_code < 400, (method, path, answer.status_code, answer.json)
        return answer

    hook = call(
        "POST",
        f"{base}/webhooks",
        {"url": receiver.url, "kinds": ["meeting.booked", "schedule.published"]},
    ).json
    imported = call("POST", f"{base}/participants/import",
                    hundred_participants(sample_participants),
                    **{"Idempotency-Key": "import-1"}).json  # fmt: skip
    assert imported["created"] == 100

    poll(lambda: call("GET", base).json, lambda e: e["suggestions_up_to_date"], 240,
         "the suggestions")  # fmt: skip
    suggestions = pages(call, f"{base}/suggestions?limit=500")
    assert len(suggestions) >= 40
    strong = [s["id"] for s in suggestions if s["score"] >= 50]
    call("POST", f"{base}/decisions", {"decision": "approve", "suggestion_ids": strong})

    started = call("POST", f"{base}/schedule-jobs", {"mode": "draft"})
    assert started.status_code == 202
    job = poll(lambda: call("GET", started.headers["Location"]).json,
               lambda j: j["status"] in ("done", "failed"), 240, "the draft")  # fmt: skip
    assert job["status"] == "done", job
    published = call("POST", f"{base}/schedule/publish").json
    meetings = pages(call, f"{base}/meetings?limit=500")
    assert meetings and published["published"] == len(meetings)

    booked = len(meetings) + 1  # and one schedule.published
    arrived = receiver.wait_for(booked, timeout=120)
    kinds = [r.kind for r in arrived]
    assert kinds.count("meeting.booked") == len(meetings)
    assert kinds.count("schedule.published") == 1
    for received in arrived:
        received.verify(hook["secret"])  # raises if the signature does not hold
    booked_ids = {r.json["data"]["id"] for r in arrived if r.kind == "meeting.booked"}
    assert booked_ids == {m["id"] for m in meetings}


def pages(call: Callable[..., Any], path: str) -> list[dict[str, Any]]:
    """Every item of a paged list, following next_cursor."""
    items, cursor = [], None
    while True:
        page = call("GET", path + (f"&cursor={cursor}" if cursor else "")).json
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items
