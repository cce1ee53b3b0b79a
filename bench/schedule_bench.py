"""Benchmark the scheduling solver on the shared instances and validate with the official checker.

Usage:
    python bench/schedule_bench.py [--instances DIR] [--only NAME ...] [--out DIR] [--checker PY]

For each instance: solve, write the schedule CSV, run ``check.py INSTANCE CSV --json`` (which
sits next to the instances folder), check table numbers (the checker ignores them) and print
one row: instance, pairs, meetings, weight, % of the bound file's bound, % of the solver's own
(flow) bound, seconds to solve and to load, and the checker's verdict.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from matchmaker.domain.scheduling import Booking, load_instance, solve, write_schedule_csv

REPO = Path(__file__).resolve().parents[1]
SIZES = ("small", "medium", "large", "xl")


def default_instances() -> Path:
    """The shared instances folder: $MATCHMAKER_SHARED_DIR or ../shared next to the repo."""
    shared = os.environ.get("MATCHMAKER_SHARED_DIR") or REPO / ".." / "shared"
    return Path(shared) / "bench" / "sched" / "instances"


def instance_files(folder: Path, only: list[str] | None) -> list[Path]:
    """Instance files (not bound files), smallest size first."""
    files = [
        f
        for f in folder.iterdir()
        if f.name.endswith((".json", ".json.gz")) and ".bound." not in f.name
    ]
    if only:
        files = [f for f in files if _name(f) in only]

    def order(f: Path) -> tuple[int, str]:
        size = _name(f).split("-")[0]
        return (SIZES.index(size) if size in SIZES else len(SIZES), _name(f))

    return sorted(files, key=order)


def table_violations(bookings: list[Booking], num_tables: int) -> int:
    """Bookings with a table out of range or sharing (slot, table) with another."""
    seats = Counter((b.slot, b.table) for b in bookings)
    clashes = sum(n - 1 for n in seats.values() if n > 1)
    return clashes + sum(1 for b in bookings if not 0 <= b.table < num_tables)


def run_one(path: Path, out: Path, checker: Path) -> dict[str, object]:
    """Solve one instance, write and check its schedule, and return the row to print."""
    started = time.perf_counter()
    problem = load_instance(path)
    loading = time.perf_counter() - started
    started = time.perf_counter()
    result = solve(problem)
    seconds = time.perf_counter() - started
    csv_path = out / f"{_name(path)}.csv"
    with csv_path.open("w", encoding="utf-8", newline="") as f:
        write_schedule_csv(result.bookings, f)
    checked = subprocess.run(
        [sys.executable, str(checker), str(path), str(csv_path), "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    verdict = json.loads(checked.stdout) if checked.returncode in (0, 1) else {}
    tables = table_violations(result.bookings, problem.num_tables)
    violations = verdict.get("violations", "?")
    return {
        "instance": _name(path),
        "pairs": len(problem.pairs),
        "meetings": verdict.get("meetings", len(result.bookings)),
        "weight": verdict.get("weight", result.report.total_weight),
        "pct": verdict.get("pct_of_upper_bound"),
        "own_pct": 100.0 * (1.0 - result.report.gap_to_bound),
        "seconds": seconds,
        "loading": loading,
        "verdict": (
            f"VALID (0 violations, {tables} table clashes)"
            if violations == 0 and tables == 0
            else f"INVALID ({violations} violations, {tables} table clashes) {checked.stderr}"
        ),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the table; exit 1 if any schedule is invalid."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=Path, default=default_instances())
    parser.add_argument("--only", nargs="+", metavar="NAME", help="e.g. large-stress xl-tight")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out" / "schedules")
    parser.add_argument("--checker", type=Path, help="default: check.py next to --instances")
    args = parser.parse_args(argv)
    checker = args.checker or args.instances.parent / "check.py"
    args.out.mkdir(parents=True, exist_ok=True)
    header = (
        f"{'instance':<14} {'pairs':>6} {'meetings':>8} {'weight':>9} {'% bound':>8} "
        f"{'% own':>7} {'solve s':>7} {'load s':>6}  checker"
    )
    print(header)
    print("-" * len(header))
    ok = True
    for path in instance_files(args.instances, args.only):
        row = run_one(path, args.out, checker)
        ok = ok and str(row["verdict"]).startswith("VALID")
        pct = f"{row['pct']:.3f}" if isinstance(row["pct"], float) else "-"
        print(
            f"{row['instance']:<14} {row['pairs']:>6} {row['meetings']:>8} {row['weight']:>9} "
            f"{pct:>8} {row['own_pct']:>7.3f} {row['seconds']:>7.2f} {row['loading']:>6.2f}"
            f"  {row['verdict']}",
            flush=True,
        )
    return 0 if ok else 1


def _name(path: Path) -> str:
    return path.name.removesuffix(".gz").removesuffix(".json")


if __name__ == "__main__":
    sys.exit(main())
