#!/usr/bin/env python3
"""Validate a meeting schedule against a benchmark instance, tables and interpreters included.

The shared checker (``shared/bench/sched/check.py``) with the same command line, output and exit
codes, extended for ``b2b-sched/1`` instances with languages and interpreters (standard library
only, so it runs without the project installed):

    python bench/sched_check.py INSTANCE.json[.gz] SCHEDULE.csv [--bound BOUND.json] [--json]
                                [--max-examples N]

SCHEDULE.csv needs a header with at least ``government_id,partner_id,slot``. Besides the shared
checker's violations (malformed_row, slot_out_of_range, unknown_government, unknown_partner,
pair_not_approved, duplicate_pair, government/partner_unavailable, government/partner_double_booked,
table_capacity, government/partner_over_cap) it reports, for meetings that pass those checks:

  table_out_of_range         with a ``table`` column: a table that is not an integer 0..T-1
  table_shared               two meetings at one (slot, table) (one violation per extra meeting)
  unknown_interpreter        with an ``interpreter`` column: an id not in the instance
  interpreter_not_needed     an interpreter on a meeting whose sides share a language (or one
                             side declares none)
  interpreter_unavailable    the interpreter does not work at that slot
  interpreter_language       the interpreter shares no language with one of the sides
  interpreter_double_booked  one interpreter at two meetings of one slot (one per extra meeting)

A meeting needs an interpreter when both sides declare languages and share none; one that needs
an interpreter and has none is not a violation, it is counted as unstaffed.

Exit status: 0 = valid schedule, 1 = at least one violation, 2 = usage / input error.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import os
import sys
from collections import Counter, defaultdict
from typing import Any

REQUIRED = ("government_id", "partner_id", "slot")
OPTIONAL = ("table", "interpreter")


def load_instance(path: str) -> dict[str, Any]:
    """The instance's JSON (gzipped when the name ends in ``.gz``)."""
    if path.endswith(".gz"):
        with gzip.open(path, "rt", encoding="utf-8") as f:
            return json.load(f)
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def default_bound_path(instance_path: str) -> str:
    """``<instance name without .json/.json.gz>.bound.json``."""
    for suffix in (".json.gz", ".json"):
        if instance_path.endswith(suffix):
            return instance_path[: -len(suffix)] + ".bound.json"
    return instance_path + ".bound.json"


def read_schedule(path: str) -> tuple[list[tuple[Any, ...]], set[str]]:
    """Rows ``(line_no, government_id, partner_id, slot, table, interpreter)`` (texts; the last
    two empty when their column is absent) and the optional columns the header has."""
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        try:
            header = next(reader)
        except StopIteration:
            raise ValueError("empty CSV (no header)") from None
        cols = [h.strip().lower() for h in header]
        missing = [c for c in REQUIRED if c not in cols]
        if missing:
            raise ValueError(f"CSV header lacks column(s): {', '.join(missing)} (header: {header})")
        where = [cols.index(c) if c in cols else None for c in (*REQUIRED, *OPTIONAL)]
        rows = []
        for line_no, rec in enumerate(reader, start=2):
            if not rec or all(not x.strip() for x in rec):
                continue  # blank line
            values = [rec[i].strip() if i is not None and i < len(rec) else "" for i in where]
            rows.append((line_no, *values))
        return rows, {c for c in OPTIONAL if c in cols}


class _Violations:
    """Counts per kind and a few example messages of each."""

    def __init__(self, max_examples: int) -> None:
        self.counts: Counter[str] = Counter()
        self.examples: dict[str, list[str]] = defaultdict(list)
        self.max_examples = max_examples

    def __call__(self, kind: str, message: str, times: int = 1) -> None:
        if times <= 0:
            return
        self.counts[kind] += times
        if len(self.examples[kind]) < self.max_examples and message not in self.examples[kind]:
            self.examples[kind].append(message)


