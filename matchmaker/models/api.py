"""What the public API keeps: bearer tokens, the answers to idempotent calls, and webhooks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaker.extensions import db
from matchmaker.models.participant import User
from matchmaker.orm import created_at, intpk, str200


class ApiToken(db.Model):
    """A bearer token that acts as its account. Only a hash of the secret is stored: the
    secret is shown once, when the token is made."""

    __tablename__ = "api_token"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"),
                                         index=True)  # fmt: skip
    name: Mapped[str200]
    #: SHA-256 of the secret (hex): a random 32-byte secret needs no slow hash.
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: The secret's first characters, so people can tell their tokens apart.
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[created_at]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.user.active

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} {self.name!r}>"


class IdempotentCall(db.Model):
    """The first answer to a creating POST sent with an ``Idempotency-Key``: a retry with the
    same key and body gets this answer again and creates nothing (the unique constraint
    settles two retries racing each other)."""

    __tablename__ = "api_idempotent_call"
    __table_args__ = (UniqueConstraint("token_id", "key"),)

    id: Mapped[intpk]
    token_id: Mapped[int] = mapped_column(ForeignKey("api_token.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    #: Method, path and a hash of the body: the same key sent with another call is refused.
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[int]
    body: Mapped[str] = mapped_column(Text)
    headers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[created_at]
