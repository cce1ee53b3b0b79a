"""Webhook signatures: what the sender signs, and the check a receiver runs.

Every delivery carries::

    Matchmaker-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>
    Matchmaker-Delivery: <the delivery's uuid, the same on every attempt>
    Matchmaker-Event: <the kind, e.g. meeting.booked>

A receiver recomputes the HMAC over the timestamp, a dot and the raw body bytes exactly as
received (before any JSON parsing), compares it in constant time, and refuses a timestamp more
than five minutes away from its own clock, so that a captured request cannot be replayed
later. It keeps the delivery ids it has handled: a delivery may arrive twice (a retry after a
lost answer, or an organiser's "send again"), never with another id.

Pure Python, so receivers' examples and the tests use this very code.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "Matchmaker-Signature"
DELIVERY_HEADER = "Matchmaker-Delivery"
EVENT_HEADER = "Matchmaker-Event"
#: The signature scheme's version: a later one would be sent beside it as v2=.
SCHEME = "v1"
#: How far from the receiver's clock a signature's timestamp may be (seconds).
DEFAULT_TOLERANCE = 300


class SignatureError(ValueError):
    """Why a signature was refused: ``malformed`` (no t= or v1=), ``too-old`` (or too far in
    the future), ``mismatch`` (another secret, or the body or timestamp was changed)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _as_bytes(body: bytes | str) -> bytes:
    return body.encode() if isinstance(body, str) else body


def signature(secret: str, timestamp: int, body: bytes | str) -> str:
    """The hex HMAC-SHA256 of ``"<timestamp>.<body>"`` under ``secret``."""
    message = f"{timestamp}.".encode() + _as_bytes(body)
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes | str, timestamp: int | None = None) -> str:
    """The value of the Matchmaker-Signature header for ``body`` sent now (or at
    ``timestamp``, in Unix seconds)."""
    moment = int(time.time()) if timestamp is None else int(timestamp)
    return f"t={moment},{SCHEME}={signature(secret, moment, body)}"


def parse(header: str) -> tuple[int, list[str]]:
    """The timestamp and the v1 signatures of a header value (SignatureError if malformed)."""
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        name, sep, value = part.strip().partition("=")
        if not sep:
            continue
        if name == "t":
            try:
                timestamp = int(value)
            except ValueError:
                raise SignatureError("malformed") from None
        elif name == SCHEME:
            signatures.append(value.strip())
    if timestamp is None or not signatures:
        raise SignatureError("malformed")
    return timestamp, signatures


def verify(
    secret: str,
    header: str,
    body: bytes | str,
    tolerance: float = DEFAULT_TOLERANCE,
    now: float | None = None,
) -> int:
    """Check a Matchmaker-Signature header against the raw ``body``; returns its timestamp.

    Raises SignatureError when the header is malformed, its timestamp is more than
    ``tolerance`` seconds from ``now`` (default: this machine's clock), or no v1 signature
    matches ``secret`` (any one of several may: a sender rotating secrets sends both).
    """
    timestamp, signatures = parse(header)
    moment = time.time() if now is None else now
    if abs(moment - timestamp) > tolerance:
        raise SignatureError("too-old")
    expected = signature(secret, timestamp, body)
    if not any(hmac.compare_digest(expected, given) for given in signatures):
        raise SignatureError("mismatch")
    return timestamp