def validate(inst: dict[str, Any], rows: list[tuple[Any, ...]], max_examples: int = 5) -> dict:
    """Check every rule; return the figures and violations as a JSON-ready dict."""
    num_slots, num_tables = int(inst["num_slots"]), int(inst["num_tables"])
    gov = {x["id"]: x for x in inst["governments"]}
    par = {x["id"]: x for x in inst["partners"]}
    weight = {(x["government_id"], x["partner_id"]): x["weight"] for x in inst["pairs"]}
    bad = _Violations(max_examples)
    seen: dict[tuple[str, str], int] = {}
    kept = []  # (where, g, p, slot, table text, interpreter text) of the counted meetings
    for line_no, g, p, slot_text, table, interpreter in rows:
        if not g or not p or not slot_text:
            bad("malformed_row", f"line {line_no}: missing value")
            continue
        try:
            s = int(slot_text)
        except ValueError:
            bad("malformed_row", f"line {line_no}: slot {slot_text!r} is not an integer")
            continue
        where = f"line {line_no} ({g},{p},{s})"
        if s < 0 or s >= num_slots:
            bad("slot_out_of_range", f"{where}: slot must be in 0..{num_slots - 1}")
            continue
        if g not in gov or p not in par:
            if g not in gov:
                bad("unknown_government", where)
            if p not in par:
                bad("unknown_partner", where)
            continue
        if (g, p) not in weight:
            bad("pair_not_approved", where)
            continue
        if (g, p) in seen:
            bad("duplicate_pair", f"{where}: already scheduled on line {seen[(g, p)]}")
            continue
        seen[(g, p)] = line_no
        kept.append((where, g, p, s, table, interpreter))
    _check_people(inst, gov, par, kept, bad)
    _check_tables(num_tables, kept, bad)
    staffing = _check_interpreters(inst, gov, par, kept, bad)
    slot_n = Counter(m[3] for m in kept)
    return {
        "instance": inst.get("name"),
        "rows": len(rows),
        "meetings": len(kept),
        "weight": sum(weight[(m[1], m[2])] for m in kept),
        "violations": sum(bad.counts.values()),
        "violation_counts": dict(sorted(bad.counts.items())),
        "violation_examples": dict(bad.examples),
        "max_slot_load": max(slot_n.values()) if slot_n else 0,
        "num_tables": num_tables,
        **staffing,
    }


def _check_people(inst: dict, gov: dict, par: dict, kept: list, bad: _Violations) -> None:
    """Presence, one meeting per person per slot, tables per slot and caps."""
    at: dict[tuple[str, str, int], list[str]] = defaultdict(list)
    n_of: Counter[tuple[str, str]] = Counter()
    for where, g, p, s, _, _ in kept:
        if s not in gov[g]["available"]:
            bad("government_unavailable", where)
        if s not in par[p]["available"]:
            bad("partner_unavailable", where)
        at[("government", g, s)].append(p)
        at[("partner", p, s)].append(g)
        n_of[("government", g)] += 1
        n_of[("partner", p)] += 1
    for (side, who, s), others in sorted(at.items()):
        message = f"{who} slot {s}: {len(others)} meetings ({','.join(others)})"
        bad(f"{side}_double_booked", message, len(others) - 1)
    num_tables = int(inst["num_tables"])
    for s, n in sorted(Counter(m[3] for m in kept).items()):
        bad("table_capacity", f"slot {s}: {n} meetings > {num_tables} tables", n - num_tables)
    for (side, who), n in sorted(n_of.items()):
        cap = int((gov if side == "government" else par)[who]["cap"])
        bad(f"{side}_over_cap", f"{who}: {n} meetings > cap {cap}", n - cap)


def _check_tables(num_tables: int, kept: list, bad: _Violations) -> None:
    """Table numbers 0..T-1, each (slot, table) at most once (rows without a table skip this)."""
    seats: dict[tuple[int, int], list[str]] = defaultdict(list)
    for where, _, _, s, table, _ in kept:
        if not table:
            continue
        try:
            t = int(table)
        except ValueError:
            t = -1
        if not 0 <= t < num_tables:
            bad("table_out_of_range", f"{where}: table {table!r} is not in 0..{num_tables - 1}")
            continue
        seats[(s, t)].append(where)
    for (s, t), wheres in sorted(seats.items()):
        message = f"slot {s} table {t}: {len(wheres)} meetings ({'; '.join(wheres)})"
        bad("table_shared", message, len(wheres) - 1)


def _languages(person: dict) -> set[str]:
    return {str(c).strip().lower() for c in person.get("languages") or []}


