"""Sending webhook deliveries: where they may go, one attempt over HTTP, and its outcome.

Where (SSRF): only http(s) URLs whose host resolves to public addresses, checked when an
endpoint is registered *and* before each attempt, since DNS may point elsewhere by then. The
connection goes to the very address that was checked (no second lookup a DNS server could
answer differently), with the host's name kept for the Host header and TLS. Loopback,
private, link-local, multicast, reserved and unspecified addresses are refused unless
WEBHOOKS_ALLOW_PRIVATE is set (a receiver on the same machine or network, as in the tests).

How: one POST with the signed JSON body, a connect timeout and a total one, no redirect
followed (a redirect is a non-2xx answer: a failure, retried like any other).

When (the task in workers/tasks.py): a worker claims a pending delivery whose time has come
(``claim``: one conditional update, so two workers never both send it; the claim counts the
attempt and holds the delivery for a lease), commits, sends, and records the outcome
(``record``). A failure waits 30 s, 1 min, 2 min... (settings), up to WEBHOOKS_MAX_ATTEMPTS;
meanwhile the endpoint's other due deliveries wait with it, instead of each trying a
receiver that is down. A worker that dies while sending leaves its claim to lapse: the
sweep sends that one delivery again.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import json
import socket
import ssl
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import current_app

from matchmaker import background
from matchmaker.domain import webhook_signing
from matchmaker.extensions import db
from matchmaker.models import WebhookDelivery, WebhookEndpoint
from matchmaker.models.webhooks import DeliveryState
from matchmaker.orm import utcnow

TASK = "deliver_webhooks"
SCHEMES = ("http", "https")
URL_MAX = 2000
#: Deliveries one task sends before queueing the next batch (fair to the other endpoints).
BATCH = 100
#: A claim lasts the total timeout plus this (seconds): only a dead worker outlives it.
LEASE_MARGIN = 60
#: How much of a failed answer's body is kept to show the organiser.
EXCERPT = 200
USER_AGENT = "matchmaker-webhooks/1"

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class UnsafeUrl(ValueError):
    """A URL webhooks may not go to. ``code``: ``malformed``, ``scheme`` (not http or https),
    ``credentials`` (user:password@ in it), ``unresolvable`` (no address for its host) or
    ``private`` (an address that is not public)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect, and what to ask for."""

    scheme: str
    host: str
    port: int
    path: str
    addresses: tuple[str, ...]


def is_public(address: Address) -> bool:
    """Whether an address is on the public internet (an IPv4 address inside an IPv6 one,
    mapped, 6to4 or Teredo, is judged as itself)."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = [address.ipv4_mapped, address.sixtofour, *(address.teredo or ())]
        if any(inner is not None and not is_public(inner) for inner in embedded):
            return False
    return not (
        address.is_loopback or address.is_private or address.is_link_local
        or address.is_multicast or address.is_reserved or address.is_unspecified
        or not address.is_global
    )  # fmt: skip


def check_url(url: str, allow_private: bool = False) -> Target:
    """Where ``url`` leads, if webhooks may go there (UnsafeUrl otherwise). Looks the host up
    in DNS: every address it has must be public, unless ``allow_private``."""
    if not url or len(url) > URL_MAX or any(c.isspace() or ord(c) < 32 for c in url):
        raise UnsafeUrl("malformed")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise UnsafeUrl("malformed") from None
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise UnsafeUrl("scheme")
    if parts.username is not None or parts.password is not None:
        raise UnsafeUrl("credentials")
    host = parts.hostname
    if not host:
        raise UnsafeUrl("malformed")
    port = port or (443 if scheme == "https" else 80)
    addresses = resolve(host, port)
    if not allow_private and not all(is_public(ipaddress.ip_address(a)) for a in addresses):
        raise UnsafeUrl("private")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(scheme, host, port, path, addresses)


def resolve(host: str, port: int) -> tuple[str, ...]:
    """Every address of ``host`` (itself when it is one); UnsafeUrl when there is none."""
    try:
        return (str(ipaddress.ip_address(host)),)
    except ValueError:
        pass
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise UnsafeUrl("unresolvable") from None
    addresses = tuple(dict.fromkeys(str(info[4][0]).split("%")[0] for info in found))
    if not addresses:
        raise UnsafeUrl("unresolvable")
    return addresses


