"""Standby offers: after a no-show, a meeting offered to the side who came, with someone free."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaker.extensions import db
from matchmaker.models.meeting import Meeting
from matchmaker.models.participant import Participant, User
from matchmaker.orm import created_at, intpk, str40


class StandbyState(StrEnum):
    """An offer is open until one side accepts or declines it, its slot ends (expired), or
    another offer for the same people is accepted first (superseded)."""

    OFFERED = "offered"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    SUPERSEDED = "superseded"


class StandbyOffer(db.Model):
    """A meeting offered now, at the no-show meeting's table, to the present side of that
    meeting and a candidate who is at the congress and free in the slot."""

    __tablename__ = "standby_offer"
    # One offer per candidate per no-show: the periodic run makes each offer once.
    __table_args__ = (UniqueConstraint("meeting_id", "candidate_id"),)

    id: Mapped[intpk]
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    #: The no-show meeting whose table the standby meeting takes.
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), index=True
    )
    present_id: Mapped[int] = mapped_column(
        ForeignKey("participant.id", ondelete="CASCADE"), index=True
    )
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("participant.id", ondelete="CASCADE"), index=True
    )
    slot_index: Mapped[int]
    table_number: Mapped[int]
    #: The pair's suggestion score, and whether the organisers had approved the pair.
    score: Mapped[float] = mapped_column(default=0.0)
    approved: Mapped[bool] = mapped_column(default=False)
    state: Mapped[str40] = mapped_column(default=StandbyState.OFFERED.value, index=True)
    created_at: Mapped[created_at]
    answered_at: Mapped[datetime | None]
    answered_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    #: The meeting booked when the offer was accepted.
    booked_meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("meeting.id", ondelete="SET NULL")
    )
    #: When both sides were told by mail (set once: sent once).
    mailed_at: Mapped[datetime | None]

    meeting: Mapped[Meeting] = relationship(foreign_keys=[meeting_id])
    present: Mapped[Participant] = relationship(foreign_keys=[present_id])
    candidate: Mapped[Participant] = relationship(foreign_keys=[candidate_id])
    answered_by: Mapped[User | None] = relationship()
