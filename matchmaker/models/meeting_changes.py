"""What each side does with their own meetings: feedback after it, and asking to move it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaker.extensions import db
from matchmaker.models.meeting import Meeting
from matchmaker.models.participant import Participant
from matchmaker.orm import created_at, intpk, str40, utcnow


class MeetingFeedback(db.Model):
    """One side's view of a meeting held: a 1-5 rating and whether they would follow up
    (the held / no-show status and the outcome text stay on the meeting, shared)."""

    __tablename__ = "meeting_feedback"
    __table_args__ = (
        UniqueConstraint("meeting_id", "participant_id"),
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),
    )

    id: Mapped[intpk]
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), index=True
    )
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participant.id", ondelete="CASCADE"), index=True
    )
    rating: Mapped[int]
    would_follow_up: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[created_at]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class MoveState(StrEnum):
    """A move request is asked until the other side accepts or declines it, the asker
    withdraws it, or it goes stale (the meeting or the slot changed before the answer)."""

    ASKED = "asked"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    STALE = "stale"


_ASKED = text("state = 'asked'")


class MoveRequest(db.Model):
    """One side asks to move a published meeting to a slot where both are free and a table is
    open; the other side confirms, and the meeting moves there (nobody else moves)."""

    __tablename__ = "move_request"
    # One open request per meeting: two asked at once, the second loses here.
    __table_args__ = (
        Index("uq_move_request_open", "meeting_id", unique=True, sqlite_where=_ASKED,
              postgresql_where=_ASKED),
    )  # fmt: skip

    id: Mapped[intpk]
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), index=True
    )
    asked_by_id: Mapped[int] = mapped_column(
        ForeignKey("participant.id", ondelete="CASCADE"), index=True
    )
    #: Where the meeting was when asked: moved since by an organiser, the request is stale.
    from_slot: Mapped[int]
    slot_index: Mapped[int]
    state: Mapped[str40] = mapped_column(default=MoveState.ASKED.value)
    created_at: Mapped[created_at]
    answered_at: Mapped[datetime | None]

    meeting: Mapped[Meeting] = relationship()
    asked_by: Mapped[Participant] = relationship()
