"""Instance files in, schedule CSV and the human report out."""

from __future__ import annotations

import csv
import gzip
import io
import json
from pathlib import Path
from typing import Any

import pytest

from matchmaker.domain.scheduling import (
    ApprovedPair,
    Attendee,
    Booking,
    ScheduleReport,
    format_report,
    load_instance,
    solve,
    write_schedule_csv,
)


def instance(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "format": "b2b-sched/1",
        "name": "tiny",
        "num_slots": 3,
        "num_tables": 2,
        "slots": [{"index": s, "day": 1, "start": "09:00", "minutes": 20} for s in range(3)],
        "governments": [{"id": "G0", "cap": 2, "available": [0, 1, 2]}],
        "partners": [
            {"id": "P0", "cap": 1, "available": [0, 1]},
            {"id": "P1", "cap": 3, "available": [2]},
        ],
        "pairs": [
            {"government_id": "G0", "partner_id": "P0", "weight": 40},
            {"government_id": "G0", "partner_id": "P1", "weight": 7.5},
        ],
        "generator": {"script": "by hand"},
    }
    data.update(changes)
    return data


def write(tmp_path: Path, data: Any, name: str = "instance.json") -> Path:
    path = tmp_path / name
    text = data if isinstance(data, str) else json.dumps(data)
    if name.endswith(".gz"):
        with gzip.open(path, "wt", encoding="utf-8") as f:
            f.write(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("name", ["instance.json", "instance.json.gz"])
def test_load_instance_reads_plain_and_gzipped_files(tmp_path: Path, name: str) -> None:
    problem = load_instance(write(tmp_path, instance(), name))
    assert (problem.num_slots, problem.num_tables) == (3, 2)
    assert problem.governments == {"G0": Attendee("G0", 2, frozenset({0, 1, 2}))}
    assert problem.partners["P1"] == Attendee("P1", 3, frozenset({2}))
    assert problem.pairs == [ApprovedPair("G0", "P0", 40.0), ApprovedPair("G0", "P1", 7.5)]
    assert problem.fixed == [] and problem.min_meetings_per_official == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not a readable JSON"),
        ([1, 2], "JSON object"),
        (instance(format="b2b-sched/2"), "format must be"),
        (instance(num_slots=0), "num_slots must be an integer >= 1"),
        (instance(num_tables="3"), "num_tables must be an integer"),
        (instance(governments={"G0": {}}), "governments must be a list"),
        (instance(governments=[{"id": "G0", "cap": True, "available": []}]), "cap must be"),
        (instance(governments=[{"id": "G0", "cap": 2, "available": [3]}]), "slot indexes 0..2"),
        (instance(governments=[{"cap": 2, "available": []}]), "id must be a non-empty string"),
        (
            instance(partners=[{"id": "P0", "cap": 1, "available": []}] * 2),
            "id 'P0' appears twice",
        ),
        (
            instance(pairs=[{"government_id": "G9", "partner_id": "P0", "weight": 1}]),
            "'G9' is not a listed government",
        ),
        (
            instance(pairs=[{"government_id": "G0", "partner_id": "P0", "weight": "high"}]),
            "weight must be a finite number",
        ),
        (
            instance(pairs=[{"government_id": "G0", "partner_id": "P0", "weight": 1}] * 2),
            "repeats the pair",
        ),
    ],
)
def test_load_instance_rejects_bad_files_clearly(
    tmp_path: Path, content: Any, message: str
) -> None:
    path = write(tmp_path, content)
    with pytest.raises(ValueError, match=message) as error:
        load_instance(path)
    assert str(path) in str(error.value)


def test_load_instance_rejects_a_broken_gzip_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.json.gz"
    path.write_bytes(b"this is not gzip")
    with pytest.raises(ValueError, match="not a readable JSON"):
        load_instance(path)


def test_schedule_csv_has_the_header_and_one_row_per_booking() -> None:
    out = io.StringIO()
    write_schedule_csv([Booking("G0", "P0", 1, 0), Booking("G0", "P1", 2, 1)], out)
    header = "government_id,partner_id,slot,table,interpreter\n"
    assert out.getvalue() == header + "G0,P0,1,0,\nG0,P1,2,1,\n"
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert rows[1] == {
        "government_id": "G0",
        "partner_id": "P1",
        "slot": "2",
        "table": "1",
        "interpreter": "",
    }


def test_solving_a_loaded_instance_end_to_end(tmp_path: Path) -> None:
    result = solve(load_instance(write(tmp_path, instance())))
    slots = {b.partner_id: b.slot for b in result.bookings}
    assert slots["P0"] in {0, 1} and slots["P1"] == 2
    assert result.report.total_weight == 47.5
    assert result.report.upper_bound == 47.5


def test_format_report_summarises_the_run() -> None:
    report = ScheduleReport(
        total_weight=95.0,
        meetings=3,
        upper_bound=100.0,
        gap_to_bound=0.05,
        meetings_per_official={0: 1, 2: 3},
        meetings_per_partner={1: 4},
        unserved_officials=[("G7", "attends no slot")],
        unscheduled_pairs=[(ApprovedPair("G1", "P1", 3.0), "official at cap")] * 2,
        seconds=1.25,
    )
    text = format_report(report)
    assert "total weight : 95" in text
    assert "meetings     : 3" in text
    assert "95.00% of bound" in text
    assert "1.25 s" in text
    assert "0: 1, 2: 3" in text and "1: 4" in text
    assert "2  official at cap" in text
    assert "G7: attends no slot" in text
