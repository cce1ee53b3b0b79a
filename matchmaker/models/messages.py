"""Messages between the two sides of a pair, problems reported on their thread, and the
notifications each participant sees under the bell (and, for some kinds, by mail)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaker.extensions import db
from matchmaker.models.participant import Participant
from matchmaker.orm import created_at, intpk, str40


def _participant_fk(index: bool = True) -> Any:
    return mapped_column(ForeignKey("participant.id", ondelete="CASCADE"), index=index)


class Message(db.Model):
    """One message in the thread of a (government, partner) pair: the thread covers their
    request and their meeting alike. Only two people write in it, so one ``read_at`` (set when
    the side who did not write it opens the thread) is the recipient's."""

    __tablename__ = "message"
    __table_args__ = (Index("ix_message_thread", "government_id", "partner_id", "id"),)

    id: Mapped[intpk]
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    government_id: Mapped[int] = _participant_fk(index=False)  # in ix_message_thread
    partner_id: Mapped[int] = _participant_fk()
    author_id: Mapped[int] = _participant_fk()
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[created_at]
    read_at: Mapped[datetime | None]

    author: Mapped[Participant] = relationship(foreign_keys=[author_id])


class ThreadReport(db.Model):
    """One side reports a problem with a thread: organisers may then read it (and only then).
    One report per thread and reporter: reporting again is refused by the unique constraint."""

    __tablename__ = "thread_report"
    __table_args__ = (UniqueConstraint("government_id", "partner_id", "reporter_id"),)

    id: Mapped[intpk]
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    government_id: Mapped[int] = _participant_fk(index=False)  # first in the unique constraint
    partner_id: Mapped[int] = _participant_fk()
    reporter_id: Mapped[int] = _participant_fk()
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[created_at]

    government: Mapped[Participant] = relationship(foreign_keys=[government_id])
    partner: Mapped[Participant] = relationship(foreign_keys=[partner_id])
    reporter: Mapped[Participant] = relationship(foreign_keys=[reporter_id])


class Notification(db.Model):
    """Something that happened to ``participant_id``: a kind code and ids (``data``), put in
    words by the page that shows it, in the reader's language. ``mail_due`` is set for the
    kinds that have no mail of their own; the sender claims it (clears it) and sets
    ``mailed_at``, so nothing is mailed twice."""

    __tablename__ = "notification"
    # The bell counts unread ones for one participant on every page: this index answers it.
    __table_args__ = (Index("ix_notification_unread", "participant_id", "read_at"),)

    id: Mapped[intpk]
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[int] = _participant_fk(index=False)  # in ix_notification_unread
    kind: Mapped[str40]
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[created_at]
    read_at: Mapped[datetime | None]
    mail_due: Mapped[bool] = mapped_column(default=False, index=True)
    mailed_at: Mapped[datetime | None]
