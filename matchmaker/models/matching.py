"""Match suggestions, explicit interest (requests/proposals), organiser rules, embedding cache."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, joinedload, mapped_column, relationship

from matchmaker.extensions import db
from matchmaker.models.participant import Participant, User
from matchmaker.orm import created_at, intpk, str40, utcnow

SUGGESTION_STATUSES = ("suggested", "approved", "rejected")
REQUEST_STATUSES = ("pending", "accepted", "declined", "expired", "withdrawn")


def _participant_fk() -> Any:
    return mapped_column(ForeignKey("participant.id", ondelete="CASCADE"), index=True)


class MatchSuggestion(db.Model):
    """A scored government-partner pair and the organiser's decision on it."""

    __tablename__ = "match_suggestion"
    __table_args__ = (UniqueConstraint("event_id", "government_id", "partner_id"),)

    id: Mapped[intpk]
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    government_id: Mapped[int] = _participant_fk()
    partner_id: Mapped[int] = _participant_fk()
    score: Mapped[float] = mapped_column(Float, default=0.0)
    #: Rank of the partner among the official's suggestions, and the other way round.
    rank_for_government: Mapped[int | None]
    rank_for_partner: Mapped[int | None]
    #: Structured reasons ({"code", "text", "data"}), localised by the UI.
    reasons: Mapped[list[Any]] = mapped_column(default=list)
    status: Mapped[str40] = mapped_column(default="suggested")
    #: "model" (computed) or "manual" (added by an organiser).
    source: Mapped[str40] = mapped_column(default="model")
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime | None]
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)

    government: Mapped[Participant] = relationship(foreign_keys=[government_id])
    partner: Mapped[Participant] = relationship(foreign_keys=[partner_id])
    decided_by: Mapped[User | None] = relationship()


class BlockedPair(db.Model):
    """An organiser rule: this pair must never be suggested or scheduled."""

    __tablename__ = "blocked_pair"
    __table_args__ = (UniqueConstraint("government_id", "partner_id"),)

    id: Mapped[intpk]
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    government_id: Mapped[int] = _participant_fk()
    partner_id: Mapped[int] = _participant_fk()
    reason: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[created_at]

    government: Mapped[Participant] = relationship(foreign_keys=[government_id])
    partner: Mapped[Participant] = relationship(foreign_keys=[partner_id])


class MeetingRequest(db.Model):
    """An official's meeting request or a partner's partnership proposal."""

    __tablename__ = "meeting_request"
    __table_args__ = (
        # One open request per pair, whichever side asked; answered ones stay as history.
        Index(
            "uq_meeting_request_pending_pair",
            "government_id",
            "partner_id",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[intpk]
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    requester_id: Mapped[int] = _participant_fk()
    recipient_id: Mapped[int] = _participant_fk()
    government_id: Mapped[int] = _participant_fk()
    partner_id: Mapped[int] = _participant_fk()
    message: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str40] = mapped_column(default="pending")
    created_at: Mapped[created_at]
    answered_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    #: When the recipient was told of the request, and the requester of the answer, by mail:
    #: set once sent, so that a retried notice task sends nothing twice.
    request_mailed_at: Mapped[datetime | None]
    answer_mailed_at: Mapped[datetime | None]

    requester: Mapped[Participant] = relationship(foreign_keys=[requester_id])
    recipient: Mapped[Participant] = relationship(foreign_keys=[recipient_id])


class EmbeddingCacheEntry(db.Model):
    """Sentence vectors of one text under one model, keyed by the text's hash."""

    __tablename__ = "embedding_cache"
    __table_args__ = (UniqueConstraint("model_id", "text_hash"),)

    id: Mapped[intpk]
    model_id: Mapped[str] = mapped_column(String(200))
    text_hash: Mapped[str] = mapped_column(String(64))
    rows: Mapped[int]
    dim: Mapped[int]
    #: float32 row-major matrix (rows x dim).
    vectors: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[created_at]


#: Loads both sides with the suggestions (one query, not one per row) where pages show names.
SUGGESTION_PEOPLE = (
    joinedload(MatchSuggestion.government, innerjoin=True),
    joinedload(MatchSuggestion.partner, innerjoin=True),
)
