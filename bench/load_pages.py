"""Page load with the real stack: PostgreSQL, Redis, a Celery worker and `matchmaker serve`.

    python bench/load_pages.py [--duration 15] [--clients 50] [--organiser-clients 20]
                               [--officials 300] [--partners 600] [--phase 1|2|all]

Starts everything itself on loopback (a PostgreSQL database and a Redis database index of its
own), loads the demo event plus generated officials and partners, ranks, approves, drafts and
publishes the schedule through the worker, then has concurrent clients, each logged in as a
different person with a real login POST, request each page for a fixed time. Prints one
Markdown table per phase: requests/s, the ratio to /healthz, p50, p95 and errors.

Phase 1 runs one web process. Phase 2 runs two on one database and Redis: each client sends
its one session cookie to both ports in turn (a redirect to the login page counts as an error),
and failed logins for one account, split across the ports, must be refused at the configured
count. Finally, the SQL statements each page runs (one request, in this process).
Everything started is stopped and the database dropped at the end, even on Ctrl-C.

Goals (issue 13): participant pages >= 50% of /healthz's requests/s; every organiser page
p95 < 300 ms with 20 organiser clients.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from _load_data import (
    Logins,
    choose_logins,
    enlarge_event,
    make_app,
    page_costs,
    set_known_passwords,
    write_participants,
)
from _load_http import Browser, log_in, post_login
from _load_measure import PageResult, hit_page, markdown_table
from _load_stack import Stack, free_port

PASSWORD = "load-bench-2026"
PARTICIPANT_PAGES = ("/me/", "/me/agenda", "/me/suggestions", "/me/requests", "/me/profile")
ORGANISER_PAGES = (
    "/organiser/",
    "/organiser/event",
    "/organiser/accounts",
    "/organiser/matches",
    "/organiser/audit",
    "/organiser/schedule",
    "/organiser/schedule/grid",
    "/organiser/schedule/people",
    "/organiser/dashboard",
    "/organiser/exports",
)
DEFAULT_ACCOUNT_LIMIT = "5 per 15 minutes"  # matchmaker.config.LIMITS["LOGIN_LIMIT_PER_ACCOUNT"]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=15, help="seconds per page")
    parser.add_argument("--clients", type=int, default=50, help="participant clients")
    parser.add_argument("--organiser-clients", type=int, default=20)
    parser.add_argument("--officials", type=int, default=300, help="generated, besides the demo")
    parser.add_argument("--partners", type=int, default=600)
    parser.add_argument("--tables", type=int, default=60, help="meeting tables of the event")
    parser.add_argument("--approve-score", type=float, default=50)
    parser.add_argument("--phase", choices=("1", "2", "all"), default="all")
    parser.add_argument(
        "--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    parser.add_argument(
        "--redis",
        default="redis://127.0.0.1:6379/12",
        help="a Redis database index for this run alone: it is flushed",
    )
    return parser.parse_args()


def load_event(stack: Stack, args: argparse.Namespace) -> Logins:
    """The demo plus generated participants, ranked, approved, scheduled and published, with
    accounts that log in with PASSWORD."""
    print("Loading the event:", flush=True)
    stack.create_database()
    stack.flush_redis()
    stack.run("init-db")
    stack.run("demo", extra_env={"MATCHMAKER_PASSWORD": PASSWORD})
    csv_path = stack.folder / "participants.csv"
    write_participants(csv_path, args.officials, args.partners)
    stack.run("import-participants", str(csv_path))
    app = make_app()
    enlarge_event(app, args.tables)
    stack.run("match")
    stack.run("approve", "--min-score", str(args.approve_score))
    # The worker starts after `match`: the recomputations that importing queued find
    # nothing due, instead of loading the model a second time while `match` runs.
    stack.start_worker()
    stack.run("schedule")
    stack.run("publish")
    stack.run("invite", "--base-url", "http://127.0.0.1/", "--out", str(stack.folder / "links.csv"))
    set_known_passwords(app, PASSWORD)
    stack.vacuum_analyze()
    logins = choose_logins(app)
    print(
        f"  {len(logins.participants)} participant logins to choose from, "
        f"{logins.approved} approved pairs, {logins.meetings} meetings published, "
        f"{args.tables} tables",
        flush=True,
    )
    return logins


def logged_in(emails: list[str], ports: list[int]) -> list[Browser]:
    browsers = [Browser(list(ports)) for _ in emails]
    with ThreadPoolExecutor(8) as pool:
        list(
            pool.map(
                lambda pair: log_in(pair[0], pair[1], PASSWORD), zip(browsers, emails, strict=True)
            )
        )
    return browsers


def run_pages(logins: Logins, ports: list[int], args: argparse.Namespace) -> list[PageResult]:
    stop = threading.Event()
    participants = logged_in(logins.participants[: args.clients], ports)
    organisers = logged_in(logins.organisers[: args.organiser_clients], ports)
    plan = [("/healthz", participants)]
    plan += [(path, participants) for path in PARTICIPANT_PAGES]
    plan += [(path, organisers) for path in ORGANISER_PAGES]
    plan += [("/healthz", participants)]
    results = []
    for path, browsers in plan:
        label = path if not results or path != "/healthz" else "/healthz (again, at the end)"
        result = hit_page(label, path, browsers, args.duration, stop)
        print(
            f"  {label:32s} {result.per_second:6.0f} req/s  p95 "
            f"{result.percentile(0.95) * 1000:5.0f} ms  errors {result.errors}",
            flush=True,
        )
        results.append(result)
    for browser in participants + organisers:
        browser.close()
    return results


def shared_throttling(logins: Logins, ports: list[int]) -> str:
    """Failed logins for one account, alternating between the ports (form from one, POST to
    the other): the answer after the configured count must be 429 from either process."""
    setting = os.environ.get("MATCHMAKER_LOGIN_LIMIT_PER_ACCOUNT") or DEFAULT_ACCOUNT_LIMIT
    limit = int(setting.split()[0])
    email = logins.participants[-1]
    browser = Browser(list(ports))
    answers = []
    for attempt in range(limit + 3):
        form_port, post_port = ports[attempt % 2], ports[(attempt + 1) % 2]
        reply = post_login(browser, email, f"wrong password {attempt}", form_port, post_port)
        answers.append((post_port, reply.status))
    right = post_login(browser, email, PASSWORD, ports[0], ports[1])
    browser.close()
    first = next((i + 1 for i, (_p, status) in enumerate(answers) if status == 429), None)
    listed = ", ".join(f"{status} (:{port})" for port, status in answers)
    verdict = "as configured" if first == limit + 1 else f"EXPECTED attempt {limit + 1}"
    return (
        f"Failed logins for one account across ports {ports[0]}/{ports[1]} ({setting}): "
        f"{listed}. First refusal at attempt {first} ({verdict}); the right password "
        f"afterwards: {right.status}."
    )


def print_costs(logins: Logins) -> None:
    """Statements per page, for the slowest pages' causes."""
    app = make_app()
    print("\nSQL statements per page (one request in this process, after one warm-up):\n")
    print("| page | as | status | statements | ms |\n| --- | --- | ---: | ---: | ---: |")
    who = [
        (logins.participants[0], "official", PARTICIPANT_PAGES),
        (logins.participants[1], "partner", PARTICIPANT_PAGES),
        (logins.organisers[0], "organiser", ORGANISER_PAGES),
    ]
    for email, role, paths in who:
        for cost in page_costs(app, email, PASSWORD, paths):
            print(
                f"| `{cost.path}` | {role} | {cost.status} | {cost.statements} | "
                f"{cost.milliseconds:.0f} |"
            )


