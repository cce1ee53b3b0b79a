"""Participants (officials and partners) and the accounts people log in with."""

from __future__ import annotations

import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from matchmaker.extensions import db
from matchmaker.models.event import Event
from matchmaker.orm import created_at, intpk, str40, str200, utcnow

ROLES = ("organiser", "official", "partner")
#: The account role of a participant of each kind.
ROLE_FOR_KIND = {"government": "official", "partner": "partner"}


class Participant(db.Model):
    """One row of the participants file, plus presence and cap."""

    __tablename__ = "participant"
    __table_args__ = (
        UniqueConstraint("event_id", "external_id"),
        UniqueConstraint("event_id", "email"),
    )

    id: Mapped[intpk]
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    #: The organiser's own identifier (the file's ``id`` column).
    external_id: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str40]
    name: Mapped[str200]
    organisation: Mapped[str200]
    organisation_type: Mapped[str40]
    role_title: Mapped[str200]
    email: Mapped[str] = mapped_column(String(254))
    country: Mapped[str] = mapped_column(String(2))
    city: Mapped[str200]
    languages: Mapped[list[str]] = mapped_column(default=list)
    themes: Mapped[list[str]] = mapped_column(default=list)
    #: The challenge (government) or the offering (partner).
    description: Mapped[str] = mapped_column(Text)
    #: Slot indexes the participant cannot attend.
    unavailable: Mapped[list[int]] = mapped_column(default=list)
    max_meetings: Mapped[int | None]
    created_at: Mapped[created_at]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    event: Mapped[Event] = relationship()

    @property
    def is_government(self) -> bool:
        return self.kind == "government"

    def cap(self) -> int:
        """Meetings this participant may have: their own cap or the event's default."""
        return (
            self.max_meetings if self.max_meetings is not None else self.event.default_max_meetings
        )

    def __repr__(self) -> str:
        return f"<Participant {self.external_id} {self.kind}>"


class User(UserMixin, db.Model):
    """An account: an organiser, or the person behind a participant."""

    __tablename__ = "user_account"

    id: Mapped[intpk]
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str40]
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("participant.id", ondelete="SET NULL"), index=True
    )
    locale: Mapped[str | None] = mapped_column(String(5))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[created_at]
    last_login_at: Mapped[datetime | None]
    #: When an organiser last asked for an invitation to be sent; the link's mail is due
    #: while ``invitation_sent_at`` is older (or unset), which makes the sending task idempotent.
    invited_at: Mapped[datetime | None]
    invitation_sent_at: Mapped[datetime | None]
    #: Part of every session's login id: a new one (at logout or a password change) ends
    #: every session issued with the old one, including copied cookies.
    session_token: Mapped[str | None] = mapped_column(String(64))

    participant: Mapped[Participant | None] = relationship()

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def set_unusable_password(self) -> None:
        """No password matches this (not a hash werkzeug can read): the account waits for its
        invitation. Random, so each account's invitation fingerprint differs."""
        self.password_hash = "!" + secrets.token_urlsafe(24)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def get_id(self) -> str:
        """The login id kept in the session: the account and its current session token
        (``matchmaker.auth.sessions``), so that replacing the token ends the session."""
        return f"{self.id}:{self.session_token or ''}"

    @property
    def is_active(self) -> bool:  # Flask-Login asks this
        return self.active

    @property
    def is_organiser(self) -> bool:
        return self.role == "organiser"

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"
