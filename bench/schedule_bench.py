"""Benchmark the scheduling solver on the shared instances and validate with the official checker.

Usage:
    python bench/schedule_bench.py [--instances DIR] [--only NAME_OR_SIZE ...] [--out DIR]
                                   [--checker PY] [--time-limit S]

For each instance (``.json`` or ``.json.gz``): load, solve within what is left of the time
limit, write the schedule CSV, run ``check.py INSTANCE CSV --json`` (which sits next to the
instances folder), check table numbers (the checker ignores them) and print one row: instance,
pairs, meetings, weight, % of the bound file's bound, % of the solver's own (flow) bound, the
solver's tighter (grouped-flow) bound and the weight's % of it, seconds to solve (wall clock and
this process's CPU time: on a shared machine the second is the steadier) and to load, the
overshoot past the time limit, the process's peak memory so far and the checker's verdict.
``--only`` takes instance names (``xl-stress``) or sizes (``xxl``). Before the verdict come
how compact the personal agendas are (``idle``: idle slots between meetings of a day, summed
over people; ``people``: how many have any; ``last``: the mean slot of the day, from 1, of a
person's last meeting) and ``spread``: meetings at the busiest table minus at the idlest.

With ``--interpreters`` it runs on the instances with languages and interpreters made from those
by ``bench/interpreter_instances.py`` (written to ``bench/out/interpreter-instances``), checks them
with ``bench/sched_check.py`` (which also checks tables and interpreters), and adds the meetings
that need an interpreter, how many of them have one and that share.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from matchmaker.domain.scheduling import Booking, load_instance, solve, write_schedule_csv

REPO = Path(__file__).resolve().parents[1]
SIZES = ("small", "medium", "large", "xl", "xxl")
TIME_LIMIT = 60.0  # seconds per instance, reading the file included (issue 16)


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
        files = [f for f in files if _name(f) in only or _name(f).split("-")[0] in only]

    def order(f: Path) -> tuple[int, str]:
        size = _name(f).split("-")[0]
        return (SIZES.index(size) if size in SIZES else len(SIZES), _name(f))

    return sorted(files, key=order)


def table_violations(bookings: list[Booking], num_tables: int) -> int:
    """Bookings with a table out of range or sharing (slot, table) with another."""
    seats = Counter((b.slot, b.table) for b in bookings)
    clashes = sum(n - 1 for n in seats.values() if n > 1)
    return clashes + sum(1 for b in bookings if not 0 <= b.table < num_tables)


def run_one(path: Path, out: Path, checker: Path, time_limit: float) -> dict[str, object]:
    """Solve one instance, write and check its schedule, and return the row to print."""
    started = time.perf_counter()
    problem = load_instance(path)
    loading = time.perf_counter() - started
    solving, cpu = time.perf_counter(), time.process_time()
    result = solve(problem, time_limit=max(time_limit - loading, 0.0))
    seconds, cpu = time.perf_counter() - solving, time.process_time() - cpu
    overshoot = max(time.perf_counter() - started - time_limit, 0.0)
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
    report = result.report
    tighter = report.upper_bound if report.tighter_bound is None else report.tighter_bound
    violations = verdict.get("violations", "?")
    return {
        "instance": _name(path),
        "pairs": len(problem.pairs),
        "meetings": verdict.get("meetings", len(result.bookings)),
        "weight": verdict.get("weight", result.report.total_weight),
        "pct": verdict.get("pct_of_upper_bound"),
        "own_pct": 100.0 * (1.0 - result.report.gap_to_bound),
        "tighter": tighter,
        "tighter_pct": 100.0 * result.report.total_weight / tighter if tighter > 0 else 100.0,
        "seconds": seconds,
        "cpu": cpu,
        "loading": loading,
        "overshoot": overshoot,
        "peak_mb": _peak_rss_mb(),
        "staffed": _staffed(verdict),
        "idle": report.idle_gaps,
        "people_idle": report.people_with_gaps,
        "last": report.mean_last_slot,
        "spread": report.table_spread,
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
    parser.add_argument(
        "--time-limit", type=float, default=TIME_LIMIT, help="seconds per instance, with loading"
    )
    parser.add_argument(
        "--interpreters", action="store_true", help="add languages and interpreters to each"
    )
    args = parser.parse_args(argv)
    checker = args.checker or args.instances.parent / "check.py"
    paths = instance_files(args.instances, args.only)
    if args.interpreters:
        checker = args.checker or REPO / "bench" / "sched_check.py"
        paths = _with_interpreters(paths)
    args.out.mkdir(parents=True, exist_ok=True)
    width = 21 if args.interpreters else 14  # names gain "-interp"
    staffed = f"{'staffed (needing)':>22}  " if args.interpreters else ""
    header = (
        f"{'instance':<{width}} {'pairs':>6} {'meetings':>8} {'weight':>9} {'% bound':>8} "
        f"{'% own':>7} {'tighter bound':>13} {'% tighter':>9} {'solve s':>7} {'cpu s':>6} "
        f"{'load s':>6} {'over s':>6} {'peak MB':>7} {'idle':>6} {'people':>6} {'last':>5} "
        f"{'spread':>6}  "
        f"{staffed}checker"
    )
    print(header)
    print("-" * len(header))
    ok = True
    for path in paths:
        row = run_one(path, args.out, checker, args.time_limit)
        ok = ok and str(row["verdict"]).startswith("VALID")
        pct = f"{row['pct']:.3f}" if isinstance(row["pct"], float) else "-"
        staffed = f"{row['staffed']:>22}  " if args.interpreters else ""
        print(
            f"{row['instance']:<{width}} {row['pairs']:>6} {row['meetings']:>8} {row['weight']:>9} "
            f"{pct:>8} {row['own_pct']:>7.3f} {row['tighter']:>13.0f} {row['tighter_pct']:>9.3f} "
            f"{row['seconds']:>7.2f} {row['cpu']:>6.2f} {row['loading']:>6.2f} "
            f"{row['overshoot']:>6.2f} {row['peak_mb']:>7.0f} {row['idle']:>6} "
            f"{row['people_idle']:>6} {row['last']:>5.2f} {row['spread']:>6}  "
            f"{staffed}{row['verdict']}",
            flush=True,
        )
    return 0 if ok else 1


def _with_interpreters(sources: list[Path]) -> list[Path]:
    """The interpreter versions of ``sources``, generated unless already newer than them."""
    from interpreter_instances import DEFAULT_OUT, generate, target_of

    generator = Path(__file__).with_name("interpreter_instances.py")
    paths = []
    for source in sources:
        target = target_of(source, DEFAULT_OUT)
        newest = max(source.stat().st_mtime, generator.stat().st_mtime)
        if not target.exists() or target.stat().st_mtime < newest:
            target = generate(source, DEFAULT_OUT)
        paths.append(target)
    return paths


def _staffed(verdict: dict[str, object]) -> str:
    """``staffed (needing) = share %`` from the extended checker's verdict, else ``-``."""
    needing, staffed = verdict.get("needing_interpreter"), verdict.get("staffed")
    if not isinstance(needing, int) or not isinstance(staffed, int):
        return "-"
    share = 100.0 * staffed / needing if needing else 100.0
    return f"{staffed} ({needing}) {share:5.1f}%"


def _peak_rss_mb() -> float:
    """This process's peak resident memory so far (the checker runs in its own process)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def _name(path: Path) -> str:
    return path.name.removesuffix(".gz").removesuffix(".json")


if __name__ == "__main__":
    sys.exit(main())
