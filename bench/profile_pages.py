"""Single-request cost of each page, in this process, on a database filled like load_pages.py's.

    MATCHMAKER_DATABASE_URL=... python bench/profile_pages.py --organiser EMAIL
        --participant EMAIL [--participant EMAIL] [--password PW] [--repeat 15]
        [--profile PATH] [--top 40]

Logs in through the login form on a Flask test client, requests each page once to warm
caches, then ``--repeat`` more times and prints the median and the fastest in milliseconds
(the server's whole work: routing, queries, rendering; no network). With ``--profile`` the
one page is run under cProfile and its most expensive functions printed instead.
The database must already hold the event: keep one from ``load_pages.py``'s steps (see
``_load_data.py``) rather than this script building one.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import pstats
import statistics
import time

from _load_data import make_app
from _load_http import csrf_token
from load_pages import ORGANISER_PAGES, PARTICIPANT_PAGES, PASSWORD


def logged_in_client(app, email: str, password: str):  # type: ignore[no-untyped-def]
    client = app.test_client()
    form = client.get("/login")
    reply = client.post(
        "/login", data={"csrf_token": csrf_token(form.data), "email": email, "password": password}
    )
    if reply.status_code != 302:
        raise SystemExit(f"could not log in as {email}: {reply.status_code}")
    return client


def time_page(client, path: str, repeat: int) -> tuple[int, float, float, float, float, int]:  # type: ignore[no-untyped-def]
    """(status, median and fastest wall ms, median and least CPU ms of this process, bytes) of
    ``repeat`` requests after one warm-up. The CPU time leaves out PostgreSQL's and holds
    up better than wall time on a machine other jobs share."""
    first = client.get(path)
    wall, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        client.get(path)
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return (
        first.status_code,
        statistics.median(wall) * 1000,
        min(wall) * 1000,
        statistics.median(cpu) * 1000,
        min(cpu) * 1000,
        len(first.data),
    )


def count_calls(client, path: str, repeat: int) -> float:  # type: ignore[no-untyped-def]
    """Python function calls per request (cProfile's count): unlike time, the same whatever
    else the machine runs, so a fair before/after on a shared machine."""
    stats = pstats.Stats(profiled(client, path, repeat))
    return stats.total_calls / repeat  # type: ignore[attr-defined, no-any-return]


def profiled(client, path: str, repeat: int) -> cProfile.Profile:  # type: ignore[no-untyped-def]
    """``repeat`` requests of ``path`` under cProfile, after one to warm the caches."""
    client.get(path)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(repeat):
        client.get(path)
    profiler.disable()
    return profiler


def profile_page(client, path: str, repeat: int, top: int) -> None:  # type: ignore[no-untyped-def]
    stats = pstats.Stats(profiled(client, path, repeat)).strip_dirs().sort_stats("cumulative")
    stats.print_stats(top)
    stats.sort_stats("tottime").print_stats(top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--organiser", required=True)
    parser.add_argument("--participant", action="append", default=[])
    parser.add_argument("--password", default=PASSWORD)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--page", action="append", default=[], help="only these paths")
    parser.add_argument(
        "--profile",
        help="profile this one path (as the organiser, or as the first participant for /me/ paths)",
    )
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument(
        "--gc-freeze",
        action="store_true",
        help="gc.freeze() after the logins, as a server could after start",
    )
    args = parser.parse_args()
    app = make_app()
    organiser = logged_in_client(app, args.organiser, args.password)
    people = [logged_in_client(app, email, args.password) for email in args.participant]
    if args.gc_freeze:
        gc.collect()
        gc.freeze()
    if args.profile:
        client = people[0] if args.profile.startswith("/me") and people else organiser
        profile_page(client, args.profile, args.repeat, args.top)
        return
    plan = [(path, organiser, "organiser") for path in ORGANISER_PAGES]
    for email, client in zip(args.participant, people, strict=True):
        plan += [(path, client, email) for path in PARTICIPANT_PAGES]
    if args.page:  # a path of neither list is requested as the organiser
        known = {step[0] for step in plan}
        plan = [step for step in plan if step[0] in args.page]
        plan += [(path, organiser, "organiser") for path in args.page if path not in known]
    print("| page | as | status | median ms | fastest ms | CPU ms | least CPU ms | calls | KB |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for path, client, who in plan:
        status, median, fastest, cpu, least, size = time_page(client, path, args.repeat)
        calls = count_calls(client, path, 3)
        print(
            f"| `{path}` | {who} | {status} | {median:.1f} | {fastest:.1f} | {cpu:.1f} | "
            f"{least:.1f} | {calls:,.0f} | {size / 1024:.0f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
