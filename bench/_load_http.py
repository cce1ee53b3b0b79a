"""A small HTTP client for the load benchmark: keep-alive connections, one cookie jar, logins.

Standard library only (http.client), so the benchmark needs nothing the venv lacks. One
Browser is one person: a cookie jar shared by every port it talks to, as a real browser
behind a load balancer would send the same cookie to whichever web process answers.
"""

from __future__ import annotations

import http.client
import re
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode

CSRF_FIELD = re.compile(
    r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"'
)
TIMEOUT = 60


@dataclass
class Reply:
    status: int
    location: str
    body: bytes
    seconds: float

    @property
    def to_login(self) -> bool:
        """A redirect to the login page: the session was not recognised."""
        return self.status in (301, 302, 303, 307) and "/login" in self.location


@dataclass
class Browser:
    """One person's connections (one per port, kept alive) and cookies."""

    ports: list[int]
    host: str = "127.0.0.1"
    cookies: dict[str, str] = field(default_factory=dict)
    connections: dict[int, http.client.HTTPConnection] = field(default_factory=dict)
    turn: int = 0

    def next_port(self) -> int:
        """The ports in turn: every other request goes to the other web process."""
        port = self.ports[self.turn % len(self.ports)]
        self.turn += 1
        return port

    def request(
        self, method: str, path: str, port: int, form: dict[str, str] | None = None
    ) -> Reply:
        headers = {"Accept-Language": "es"}
        body = None
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        response = self._send(method, path, port, body, headers)
        data = response.read()
        seconds = time.perf_counter() - started
        self._keep_cookies(response)
        if response.getheader("Connection", "").lower() == "close":
            self.connections.pop(port).close()
        return Reply(response.status, response.getheader("Location", ""), data, seconds)

    def get(self, path: str, port: int | None = None) -> Reply:
        return self.request("GET", path, self.next_port() if port is None else port)

    def _send(
        self, method: str, path: str, port: int, body: str | None, headers: dict[str, str]
    ) -> http.client.HTTPResponse:
        # A kept-alive connection the server closed meanwhile fails once: retry on a new one.
        for attempt in (1, 2):
            connection = self.connections.get(port)
            if connection is None:
                connection = http.client.HTTPConnection(self.host, port, timeout=TIMEOUT)
                self.connections[port] = connection
            try:
                connection.request(method, path, body=body, headers=headers)
                return connection.getresponse()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.connections.pop(port).close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _keep_cookies(self, response: http.client.HTTPResponse) -> None:
        for header in response.msg.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel["expires"] and morsel.value == "":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value

    def close(self) -> None:
        for connection in self.connections.values():
            connection.close()
        self.connections.clear()


def csrf_token(body: bytes) -> str:
    found = CSRF_FIELD.search(body.decode("utf-8", "replace"))
    if found is None:
        raise RuntimeError("no csrf_token field in the login form")
    return found.group(1) or found.group(2)


def post_login(
    browser: Browser, email: str, password: str, form_port: int, post_port: int
) -> Reply:
    """The real login: the form (for its CSRF token) from one port, the POST to another."""
    form = browser.request("GET", "/login", form_port)
    if form.status != 200:
        raise RuntimeError(f"GET /login answered {form.status}")
    fields = {"csrf_token": csrf_token(form.body), "email": email, "password": password}
    return browser.request("POST", "/login", post_port, form=fields)


def log_in(browser: Browser, email: str, password: str) -> None:
    """Log in (form and POST on different ports when there are two); fail loudly if refused."""
    reply = post_login(browser, email, password, browser.next_port(), browser.next_port())
    if reply.status != 302 or reply.to_login:
        raise RuntimeError(f"login of {email} failed: {reply.status} {reply.location}")
