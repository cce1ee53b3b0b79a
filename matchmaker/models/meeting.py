"""Booked meetings. The database itself forbids double booking."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Text, text
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, joinedload, mapped_column, relationship

from matchmaker.extensions import db
from matchmaker.models.interpreter import Interpreter
from matchmaker.models.participant import Participant
from matchmaker.orm import created_at, intpk, str40, utcnow


class MeetingStatus(StrEnum):
    """A meeting's state: drafted by the scheduler, published to both sides, then held or
    missed; cancelled meetings stay on record (the indexes below ignore them)."""

    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"
    HELD = "held"
    NO_SHOW = "no-show"


MEETING_STATUSES = tuple(MeetingStatus)
#: Meetings that take a slot and a table: everything but cancelled.
LIVE = (MeetingStatus.DRAFT, MeetingStatus.PUBLISHED, MeetingStatus.HELD, MeetingStatus.NO_SHOW)
#: Meetings the scheduler may still move or replace: nobody has met yet.
MOVABLE = (MeetingStatus.DRAFT, MeetingStatus.PUBLISHED)
#: Meetings both sides were told about: on their agendas, invitations and reminders.
ANNOUNCED = (MeetingStatus.PUBLISHED, MeetingStatus.HELD, MeetingStatus.NO_SHOW)
#: What a participant or organiser reports after the meeting's time.
OUTCOMES = (MeetingStatus.HELD, MeetingStatus.NO_SHOW)
#: The transparency register: what was announced, and what was called off.
ON_RECORD = (*ANNOUNCED, MeetingStatus.CANCELLED)
_LIVE = text("status != 'cancelled'")
_LIVE_INTERPRETED = text("status != 'cancelled' AND interpreter_id IS NOT NULL")
#: A no-show meeting gives up its table and its present side's slot: a standby meeting may
#: take them (matchmaker.services.live); the pair stays booked (uq_meeting_pair).
_HOLDS_TABLE = text("status NOT IN ('cancelled', 'no-show')")


def _holding_unique(name: str, *columns: str) -> Index:
    """A unique index over meetings that hold their slot: neither cancelled nor missed."""
    return Index(name, *columns, unique=True, sqlite_where=_HOLDS_TABLE,
                 postgresql_where=_HOLDS_TABLE)  # fmt: skip


def _live_unique(name: str, *columns: str) -> Index:
    """A unique index over meetings that are not cancelled (partial index on both databases)."""
    return Index(name, *columns, unique=True, sqlite_where=_LIVE, postgresql_where=_LIVE)


class Meeting(db.Model):
    __tablename__ = "meeting"
    __table_args__ = (
        _holding_unique("uq_meeting_event_slot_table", "event_id", "slot_index", "table_number"),
        _holding_unique("uq_meeting_government_slot", "government_id", "slot_index"),
        _holding_unique("uq_meeting_partner_slot", "partner_id", "slot_index"),
        _live_unique("uq_meeting_pair", "government_id", "partner_id"),
        # One meeting per interpreter per slot, among live meetings that have one.
        Index(
            "uq_meeting_interpreter_slot",
            "interpreter_id",
            "slot_index",
            unique=True,
            sqlite_where=_LIVE_INTERPRETED,
            postgresql_where=_LIVE_INTERPRETED,
        ),
    )

    id: Mapped[intpk]
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    government_id: Mapped[int] = mapped_column(
        ForeignKey("participant.id", ondelete="CASCADE"), index=True
    )
    partner_id: Mapped[int] = mapped_column(
        ForeignKey("participant.id", ondelete="CASCADE"), index=True
    )
    suggestion_id: Mapped[int | None] = mapped_column(
        ForeignKey("match_suggestion.id", ondelete="SET NULL")
    )
    slot_index: Mapped[int]
    table_number: Mapped[int]
    #: The interpreter booked for a pair without a common language (None: none needed or found).
    interpreter_id: Mapped[int | None] = mapped_column(
        ForeignKey("interpreter.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str40] = mapped_column(default="draft")
    weight: Mapped[float] = mapped_column(default=0.0)
    outcome: Mapped[str] = mapped_column(Text, default="")
    invitation_sent_at: Mapped[datetime | None]
    #: Failed attempts to mail the invitation, and the last failure's reason, for organisers.
    invitation_attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    invitation_error: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: When both sides were reminded shortly before the meeting (set once: sent once).
    reminder_sent_at: Mapped[datetime | None]
    #: When each side checked in at the table ("I'm at my table", or staff on the live board);
    #: the meeting is in progress once both have (matchmaker.services.live).
    government_checked_in_at: Mapped[datetime | None]
    partner_checked_in_at: Mapped[datetime | None]
    #: Why the meeting was called off, for both sides and the organisers ("" when not said).
    cancel_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: Both sides knew of the meeting when it was called off: they are told by mail (once).
    cancellation_mail_due: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    #: The side who called it off from their agenda (None: the organisers did, or it is not
    #: cancelled); the other side then sees it on their agenda, cancelled, with the reason.
    cancelled_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("participant.id", ondelete="SET NULL")
    )
    created_at: Mapped[created_at]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    government: Mapped[Participant] = relationship(foreign_keys=[government_id])
    partner: Mapped[Participant] = relationship(foreign_keys=[partner_id])
    interpreter: Mapped[Interpreter | None] = relationship()


#: Loads both sides with the meetings (one query, not one per row) where pages show names.
MEETING_PEOPLE = (
    joinedload(Meeting.government, innerjoin=True),
    joinedload(Meeting.partner, innerjoin=True),
    joinedload(Meeting.interpreter),
)
