"""Reading ``b2b-sched/1`` instance files and writing schedules as CSV."""

from __future__ import annotations

import csv
import gzip
import json
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TextIO

from .model import ApprovedPair, Attendee, Booking, Interpreter, SchedulingProblem

FORMAT = "b2b-sched/1"
CSV_HEADER = ("government_id", "partner_id", "slot", "table", "interpreter")


def load_instance(path: str | Path) -> SchedulingProblem:
    """Read a ``b2b-sched/1`` JSON instance (optionally gzipped) into a problem.

    Raises ``ValueError`` naming the file and the offending entry when the content is not a
    valid instance (bad JSON, wrong format tag, missing keys, wrong types, unknown or duplicate
    ids, slots out of range); ``OSError`` propagates when the file cannot be read. Optional
    extensions: ``"languages"`` (codes) on governments and partners, and a top-level
    ``"interpreters"`` list of ``{"id", "languages", "available"}``.
    """
    path = Path(path)
    try:
        if path.name.endswith(".gz"):
            with gzip.open(path, "rt", encoding="utf-8") as f:
                data = json.load(f)
        else:
            with path.open(encoding="utf-8") as f:
                data = json.load(f)
    except (json.JSONDecodeError, UnicodeDecodeError, gzip.BadGzipFile, EOFError) as exc:
        raise ValueError(f"{path}: not a readable JSON instance ({exc})") from exc
    try:
        return _parse(data)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None


def write_schedule_csv(bookings: Iterable[Booking], out: TextIO) -> None:
    """Write bookings as CSV with the header ``government_id,partner_id,slot,table,interpreter``
    (the interpreter's id, empty when the meeting has none)."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for b in bookings:
        writer.writerow((b.government_id, b.partner_id, b.slot, b.table, b.interpreter or ""))


def _parse(data: Any) -> SchedulingProblem:
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object at the top level")
    if data.get("format") != FORMAT:
        raise ValueError(f"format must be {FORMAT!r}, got {data.get('format')!r}")
    num_slots = _int(data, "num_slots", "", minimum=1)
    num_tables = _int(data, "num_tables", "", minimum=0)
    governments = _attendees(data, "governments", num_slots)
    partners = _attendees(data, "partners", num_slots)
    pairs = _pairs(data, governments, partners)
    problem = SchedulingProblem(num_slots, num_tables, governments, partners, pairs)
    problem.interpreters = _interpreters(data, num_slots)
    problem.day_of_slot = _days(data, num_slots)
    return problem


def _days(data: dict[str, Any], num_slots: int) -> list[int] | None:
    """The day of each slot from the optional ``slots`` list (None when it is absent)."""
    if "slots" not in data:
        return None
    days: dict[int, int] = {}
    for i, raw in enumerate(_list(data, "slots")):
        if not isinstance(raw, dict):
            raise ValueError(f"slots[{i}] must be an object")
        index = _int(raw, "index", f"slots[{i}].", minimum=0)
        if index >= num_slots or index in days:
            raise ValueError(f"slots[{i}].index {index} is repeated or not below {num_slots}")
        days[index] = _int(raw, "day", f"slots[{i}].", minimum=0)
    if len(days) != num_slots:
        raise ValueError(f"slots must list each of the {num_slots} slots once")
    return [days[s] for s in range(num_slots)]


def _int(obj: dict[str, Any], key: str, where: str, minimum: int) -> int:
    value = obj.get(key)
    # bool is an int subclass, but `true` is never a meaningful count
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise ValueError(f"{where}{key} must be an integer >= {minimum}, got {value!r}")
    return value


def _list(data: dict[str, Any], key: str) -> list[Any]:
    value = data.get(key)
    if not isinstance(value, list):
        raise ValueError(f"{key} must be a list")
    return value


def _attendees(data: dict[str, Any], key: str, num_slots: int) -> dict[str, Attendee]:
    result: dict[str, Attendee] = {}
    for i, raw in enumerate(_list(data, key)):
        where = f"{key}[{i}]."
        if not isinstance(raw, dict):
            raise ValueError(f"{key}[{i}] must be an object")
        ident = raw.get("id")
        if not isinstance(ident, str) or not ident:
            raise ValueError(f"{where}id must be a non-empty string")
        if ident in result:
            raise ValueError(f"{where}id {ident!r} appears twice")
        slots = _slots(raw, where, num_slots)
        cap = _int(raw, "cap", where, minimum=0)
        result[ident] = Attendee(ident, cap, slots, _languages(raw, where, required=False))
    return result


def _slots(raw: dict[str, Any], where: str, num_slots: int) -> frozenset[int]:
    slots = raw.get("available")
    if not isinstance(slots, list) or not all(
        isinstance(s, int) and not isinstance(s, bool) and 0 <= s < num_slots for s in slots
    ):
        raise ValueError(f"{where}available must be a list of slot indexes 0..{num_slots - 1}")
    return frozenset(slots)


def _languages(raw: dict[str, Any], where: str, required: bool) -> frozenset[str]:
    """The optional (or, for interpreters, required) list of language codes."""
    if "languages" not in raw and not required:
        return frozenset()
    value = raw.get("languages")
    if not isinstance(value, list) or not all(isinstance(c, str) and c.strip() for c in value):
        raise ValueError(f'{where}languages must be a list of language codes such as "es"')
    return frozenset(c.strip().lower() for c in value)


def _interpreters(data: dict[str, Any], num_slots: int) -> list[Interpreter]:
    if "interpreters" not in data:
        return []
    result: list[Interpreter] = []
    seen: set[str] = set()
    for i, raw in enumerate(_list(data, "interpreters")):
        where = f"interpreters[{i}]."
        if not isinstance(raw, dict):
            raise ValueError(f"interpreters[{i}] must be an object")
        ident = raw.get("id")
        if not isinstance(ident, str) or not ident:
            raise ValueError(f"{where}id must be a non-empty string")
        if ident in seen:
            raise ValueError(f"{where}id {ident!r} appears twice")
        seen.add(ident)
        languages = _languages(raw, where, required=True)
        result.append(Interpreter(ident, languages, _slots(raw, where, num_slots)))
    return result


def _pairs(
    data: dict[str, Any], governments: dict[str, Attendee], partners: dict[str, Attendee]
) -> list[ApprovedPair]:
    pairs: list[ApprovedPair] = []
    seen: set[tuple[str, str]] = set()
    for i, raw in enumerate(_list(data, "pairs")):
        if not isinstance(raw, dict):
            raise ValueError(f"pairs[{i}] must be an object")
        gov, par, weight = raw.get("government_id"), raw.get("partner_id"), raw.get("weight")
        if gov not in governments:
            raise ValueError(f"pairs[{i}].government_id {gov!r} is not a listed government")
        if par not in partners:
            raise ValueError(f"pairs[{i}].partner_id {par!r} is not a listed partner")
        if (
            not isinstance(weight, int | float)
            or isinstance(weight, bool)
            or not math.isfinite(weight)
        ):
            raise ValueError(f"pairs[{i}].weight must be a finite number, got {weight!r}")
        if (gov, par) in seen:
            raise ValueError(f"pairs[{i}] repeats the pair ({gov}, {par})")
        seen.add((gov, par))
        pairs.append(ApprovedPair(gov, par, float(weight)))
    return pairs
