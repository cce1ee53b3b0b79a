"""Concurrent clients hitting one page for a fixed time, and the Markdown table of results."""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from _load_http import Browser

#: Requests sent in the first moments of each page are not counted: connections open, kept
#: figures and fragments are computed (a kept dashboard's first computation takes seconds on
#: a big event; its cost is the cold figure ``load_pages.py`` prints apart).
WARM_UP_SECONDS = 1.0


@dataclass
class PageResult:
    label: str
    clients: int
    seconds: float
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    error_kinds: dict[str, int] = field(default_factory=dict)
    #: The slowest reply of the warm-up: a cold page (its kept parts computed), not counted.
    cold: float = 0.0

    @property
    def per_second(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile(self, fraction: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]

    def count_error(self, kind: str) -> None:
        self.errors += 1
        self.error_kinds[kind] = self.error_kinds.get(kind, 0) + 1


def hit_page(
    label: str, path: str, browsers: Sequence[Browser], duration: float, stop: threading.Event
) -> PageResult:
    """Every browser requests ``path`` in a loop for ``duration`` seconds (after a warm-up);
    a response other than 200, or a redirect to the login page, counts as an error."""
    result = PageResult(label, len(browsers), duration)
    lock = threading.Lock()
    started = time.perf_counter()
    counting_from = started + WARM_UP_SECONDS
    until = counting_from + duration

    def client(browser: Browser) -> None:
        while not stop.is_set():
            try:
                reply = browser.get(path)
                kind = (
                    ""
                    if reply.status == 200
                    else ("to login" if reply.to_login else str(reply.status))
                )
                seconds = reply.seconds
            except (OSError, http.client.HTTPException) as error:
                kind, seconds = type(error).__name__, 0.0
            now = time.perf_counter()
            if now > until:
                return
            if now - seconds < counting_from:  # sent during the warm-up: not counted
                with lock:
                    result.cold = max(result.cold, seconds)
                continue
            with lock:
                if kind:
                    result.count_error(kind)
                else:
                    result.latencies.append(seconds)

    threads = [threading.Thread(target=client, args=(b,), daemon=True) for b in browsers]
    for thread in threads:
        thread.start()
    try:
        for thread in threads:
            while thread.is_alive():  # short joins, so Ctrl-C reaches the main thread at once
                thread.join(0.2)
    finally:
        stop.set()  # on Ctrl-C too: the clients stop before the servers do
    stop.clear()
    return result


def markdown_table(results: Sequence[PageResult], reference: PageResult) -> str:
    lines = [
        "| page | clients | requests/s | ratio to /healthz | p50 ms | p95 ms | cold ms | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        ratio = r.per_second / reference.per_second if reference.per_second else float("nan")
        errors = str(r.errors)
        if r.error_kinds:
            errors += " (" + ", ".join(f"{k}: {n}" for k, n in sorted(r.error_kinds.items())) + ")"
        lines.append(
            f"| `{r.label}` | {r.clients} | {r.per_second:.0f} | {ratio:.0%} | "
            f"{r.percentile(0.5) * 1000:.0f} | {r.percentile(0.95) * 1000:.0f} | "
            f"{r.cold * 1000:.0f} | {errors} |"
        )
    return "\n".join(lines)
