"""The organisers' audit log."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaker.extensions import db
from matchmaker.models.participant import User
from matchmaker.orm import created_at, intpk, str40


class AuditEntry(db.Model):
    """One organiser decision: who did what to which object, and when."""

    __tablename__ = "audit_log"

    id: Mapped[intpk]
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("event.id", ondelete="CASCADE"), index=True
    )
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(80))
    target_type: Mapped[str40] = mapped_column(default="")
    target_id: Mapped[int | None]
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[created_at]

    actor: Mapped[User | None] = relationship()
