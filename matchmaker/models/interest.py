"""A participant's own marks on someone of the other side: must meet, or not interested."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from matchmaker.extensions import db
from matchmaker.orm import created_at, intpk, str40, utcnow


class Mark(StrEnum):
    """Must meet raises the pair like a request does (explicit interest, counted by
    ``services.matching.match_rules``); not interested hides the other from one's own
    suggestions only: a request either way stays possible."""

    MUST_MEET = "must-meet"
    NOT_INTERESTED = "not-interested"


class InterestMark(db.Model):
    """One participant's mark on one participant of the other side (one mark per pair and
    author: marking again changes it)."""

    __tablename__ = "interest_mark"
    __table_args__ = (UniqueConstraint("participant_id", "other_id"),)

    id: Mapped[intpk]
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    #: Who marked...
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participant.id", ondelete="CASCADE"), index=True
    )
    #: ...whom.
    other_id: Mapped[int] = mapped_column(
        ForeignKey("participant.id", ondelete="CASCADE"), index=True
    )
    mark: Mapped[str40]
    created_at: Mapped[created_at]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
