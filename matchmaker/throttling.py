"""Throttling that fits a congress hall.

Hundreds of people may log in from one address (the venue's network, a reverse proxy) in the
opening minutes, so a client address only gets a generous allowance of *failed* logins, and
each account its own small one: a guesser is held back per account, and one person's typos
lock out nobody else. Asking for a password link is counted per address and per target email
(nobody can flood one person's inbox); choosing a password from a link per address and per
account. The counts live in the storage of the ``limits`` library: Redis when configured, so
every web process shares them, else this process's memory.

Every limit is a setting in Flask-Limiter's syntax ("5 per 15 minutes; 20 per day"), see
``matchmaker.config``. Behind reverse proxies, ``TRUSTED_PROXIES`` says how many of them set
X-Forwarded-For/-Proto; with none trusted those headers are ignored, so a client cannot choose
the address it is counted under.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from dataclasses import dataclass
from datetime import datetime

from flask import Flask, current_app, make_response, render_template, request
from flask_babel import ngettext
from limits import RateLimitItem, parse_many
from limits.errors import StorageError
from limits.storage import Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import TooManyRequests
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

log = logging.getLogger(__name__)

#: Each counter and the setting that holds its limits.
LIMIT_SETTINGS = {
    "login-account": "LOGIN_LIMIT_PER_ACCOUNT",
    "login-address": "LOGIN_LIMIT_PER_ADDRESS",
    "reset-account": "PASSWORD_RESET_LIMIT_PER_ACCOUNT",
    "reset-address": "PASSWORD_RESET_LIMIT_PER_ADDRESS",
    "invite-account": "INVITE_LIMIT_PER_ACCOUNT",
    "invite-address": "INVITE_LIMIT_PER_ADDRESS",
    "api-token": "API_LIMIT_PER_TOKEN",
}


class Throttled(TooManyRequests):
    """Too many attempts: the next may come in ``seconds`` (sent as Retry-After)."""

    def __init__(self, seconds: int) -> None:
        super().__init__(retry_after=seconds)
        self.seconds = seconds


class Throttle:
    """One app's counters: fixed windows that start at the first attempt counted."""

    def __init__(
        self, storage: Storage | None, prefix: str, limits: dict[str, list[RateLimitItem]]
    ) -> None:
        self.storage = storage  # None: throttling is off (RATELIMIT_ENABLED false)
        self.prefix = prefix
        self.limits = limits
        self._windows = FixedWindowRateLimiter(storage) if storage is not None else None

    def seconds_to_wait(self, counts: list[tuple[str, str]]) -> int | None:
        """Seconds until every (counter, key) has room again; None when all have room now."""
        if self._windows is None:
            return None
        waits = []
        try:
            for item, key in self._items(counts):
                if not self._windows.test(item, key):
                    reset_at = self._windows.get_window_stats(item, key).reset_time
                    waits.append(max(1, math.ceil(reset_at - time.time())))
        except StorageError:
            log.warning("throttling storage unavailable: attempt let through", exc_info=True)
            return None
        return max(waits) if waits else None

    def record(self, counts: list[tuple[str, str]]) -> None:
        """Count one attempt against each (counter, key)."""
        if self._windows is None:
            return
        try:
            for item, key in self._items(counts):
                self._windows.hit(item, key)
        except StorageError:
            log.warning("throttling storage unavailable: attempt not counted", exc_info=True)

    def _items(self, counts: list[tuple[str, str]]) -> list[tuple[RateLimitItem, str]]:
        # Keys are hashed: the storage (Redis) need not hold anyone's email address.
        return [
            (item, f"{self.prefix}/{name}/{hashlib.sha256(key.encode()).hexdigest()[:32]}")
            for name, key in counts
            for item in self.limits[name]
        ]


@dataclass(frozen=True)
class Attempts:
    """The counters one kind of attempt is held to, e.g. failed logins on this account and
    from this address."""

    counts: list[tuple[str, str]]

    def seconds_to_wait(self) -> int | None:
        return _throttle().seconds_to_wait(self.counts)

    def record(self) -> None:
        _throttle().record(self.counts)

    def take(self) -> None:
        """Count this attempt, or raise Throttled (a 429 page) when there is no room left."""
        seconds = self.seconds_to_wait()
        if seconds is not None:
            raise Throttled(seconds)
        self.record()


def failed_logins(email: str) -> Attempts:
    """Failed logins for this email (whether or not it has an account, so the answer tells
    nobody) and from this client address."""
    return Attempts([("login-account", _email_key(email)), ("login-address", client_address())])


def password_link_requests(email: str) -> Attempts:
    """Requests for a password link to this email, and from this client address."""
    return Attempts([("reset-account", _email_key(email)), ("reset-address", client_address())])


def invitation_posts(user_id: int) -> Attempts:
    """Passwords submitted through an account's invitation link, and from this address."""
    return Attempts([("invite-account", str(user_id)), ("invite-address", client_address())])


def api_calls(token_id: int) -> Attempts:
    """Calls to the public API made with one token."""
    return Attempts([("api-token", str(token_id))])


def client_address() -> str:
    """The client's address: the socket's peer, or what the trusted proxies forwarded."""
    return request.remote_addr or "unknown"


def wait_message(seconds: int) -> str:
    """When to try again, in the reader's language."""
    minutes = max(1, math.ceil(seconds / 60))
    if minutes > 90:
        hours = math.ceil(minutes / 60)
        return ngettext("Vuelve a intentarlo en %(num)d hora.",
                        "Vuelve a intentarlo en %(num)d horas.", hours)  # fmt: skip
    return ngettext("Vuelve a intentarlo en %(num)d minuto.",
                    "Vuelve a intentarlo en %(num)d minutos.", minutes)  # fmt: skip


def too_many(body: str, seconds: int) -> Response:
    """``body`` as a 429 answer that says when to retry (Retry-After, in seconds)."""
    response = make_response(body, 429)
    response.headers["Retry-After"] = str(seconds)
    return response


def register_throttling(app: Flask) -> None:
    """The app's counters, the proxies it trusts and its 429 page."""
    config = app.config
    limits = {name: parse_many(config[setting]) for name, setting in LIMIT_SETTINGS.items()}
    storage = None
    if config.get("RATELIMIT_ENABLED", True):
        storage = storage_from_string(
            config["RATELIMIT_STORAGE_URI"],
            key_prefix=config["RATELIMIT_KEY_PREFIX"],
            wrap_exceptions=True,
        )
    app.extensions["throttle"] = Throttle(storage, config["RATELIMIT_KEY_PREFIX"], limits)
    proxies = int(config.get("TRUSTED_PROXIES") or 0)
    if proxies > 0:
        # Client address and scheme from the nearest `proxies` hops. Never the forwarded
        # Host: mailed links come from the configured public address, and a forged host
        # should not reach the app at all.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=0, x_port=0, x_prefix=0
        )
    app.register_error_handler(429, _too_many_requests)


def _too_many_requests(error: TooManyRequests) -> Response:
    seconds = _seconds(error.retry_after)
    body = render_template(
        "errors/429.html", wait=wait_message(seconds) if seconds is not None else None
    )
    if seconds is None:
        return make_response(body, 429)
    return too_many(body, seconds)


def _seconds(retry_after: datetime | int | None) -> int | None:
    if retry_after is None:
        return None
    if isinstance(retry_after, datetime):
        return max(1, math.ceil(retry_after.timestamp() - time.time()))
    return max(1, int(retry_after))


def _throttle() -> Throttle:
    return current_app.extensions["throttle"]


def _email_key(email: str) -> str:
    return email.strip().lower()
