"""Webhook signatures: what the sender signs is what a receiver accepts, and nothing else."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matchmaker.domain.webhook_signing import (
    DEFAULT_TOLERANCE,
    SignatureError,
    parse,
    sign,
    signature,
    verify,
)

SECRET = "whsec_test-secret"
NOW = 1_800_000_000
BODY = b'{"id":"3f1c","type":"meeting.booked","data":{"id":7}}'


def test_a_signed_body_verifies_and_gives_its_timestamp() -> None:
    header = sign(SECRET, BODY, timestamp=NOW)
    assert header == f"t={NOW},v1={signature(SECRET, NOW, BODY)}"
    assert verify(SECRET, header, BODY, now=NOW + 10) == NOW
    assert verify(SECRET, header, BODY.decode(), now=NOW) == NOW  # text or bytes alike


def test_the_signature_is_hmac_sha256_over_timestamp_dot_body() -> None:
    """Receivers in any language rebuild it from the documented recipe."""
    import hashlib
    import hmac

    expected = hmac.new(SECRET.encode(), f"{NOW}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert signature(SECRET, NOW, BODY) == expected


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (lambda h, b: (h, b + b" "), "mismatch"),  # the body changed
        (lambda h, b: (h, b.replace(b"7", b"8")), "mismatch"),
        (lambda h, b: (h.replace(f"t={NOW}", f"t={NOW + 1}"), b), "mismatch"),  # a new time
        (lambda h, b: (sign("another-secret", b, NOW), b), "mismatch"),
        (lambda h, b: (h.split(",")[1], b), "malformed"),  # no timestamp
        (lambda h, b: (h.split(",")[0], b), "malformed"),  # no signature
        (lambda h, b: ("t=soon,v1=abc", b), "malformed"),
        (lambda h, b: ("", b), "malformed"),
    ],
)
def test_a_tampered_delivery_is_refused(change, code: str) -> None:  # type: ignore[no-untyped-def]
    header, body = change(sign(SECRET, BODY, NOW), BODY)
    with pytest.raises(SignatureError) as refused:
        verify(SECRET, header, body, now=NOW)
    assert refused.value.code == code


def test_an_old_or_future_timestamp_is_refused_after_five_minutes() -> None:
    header = sign(SECRET, BODY, NOW)
    assert DEFAULT_TOLERANCE == 300
    assert verify(SECRET, header, BODY, now=NOW + 300) == NOW
    for moment in (NOW + 301, NOW - 301, NOW + 86_400):
        with pytest.raises(SignatureError) as refused:
            verify(SECRET, header, BODY, now=moment)
        assert refused.value.code == "too-old"
    assert verify(SECRET, header, BODY, tolerance=3600, now=NOW + 3000) == NOW


def test_any_of_several_signatures_may_match_while_secrets_rotate() -> None:
    old = signature("old-secret", NOW, BODY)
    header = f"t={NOW},v1={old},v1={signature(SECRET, NOW, BODY)}"
    assert verify(SECRET, header, BODY, now=NOW) == NOW
    assert verify("old-secret", header, BODY, now=NOW) == NOW
    assert parse(header) == (NOW, [old, signature(SECRET, NOW, BODY)])


@settings(max_examples=50, deadline=None)
@given(
    secret=st.text(min_size=1, max_size=40),
    body=st.binary(max_size=500),
    other=st.binary(max_size=500),
    timestamp=st.integers(min_value=0, max_value=2**40),
)
def test_round_trip_and_only_the_same_body_verifies(
    secret: str, body: bytes, other: bytes, timestamp: int
) -> None:
    header = sign(secret, body, timestamp)
    assert verify(secret, header, body, now=timestamp) == timestamp
    if other != body:
        with pytest.raises(SignatureError):
            verify(secret, header, other, now=timestamp)