def report(title: str, results: list[PageResult]) -> None:
    print(f"\n{title}\n")
    print(markdown_table(results, reference=results[0]))
    print(flush=True)


def stop_on_sigterm() -> None:
    def handle(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    # SIGINT too: a shell starting this in the background would have it ignored otherwise.
    for stop_signal in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop_signal, handle)


def main() -> None:
    args = parse_args()
    stop_on_sigterm()
    stack = Stack(args.postgres, args.redis)
    os.environ.update(stack.env)  # this process's app (setup, statement counts) is the stack's
    started = time.perf_counter()
    try:
        logins = load_event(stack, args)
        first, second = free_port(), free_port()
        stack.start_server(first)
        print(
            f"Stack ready in {time.perf_counter() - started:.0f} s "
            f"(database {stack.database}, Redis {args.redis})",
            flush=True,
        )
        header = (
            f"{args.clients} participant clients, {args.organiser_clients} organiser "
            f"clients, {args.duration:g} s per page"
        )
        if args.phase in ("1", "all"):
            print(f"\nPhase 1: one web process (port {first}); {header}", flush=True)
            report(f"Phase 1, one `matchmaker serve`; {header}:", run_pages(logins, [first], args))
        if args.phase in ("2", "all"):
            stack.start_server(second)
            print(f"\nPhase 2: two web processes (ports {first}, {second}); {header}", flush=True)
            results = run_pages(logins, [first, second], args)
            report(
                f"Phase 2, two `matchmaker serve` on one database and Redis, each client's "
                f"one cookie sent to both in turn; {header}:",
                results,
            )
            print(shared_throttling(logins, [first, second]), flush=True)
        print_costs(logins)
    except KeyboardInterrupt:
        print("\ninterrupted: stopping the stack", file=sys.stderr, flush=True)
    finally:
        stack.close()
        print(
            f"Stopped everything, dropped {stack.database} ({time.perf_counter() - started:.0f} s "
            "in all)",
            flush=True,
        )


if __name__ == "__main__":
    main()