# One attempt -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outgoing:
    """A claimed delivery, read before the claim's commit: sending needs no session."""

    delivery_id: int
    endpoint_id: int
    url: str
    secret: str
    uuid: str
    kind: str
    payload: dict[str, Any] = field(repr=False)


@dataclass(frozen=True)
class Outcome:
    """What one attempt got: the status code (None: no answer) and how long it took."""

    status: int | None
    elapsed_ms: int
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def encode(payload: Mapping[str, Any]) -> bytes:
    """The body as sent (and signed): compact JSON, UTF-8."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def post(outgoing: Outgoing, config: Mapping[str, Any]) -> Outcome:
    """Make one attempt: check the URL again, sign, POST. Never raises for the receiver's
    faults (no answer, a refusal, a timeout): they are the outcome."""
    started = time.monotonic()
    body = encode(outgoing.payload)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        webhook_signing.SIGNATURE_HEADER: webhook_signing.sign(outgoing.secret, body),
        webhook_signing.DELIVERY_HEADER: outgoing.uuid,
        webhook_signing.EVENT_HEADER: outgoing.kind,
    }
    try:
        target = check_url(outgoing.url, bool(config["WEBHOOKS_ALLOW_PRIVATE"]))
        status, excerpt = exchange(target, body, headers, float(config["WEBHOOKS_CONNECT_TIMEOUT"]),
                                   float(config["WEBHOOKS_TIMEOUT"]))  # fmt: skip
    except UnsafeUrl as refused:
        return Outcome(None, _ms(started), f"refused: {refused.code}")
    except TimeoutError:
        return Outcome(None, _ms(started), "timeout")
    except (OSError, http.client.HTTPException) as exc:
        return Outcome(None, _ms(started), f"{type(exc).__name__}: {exc}"[:EXCERPT])
    error = "" if 200 <= status < 300 else f"HTTP {status}: {excerpt}".strip()
    return Outcome(status, _ms(started), error[:EXCERPT])


def _ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


class _PinnedHTTP(http.client.HTTPConnection):
    """A connection to a checked address, asking for the URL's host by name."""

    address = ""

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    address = ""
    tls = ssl.create_default_context()

    def connect(self) -> None:
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self.tls.wrap_socket(sock, server_hostname=self.host)


def exchange(
    target: Target, body: bytes, headers: Mapping[str, str], connect_timeout: float,
    total_timeout: float,
) -> tuple[int, str]:  # fmt: skip
    """POST ``body`` to the target's first address that accepts a connection; the status
    and the start of the answer. The whole exchange is cut at ``total_timeout``
    (TimeoutError), however slowly the receiver drips its answer."""
    deadline = time.monotonic() + total_timeout
    last_error: OSError = ConnectionError("no address")
    for address in target.addresses:
        kind = _PinnedHTTPS if target.scheme == "https" else _PinnedHTTP
        connection = kind(target.host, target.port,
                          timeout=min(connect_timeout, total_timeout))  # fmt: skip
        connection.address = address
        try:
            connection.connect()
        except OSError as exc:
            last_error = exc
            connection.close()
            continue
        return _talk(connection, target.path, body, headers, deadline)
    raise last_error


def _talk(connection: http.client.HTTPConnection, path: str, body: bytes,
          headers: Mapping[str, str], deadline: float) -> tuple[int, str]:  # fmt: skip
    cut = threading.Event()

    def cut_off() -> None:  # a receiver dripping bytes would reset every socket timeout
        cut.set()
        if connection.sock is not None:
            with contextlib.suppress(OSError):
                connection.sock.shutdown(socket.SHUT_RDWR)

    timer = threading.Timer(max(0.0, deadline - time.monotonic()), cut_off)
    timer.daemon = True
    timer.start()
    try:
        assert connection.sock is not None
        connection.sock.settimeout(max(0.01, deadline - time.monotonic()))
        connection.request("POST", path, body=body, headers=dict(headers))
        response = connection.getresponse()
        excerpt = response.read(EXCERPT).decode("utf-8", "replace")
        return response.status, " ".join(excerpt.split())
    except (OSError, http.client.HTTPException):
        if cut.is_set():
            raise TimeoutError("timeout") from None
        raise
    finally:
        timer.cancel()
        connection.close()


# Claims and outcomes -----------------------------------------------------------------------


