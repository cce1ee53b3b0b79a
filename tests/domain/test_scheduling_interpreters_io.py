"""Languages and interpreters in instance files, the schedule CSV and the extended checker."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from matchmaker.domain.scheduling import (
    Interpreter,
    load_instance,
    solve,
    write_schedule_csv,
)

REPO = Path(__file__).resolve().parents[2]
CHECKER = REPO / "bench" / "sched_check.py"
GENERATOR = REPO / "bench" / "interpreter_instances.py"


def instance(**changes: Any) -> dict[str, Any]:
    """G0 (Spanish) may meet P0 (English: needs an interpreter) and P1 (Spanish)."""
    data: dict[str, Any] = {
        "format": "b2b-sched/1",
        "name": "tiny-interp",
        "num_slots": 3,
        "num_tables": 2,
        "governments": [
            {"id": "G0", "cap": 2, "available": [0, 1, 2], "languages": ["es"]},
            {"id": "G1", "cap": 2, "available": [0, 1, 2], "languages": ["ES", "en"]},
        ],
        "partners": [
            {"id": "P0", "cap": 2, "available": [0, 1, 2], "languages": ["en"]},
            {"id": "P1", "cap": 2, "available": [0, 1, 2]},
        ],
        "pairs": [
            {"government_id": "G0", "partner_id": "P0", "weight": 40},
            {"government_id": "G0", "partner_id": "P1", "weight": 7},
            {"government_id": "G1", "partner_id": "P0", "weight": 5},
        ],
        "interpreters": [
            {"id": "I0", "languages": ["es", "en"], "available": [1]},
            {"id": "I1", "languages": ["es", "fr"], "available": [0, 1, 2]},
        ],
    }
    data.update(changes)
    return data


def write(tmp_path: Path, data: Any, name: str = "instance.json") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def check(instance_path: Path, rows: list[str], tmp_path: Path) -> tuple[int, dict[str, Any]]:
    """Run the extended checker on a CSV made of ``rows``; its exit code and JSON verdict."""
    schedule = tmp_path / "schedule.csv"
    schedule.write_text("\n".join(rows) + "\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(CHECKER), str(instance_path), str(schedule), "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.returncode, json.loads(done.stdout) if done.stdout else {}


# -- instance files ----------------------------------------------------------------------------
def test_languages_and_interpreters_are_read(tmp_path: Path) -> None:
    problem = load_instance(write(tmp_path, instance()))
    assert problem.governments["G0"].languages == {"es"}
    assert problem.governments["G1"].languages == {"es", "en"}  # codes are lower-cased
    assert problem.partners["P1"].languages == frozenset()
    assert problem.interpreters == [
        Interpreter("I0", frozenset({"es", "en"}), frozenset({1})),
        Interpreter("I1", frozenset({"es", "fr"}), frozenset({0, 1, 2})),
    ]


def test_files_without_the_extension_read_as_before(tmp_path: Path) -> None:
    data = instance()
    del data["interpreters"]
    for person in [*data["governments"], *data["partners"]]:
        person.pop("languages", None)
    problem = load_instance(write(tmp_path, data))
    assert problem.interpreters == []
    assert all(not a.languages for a in [*problem.governments.values()])


def interpreter_entry(**changes: Any) -> dict[str, Any]:
    return {"id": "I0", "languages": ["es", "en"], "available": [1], **changes}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"governments": [{"id": "G0", "cap": 1, "available": [], "languages": "es"}]},
            r"governments\[0\]\.languages must be a list of language codes",
        ),
        (
            {"partners": [{"id": "P0", "cap": 1, "available": [], "languages": ["en", ""]}]},
            r"partners\[0\]\.languages must be a list",
        ),
        ({"interpreters": {"I0": {}}}, "interpreters must be a list"),
        ({"interpreters": ["I0"]}, r"interpreters\[0\] must be an object"),
        ({"interpreters": [interpreter_entry(id="")]}, r"interpreters\[0\]\.id must be"),
        (
            {"interpreters": [interpreter_entry(), interpreter_entry()]},
            r"interpreters\[1\]\.id 'I0' appears twice",
        ),
        (
            {"interpreters": [{"id": "I0", "available": [1]}]},
            r"interpreters\[0\]\.languages must be a list",
        ),
        (
            {"interpreters": [interpreter_entry(available=[3])]},
            r"interpreters\[0\]\.available must be a list of slot indexes 0\.\.2",
        ),
    ],
)
def test_bad_language_or_interpreter_entries_are_refused_clearly(
    tmp_path: Path, changes: dict[str, Any], message: str
) -> None:
    data = instance(**changes)
    if "governments" in changes or "partners" in changes:
        data["pairs"] = []
    path = write(tmp_path, data)
    with pytest.raises(ValueError, match=message) as error:
        load_instance(path)
    assert str(path) in str(error.value)


def test_the_schedule_csv_names_the_interpreter(tmp_path: Path) -> None:
    result = solve(load_instance(write(tmp_path, instance())))
    out = io.StringIO()
    write_schedule_csv(result.bookings, out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "government_id,partner_id,slot,table,interpreter"
    assert any(line.startswith("G0,P0,1,") and line.endswith(",I0") for line in lines)
    assert any(line.startswith("G0,P1,") and line.endswith(",") for line in lines)
    assert result.report.unstaffed == [] and result.report.interpreted == 1


# -- the extended checker ----------------------------------------------------------------------
def test_the_checker_accepts_a_solved_schedule_and_counts_staffing(tmp_path: Path) -> None:
    path = write(tmp_path, instance())
    result = solve(load_instance(path))
    out = io.StringIO()
    write_schedule_csv(result.bookings, out)
    code, verdict = check(path, out.getvalue().splitlines(), tmp_path)
    assert code == 0, verdict
    assert verdict["meetings"] == 3 and verdict["weight"] == 52
    assert (verdict["needing_interpreter"], verdict["staffed"], verdict["unstaffed"]) == (1, 1, 0)


@pytest.mark.parametrize(
    ("rows", "kind"),
    [
        (["G0,P0,0,0,I0"], "interpreter_unavailable"),
        (["G0,P0,1,0,I1"], "interpreter_language"),
        (["G0,P0,1,0,I9"], "unknown_interpreter"),
        (["G0,P1,1,0,I0"], "interpreter_not_needed"),
        (["G1,P0,1,0,I0"], "interpreter_not_needed"),  # G1 speaks English too
        (["G0,P1,1,0,", "G1,P0,1,0,"], "table_shared"),
        (["G0,P1,1,2,"], "table_out_of_range"),
        (["G0,P1,1,x,"], "table_out_of_range"),
        (["G0,P0,1,0,I0", "G0,P1,1,1,"], "government_double_booked"),
    ],
)
def test_the_checker_reports_each_violation(tmp_path: Path, rows: list[str], kind: str) -> None:
    path = write(tmp_path, instance())
    code, verdict = check(
        path, ["government_id,partner_id,slot,table,interpreter", *rows], tmp_path
    )
    assert code == 1
    assert list(verdict["violation_counts"]) == [kind]


def test_the_checker_reports_an_interpreter_at_two_meetings_of_one_slot(tmp_path: Path) -> None:
    data = instance()
    data["governments"].append({"id": "G2", "cap": 2, "available": [1], "languages": ["es"]})
    data["pairs"].append({"government_id": "G2", "partner_id": "P0", "weight": 3})
    data["partners"].append({"id": "P2", "cap": 2, "available": [1], "languages": ["en"]})
    data["pairs"].append({"government_id": "G0", "partner_id": "P2", "weight": 3})
    path = write(tmp_path, data)
    rows = ["government_id,partner_id,slot,table,interpreter", "G2,P0,1,0,I0", "G0,P2,1,1,I0"]
    code, verdict = check(path, rows, tmp_path)
    assert code == 1
    assert verdict["violation_counts"] == {"interpreter_double_booked": 1}
    rows[-1] = "G0,P2,1,1,"
    code, verdict = check(path, rows, tmp_path)
    assert code == 0 and (verdict["staffed"], verdict["unstaffed"]) == (1, 1)


def test_the_checker_refuses_bad_input_with_exit_status_2(tmp_path: Path) -> None:
    path = write(tmp_path, instance())
    code, _ = check(path, ["government_id,slot", "G0,1"], tmp_path)
    assert code == 2


# -- the generator -----------------------------------------------------------------------------
def test_the_generator_is_deterministic_and_adds_what_it_promises(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    people = [{"id": f"G{i}", "cap": 4, "available": list(range(4))} for i in range(10)]
    partners = [{"id": f"P{i}", "cap": 4, "available": list(range(4))} for i in range(30)]
    pairs = [
        {"government_id": f"G{i}", "partner_id": f"P{j}", "weight": 1 + (i * j) % 9}
        for i in range(10)
        for j in range(30)
        if (i + j) % 3 == 0
    ]
    base = instance(name="gen", governments=people, partners=partners, pairs=pairs, num_slots=4)
    del base["interpreters"]
    write(source, base, "gen.json")
    outputs = []
    for run in ("a", "b"):
        subprocess.run(
            [
                sys.executable,
                str(GENERATOR),
                "--instances",
                str(source),
                "--out",
                str(tmp_path / run),
            ],
            check=True,
            capture_output=True,
        )
        outputs.append((tmp_path / run / "gen-interp.json").read_bytes())
    assert outputs[0] == outputs[1]
    problem = load_instance(tmp_path / "a" / "gen-interp.json")
    lacking = [
        p
        for p in problem.pairs
        if not problem.governments[p.government_id].languages
        & problem.partners[p.partner_id].languages
    ]
    assert 0.15 <= len(lacking) / len(problem.pairs) < 0.25
    assert problem.interpreters and all("es" in i.languages for i in problem.interpreters)
