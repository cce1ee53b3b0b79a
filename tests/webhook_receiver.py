"""A local webhook receiver for the tests: an http.server in a thread that keeps every request,
answers with the statuses it is told to (200 once they run out), and lets a test wait for a
number of requests without sleeping."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from matchmaker.domain import webhook_signing


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    #: The status the receiver answered with.
    status: int

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def kind(self) -> str:
        return self.headers[webhook_signing.EVENT_HEADER]

    @property
    def delivery(self) -> str:
        return self.headers[webhook_signing.DELIVERY_HEADER]

    def verify(self, secret: str) -> int:
        """The signature checked as a receiver checks it (SignatureError if it fails)."""
        return webhook_signing.verify(
            secret, self.headers[webhook_signing.SIGNATURE_HEADER], self.body
        )


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A sender that gave up (its timeout) closed the connection: nothing to report."""


@dataclass
class Receiver:
    """Start with ``start()``; ``statuses`` are answered in order, then 200. With ``hold``
    set, every request waits until ``release()`` before it is answered (a slow receiver)."""

    statuses: list[int] = field(default_factory=list)
    requests: list[Received] = field(default_factory=list)
    hold: bool = False
    headers: dict[str, str] = field(default_factory=dict)
    _changed: threading.Condition = field(default_factory=threading.Condition)
    _released: threading.Event = field(default_factory=threading.Event)
    _server: ThreadingHTTPServer | None = None

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver._changed:
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                    receiver.requests.append(
                        Received(self.path, dict(self.headers.items()), body, status)
                    )
                    receiver._changed.notify_all()
                if receiver.hold:
                    receiver._released.wait(60)
                self.send_response(status)
                for name, value in receiver.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "7")
                self.end_headers()
                self.wfile.write(b"handled")

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: the tests look at ``requests``."""

        self._server = _QuietServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/hooks"

    def wait_for(self, count: int, timeout: float = 60) -> list[Received]:
        """The first ``count`` requests, once they have arrived."""
        with self._changed:
            arrived = self._changed.wait_for(lambda: len(self.requests) >= count, timeout)
            assert arrived, f"{len(self.requests)} of {count} webhook requests arrived"
            return list(self.requests[:count])

    def release(self) -> None:
        self._released.set()

    def stop(self) -> None:
        self.release()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