def _check_interpreters(inst: dict, gov: dict, par: dict, kept: list, bad: _Violations) -> dict:
    """Interpreter rules; returns how many meetings need one, have one, and lack one."""
    interpreters = {x["id"]: x for x in inst.get("interpreters") or []}
    busy: dict[tuple[str, int], list[str]] = defaultdict(list)
    needing = staffed = 0
    for where, g, p, s, _, ident in kept:
        g_lang, p_lang = _languages(gov[g]), _languages(par[p])
        needs = bool(g_lang) and bool(p_lang) and not g_lang & p_lang
        needing += needs
        if not ident:
            continue
        if not needs:
            bad("interpreter_not_needed", f"{where}: {ident} on a meeting that needs none")
            continue
        if ident not in interpreters:
            bad("unknown_interpreter", f"{where}: {ident}")
            continue
        staffed += 1
        busy[(ident, s)].append(where)
        if s not in interpreters[ident]["available"]:
            bad("interpreter_unavailable", f"{where}: {ident} does not work at slot {s}")
        speaks = _languages(interpreters[ident])
        if not speaks & g_lang or not speaks & p_lang:
            bad("interpreter_language", f"{where}: {ident} speaks {'/'.join(sorted(speaks))}")
    for (ident, s), wheres in sorted(busy.items()):
        message = f"{ident} slot {s}: {len(wheres)} meetings ({'; '.join(wheres)})"
        bad("interpreter_double_booked", message, len(wheres) - 1)
    return {"needing_interpreter": needing, "staffed": staffed, "unstaffed": needing - staffed}


def _add_bound(res: dict, bound: dict) -> None:
    res["upper_bound"] = bound["upper_bound"]
    res["pct_of_upper_bound"] = (
        100.0 * res["weight"] / bound["upper_bound"] if bound["upper_bound"] > 0 else None
    )
    best = bound.get("best_known") or {}
    if best.get("weight"):
        res["best_known_weight"] = best["weight"]
        res["pct_of_best_known"] = 100.0 * res["weight"] / best["weight"]


def _num(x: float) -> str:
    """Whole numbers without a decimal point, others with up to 6 decimals."""
    return str(int(x)) if float(x).is_integer() else f"{x:.6f}".rstrip("0")


def _print(res: dict, inst: dict, bound: dict | None, bound_path: str, columns: set[str]) -> None:
    print(f"instance   : {res['instance']} (S={inst['num_slots']}, T={res['num_tables']})")
    print(
        f"rows       : {res['rows']}   counted meetings: {res['meetings']}   "
        f"max meetings in a slot: {res['max_slot_load']}"
    )
    invalid = "" if res["violations"] == 0 else "   (schedule INVALID: not a valid score)"
    print(f"weight     : {_num(res['weight'])}{invalid}")
    if bound is not None:
        method = bound.get("upper_bound_method", "?")
        print(
            f"upper bound: {_num(bound['upper_bound'])} ({method})  -> "
            f"{res['pct_of_upper_bound'] or 0.0:.3f}% of bound, "
            f"gap {_num(bound['upper_bound'] - res['weight'])}"
        )
        if "pct_of_best_known" in res:
            print(
                f"best known : {_num(res['best_known_weight'])}  -> "
                f"{res['pct_of_best_known']:.3f}% of best known"
            )
    else:
        print(f"upper bound: (no bound file at {bound_path})")
    if "table" not in columns:
        print("tables     : (no table column: not checked)")
    print(
        f"interpreter: {res['needing_interpreter']} meetings need one, {res['staffed']} staffed, "
        f"{res['unstaffed']} unstaffed"
    )
    if res["violations"]:
        print(f"INVALID: {res['violations']} violation(s)")
        for kind, n in res["violation_counts"].items():
            print(f"  {kind:<26} {n}")
            for message in res["violation_examples"].get(kind, []):
                print(f"      e.g. {message}")
    else:
        print("VALID: all hard constraints satisfied")


def main(argv: list[str] | None = None) -> int:
    """Check one schedule; exit 0 when valid, 1 with violations, 2 on bad input."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("instance")
    parser.add_argument("schedule")
    parser.add_argument("--bound", help="bound file (default: next to the instance)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--max-examples", type=int, default=5)
    args = parser.parse_args(argv)
    try:
        inst = load_instance(args.instance)
        rows, columns = read_schedule(args.schedule)
        res = validate(inst, rows, args.max_examples)
    except (OSError, ValueError, KeyError, TypeError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    bound_path = args.bound or default_bound_path(args.instance)
    bound = None
    if os.path.exists(bound_path):
        with open(bound_path, encoding="utf-8") as f:
            bound = json.load(f)
        _add_bound(res, bound)
    elif args.bound:
        print(f"error: bound file {bound_path} not found", file=sys.stderr)
        return 2
    res["valid"] = res["violations"] == 0
    if args.json:
        print(json.dumps(res, indent=2))
    else:
        _print(res, inst, bound, bound_path, columns)
    return 0 if res["valid"] else 1


if __name__ == "__main__":
    sys.exit(main())