def _due(now: datetime) -> Any:
    return db.and_(
        WebhookDelivery.state == DeliveryState.PENDING,
        WebhookDelivery.next_attempt_at.is_not(None),
        WebhookDelivery.next_attempt_at <= now,
        WebhookEndpoint.active.is_(True),
    )


def list_due(endpoint_id: int, limit: int | None = None, now: datetime | None = None) -> list[int]:
    """The ids of the endpoint's deliveries a worker may send now, oldest first (a BATCH)."""
    query = (
        db.select(WebhookDelivery.id)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(WebhookDelivery.endpoint_id == endpoint_id, _due(now or utcnow()))
        .order_by(WebhookDelivery.id)
        .limit(limit or BATCH)
    )
    return list(db.session.execute(query).scalars())


def list_endpoints_due(grace: timedelta, now: datetime | None = None) -> list[int]:
    """Endpoints with deliveries due for longer than ``grace``: their task was lost (or
    never sent, the broker being down), or their retry is due."""
    query = (
        db.select(WebhookDelivery.endpoint_id)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(_due((now or utcnow()) - grace))
        .distinct()
    )
    return sorted(db.session.execute(query).scalars())


def claim(delivery_id: int, now: datetime | None = None) -> Outgoing | None:
    """Take a due delivery for this worker (None if it is not due, or another took it): the
    attempt is counted and the delivery held for the lease. The caller commits, then sends."""
    moment = now or utcnow()
    lease = moment + timedelta(seconds=current_app.config["WEBHOOKS_TIMEOUT"] + LEASE_MARGIN)
    claimed = db.session.execute(
        db.update(WebhookDelivery)
        .where(
            WebhookDelivery.id == delivery_id,
            WebhookDelivery.state == DeliveryState.PENDING,
            WebhookDelivery.next_attempt_at <= moment,
        )
        .values(attempts=WebhookDelivery.attempts + 1, next_attempt_at=lease)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    row = db.session.execute(
        db.select(WebhookDelivery, WebhookEndpoint)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(WebhookDelivery.id == delivery_id)
        .execution_options(populate_existing=True)
    ).one()
    delivery, endpoint = row
    return Outgoing(delivery.id, endpoint.id, endpoint.url, endpoint.secret, delivery.uuid,
                    delivery.kind, dict(delivery.payload))  # fmt: skip


def backoff(attempts: int, base: float, cap: float) -> float:
    """Seconds to wait after ``attempts`` failed attempts: base, 2·base, 4·base... ≤ cap."""
    return float(min(cap, base * 2 ** max(0, attempts - 1)))


def record(outgoing: Outgoing, outcome: Outcome, now: datetime | None = None) -> float | None:
    """Store an attempt's outcome. Returns the seconds until the retry when one is due: the
    endpoint's other due deliveries wait as long, and a task is queued for then."""
    delivery = db.session.get(WebhookDelivery, outgoing.delivery_id, populate_existing=True)
    if delivery is None or delivery.state != DeliveryState.PENDING:
        return None  # removed with its endpoint meanwhile
    config = current_app.config
    moment = now or utcnow()
    delivery.last_status, delivery.last_response_ms = outcome.status, outcome.elapsed_ms
    delivery.last_error = outcome.error
    if outcome.ok:
        delivery.state, delivery.delivered_at = DeliveryState.DELIVERED.value, moment
        delivery.next_attempt_at = None
        return None
    if delivery.attempts >= config["WEBHOOKS_MAX_ATTEMPTS"]:
        delivery.state, delivery.next_attempt_at = DeliveryState.FAILED.value, None
        return None
    wait = backoff(delivery.attempts, config["WEBHOOKS_RETRY_SECONDS"],
                   config["WEBHOOKS_RETRY_MAX_SECONDS"])  # fmt: skip
    retry_at = moment + timedelta(seconds=wait)
    delivery.next_attempt_at = retry_at
    db.session.execute(
        db.update(WebhookDelivery)
        .where(
            WebhookDelivery.endpoint_id == outgoing.endpoint_id,
            WebhookDelivery.state == DeliveryState.PENDING,
            WebhookDelivery.next_attempt_at < retry_at,
        )
        .values(next_attempt_at=retry_at)
        .execution_options(synchronize_session=False)
    )
    background.enqueue(TASK, outgoing.endpoint_id, countdown=wait)
    return wait
