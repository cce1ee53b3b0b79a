"""API tokens: made for an account, shown once, stored as a hash, revoked by organisers."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from matchmaker.extensions import db
from matchmaker.models import ApiToken, User
from matchmaker.orm import as_utc, utcnow
from matchmaker.services import audit

#: Every secret starts with this, so a leaked one is easy to recognise (and to scan for).
SECRET_PREFIX = "mm_"
#: ``last_used_at`` is written at most this often: a busy client costs no write per call.
LAST_USED_PRECISION = timedelta(minutes=1)


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    #: The secret itself: shown once, never stored.
    secret: str


def create_token(user: User, name: str, *, actor: User | None = None) -> NewToken:
    """A new token acting as ``user``; ``actor`` is who made it (the audit log says so)."""
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name.strip()[:200], secret_hash=hash_secret(secret),
                     prefix=secret[: len(SECRET_PREFIX) + 6])  # fmt: skip
    db.session.add(token)
    db.session.flush()
    audit.record("api_token.created", actor=actor or user, event_id=None, target=token,
                 name=token.name, account=user.email)  # fmt: skip
    return NewToken(token, secret)


def revoke_token(token: ApiToken, *, actor: User | None) -> None:
    """The token stops working at once; its row stays for the log (``actor`` None: from the
    command line, logged as the system)."""
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record("api_token.revoked", actor=actor, event_id=None, target=token,
                     name=token.name, account=token.user.email)  # fmt: skip
        db.session.flush()


def authenticate(secret: str) -> ApiToken | None:
    """The active token with this secret, its last use noted; None for anything else."""
    if not secret.startswith(SECRET_PREFIX) or len(secret) > 200:
        return None
    token = db.session.execute(
        db.select(ApiToken).where(ApiToken.secret_hash == hash_secret(secret))
    ).scalar_one_or_none()
    if token is None or not token.is_active:
        return None
    now = utcnow()
    if token.last_used_at is None or now - as_utc(token.last_used_at) > LAST_USED_PRECISION:
        token.last_used_at = now
    return token


def list_tokens() -> list[ApiToken]:
    """Every token, newest first, with its account (for the organisers' API page)."""
    return list(
        db.session.execute(
            db.select(ApiToken).join(ApiToken.user).order_by(ApiToken.id.desc())
        ).scalars()
    )


def get_token(token_id: int) -> ApiToken | None:
    return db.session.get(ApiToken, token_id)


def find_account(email: str) -> User | None:
    """The account with this email (any case), for ``matchmaker api-token create``."""
    return db.session.execute(
        db.select(User).where(db.func.lower(User.email) == email.strip().lower())
    ).scalar_one_or_none()


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
