"""Add languages and interpreters to the public scheduling instances (deterministically).

Usage:
    python bench/interpreter_instances.py [--instances DIR] [--out DIR] [--only NAME_OR_SIZE ...]

For each instance, every official speaks Spanish (some also English or Portuguese); partners are
turned, in a seeded order, into partners who speak only foreign languages (English, Portuguese,
French) until 15 % of the approved pairs share no language. Interpreters speak Spanish and one or
two foreign languages, drawn in proportion to what the pairs without a common language need; they
work every slot, one day or one half-day, and are added until the slots they work add up to 80 %
of the estimated meetings that need one (the bound file's best-known meeting count times the share
of such pairs), so staffing every such meeting is out of reach by design. The bound file is copied
unchanged: languages change nothing the weight depends on. Output: ``<name>-interp.json[.gz]`` and
``<name>-interp.bound.json`` in ``--out``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SHARE_WITHOUT_COMMON = 0.15  # of the approved pairs
SUPPLY = 0.8  # interpreter-slots per meeting that needs an interpreter
GOVERNMENT_LANGUAGES = ((("es",), 0.65), (("es", "en"), 0.25), (("es", "pt"), 0.10))
PARTNER_LANGUAGES = ((("es",), 0.5), (("es", "en"), 0.3), (("en",), 0.1), (("pt", "es"), 0.1))
FOREIGN_ONLY = ((("en",), 0.5), (("pt",), 0.2), (("fr",), 0.2), (("en", "fr"), 0.1))
DEFAULT_OUT = REPO / "bench" / "out" / "interpreter-instances"


def _pick(rng: random.Random, options: tuple[tuple[tuple[str, ...], float], ...]) -> list[str]:
    choices, weights = zip(*options, strict=True)
    return list(rng.choices(choices, weights=weights)[0])


def with_interpreters(inst: dict[str, Any], bound: dict[str, Any] | None) -> dict[str, Any]:
    """A copy of ``inst`` with languages on everyone and an ``interpreters`` list."""
    rng = random.Random(f"interpreters:{inst.get('name')}")
    out = dict(inst)
    govs = [{**g, "languages": _pick(rng, GOVERNMENT_LANGUAGES)} for g in inst["governments"]]
    pars = [{**p, "languages": _pick(rng, PARTNER_LANGUAGES)} for p in inst["partners"]]
    g_lang = {g["id"]: set(g["languages"]) for g in govs}
    _make_foreign_only(rng, inst["pairs"], g_lang, pars)
    p_lang = {p["id"]: set(p["languages"]) for p in pars}
    lacking = [x for x in inst["pairs"] if not g_lang[x["government_id"]] & p_lang[x["partner_id"]]]
    meetings = ((bound or {}).get("best_known") or {}).get("count") or min(
        len(inst["pairs"]), int(inst["num_slots"]) * int(inst["num_tables"])
    )
    demand = meetings * len(lacking) / max(len(inst["pairs"]), 1)
    out["governments"], out["partners"] = govs, pars
    out["interpreters"] = _interpreters(
        rng, inst, [p_lang[x["partner_id"]] for x in lacking], demand
    )
    out["name"] = f"{inst.get('name')}-interp"
    out["generator"] = {
        **(inst.get("generator") or {}),
        "interpreters": "bench/interpreter_instances.py",
        "pairs_without_common_language": len(lacking),
        "estimated_meetings_needing_interpreter": round(demand),
    }
    return out


def _make_foreign_only(
    rng: random.Random, pairs: list[dict], g_lang: dict[str, set[str]], pars: list[dict]
) -> None:
    """Turn partners foreign-only, in a seeded order, until enough pairs share no language."""
    by_partner: dict[str, list[str]] = {}
    for x in pairs:
        by_partner.setdefault(x["partner_id"], []).append(x["government_id"])

    def lacking(p: dict) -> int:
        return sum(1 for g in by_partner.get(p["id"], []) if not g_lang[g] & set(p["languages"]))

    count = sum(lacking(p) for p in pars)
    order = list(range(len(pars)))
    rng.shuffle(order)
    for k in order:
        if count >= SHARE_WITHOUT_COMMON * len(pairs):
            break
        before = lacking(pars[k])
        pars[k]["languages"] = _pick(rng, FOREIGN_ONLY)
        count += lacking(pars[k]) - before


def _interpreters(
    rng: random.Random, inst: dict, needs: list[set[str]], demand: float
) -> list[dict[str, Any]]:
    """Interpreters whose working slots add up to ``SUPPLY`` times ``demand``."""
    days = _days(inst)
    wanted = SUPPLY * demand
    foreign = Counter(lang for langs in needs for lang in sorted(langs))
    result: list[dict[str, Any]] = []
    supplied = 0
    while needs and supplied < wanted:
        languages = {"es", rng.choices(list(foreign), weights=list(foreign.values()))[0]}
        if rng.random() < 0.15:
            languages.add(rng.choice(sorted(foreign)))
        available = _availability(rng, days)
        result.append(
            {"id": f"I{len(result):04d}", "languages": sorted(languages), "available": available}
        )
        supplied += len(available)
    return result


def _days(inst: dict) -> list[list[int]]:
    """The slots of each day (from ``slots[].day``; else two halves)."""
    num_slots = int(inst["num_slots"])
    by_day: dict[Any, list[int]] = {}
    for slot in inst.get("slots") or []:
        by_day.setdefault(slot.get("day"), []).append(int(slot["index"]))
    if sum(len(v) for v in by_day.values()) == num_slots and by_day:
        return [sorted(v) for _, v in sorted(by_day.items(), key=lambda kv: min(kv[1]))]
    half = max(num_slots // 2, 1)
    return [list(range(half)), list(range(half, num_slots))] if num_slots > 1 else [[0]]


def _availability(rng: random.Random, days: list[list[int]]) -> list[int]:
    """Every slot (35 %), one day (35 %) or half a day (30 %)."""
    roll = rng.random()
    if roll < 0.35:
        return sorted(s for day in days for s in day)
    day = rng.choice(days)
    if roll < 0.70 or len(day) < 2:
        return day
    half = len(day) // 2
    return day[:half] if rng.random() < 0.5 else day[half:]


def _name(path: Path) -> str:
    return path.name.removesuffix(".gz").removesuffix(".json")


def target_of(source: Path, out: Path) -> Path:
    """Where ``generate`` writes the interpreter version of ``source``."""
    return out / f"{_name(source)}-interp.json{'.gz' if source.name.endswith('.gz') else ''}"


def generate(source: Path, out: Path) -> Path:
    """Write the interpreter version of instance ``source`` (and its bound) into ``out``."""
    bound_path = source.parent / f"{_name(source)}.bound.json"
    bound = json.loads(bound_path.read_text(encoding="utf-8")) if bound_path.exists() else None
    opener = gzip.open if source.name.endswith(".gz") else open
    with opener(source, "rt", encoding="utf-8") as f:
        inst = json.load(f)
    data = with_interpreters(inst, bound)
    out.mkdir(parents=True, exist_ok=True)
    target = target_of(source, out)
    # gzip's mtime=0 keeps the output byte-for-byte the same from run to run
    if target.name.endswith(".gz"):
        with gzip.GzipFile(target, "wb", mtime=0) as g:
            g.write(json.dumps(data).encode("utf-8"))
    else:
        target.write_text(json.dumps(data), encoding="utf-8")
    if bound is not None:
        copy = {**bound, "instance": data["name"]}
        (out / f"{_name(source)}-interp.bound.json").write_text(
            json.dumps(copy, indent=2), encoding="utf-8"
        )
    return target


def main(argv: list[str] | None = None) -> int:
    """Generate the interpreter instances and print one line per file."""
    # imported here: schedule_bench imports this module when run with --interpreters
    from schedule_bench import default_instances, instance_files

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=Path, default=default_instances())
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--only", nargs="+", metavar="NAME", help="e.g. large-stress xl")
    args = parser.parse_args(argv)
    for source in instance_files(args.instances, args.only):
        target = generate(source, args.out)
        print(target)
    return 0


if __name__ == "__main__":
    sys.exit(main())
