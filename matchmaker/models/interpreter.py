"""Interpreters: people the organisers book for meetings whose two sides share no language."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from matchmaker.extensions import db
from matchmaker.orm import created_at, intpk, str200, utcnow


class Interpreter(db.Model):
    """One interpreter of an event: the languages they interpret between and their presence.

    A meeting names at most one interpreter, and the database lets an interpreter sit in one
    meeting per slot (``uq_meeting_interpreter_slot`` on ``meeting``)."""

    __tablename__ = "interpreter"

    id: Mapped[intpk]
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    name: Mapped[str200]
    email: Mapped[str | None] = mapped_column(String(254))
    #: ISO 639-1 codes, as on participants.
    languages: Mapped[list[str]] = mapped_column(default=list)
    #: Slot indexes the interpreter cannot attend (as ``Participant.unavailable``).
    unavailable: Mapped[list[int]] = mapped_column(default=list)
    created_at: Mapped[created_at]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<Interpreter {self.id} {self.name!r}>"
