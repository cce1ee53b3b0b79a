"""Scheduling from the command line: instance files, and a stored event's draft and publication."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from matchmaker.extensions import db
from matchmaker.services import scheduling
from tests.conftest import SHARED, require
from tests.factories import approve, create_event, create_participant

INSTANCES = SHARED / "bench" / "sched" / "instances"


def test_schedule_file_solves_a_public_instance(invoke, tmp_path: Path) -> None:
    require(INSTANCES.exists(), f"benchmark instances not found at {INSTANCES}")
    instance = INSTANCES / "small-stress.json"
    out = tmp_path / "schedule.csv"
    result = invoke("schedule-file", str(instance), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "of bound" in result.output
    with out.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows and list(rows[0]) == ["government_id", "partner_id", "slot", "table", "interpreter"]
    checker = SHARED / "bench" / "sched" / "check.py"
    verdict = subprocess.run(
        [sys.executable, str(checker), str(instance), str(out), "--json"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert verdict.returncode == 0, verdict.stdout + verdict.stderr
    report = json.loads(verdict.stdout)
    assert report["valid"] is True


def test_schedule_file_rejects_a_bad_instance(invoke, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "something-else"}')
    result = invoke("schedule-file", str(bad), "--out", str(tmp_path / "x.csv"))
    assert result.exit_code == 1
    assert "error:" in result.output and "Traceback" not in result.output


@pytest.mark.usefixtures("app_ctx")
def test_schedule_and_publish_a_stored_event(invoke) -> None:
    event = create_event(days=1, num_tables=2)
    governments = [create_participant(event, "government") for _ in range(2)]
    partners = [create_participant(event, "partner") for _ in range(2)]
    for g in governments:
        for p in partners:
            approve(event, g, p)
    db.session.commit()
    result = invoke("schedule", "--event", str(event.id), "--inline")
    assert result.exit_code == 0, result.output
    assert "meetings     : 4" in result.output
    assert {m.status for m in scheduling.list_meetings(event)} == {"draft"}
    result = invoke("publish", "--event", str(event.id), "--inline")
    assert result.exit_code == 0, result.output
    assert "4 meetings published" in result.output
    db.session.expire_all()
    assert {m.status for m in scheduling.list_meetings(event)} == {"published"}
    assert invoke("schedule", "--event", "999", "--inline").exit_code == 1
