"""Meeting invitations by mail: which are due, each one's failures, and what organisers see.

Each published meeting carries its own state: ``invitation_sent_at`` once its mail went out,
``invitation_attempts`` and ``invitation_error`` while it fails. A run of the sending task
takes the due ones (published, not sent, fewer than MAX_INVITATION_ATTEMPTS failures), so a
redelivery, a rerun or a retry sends exactly what is unsent. The failure is stored as data (a
kind, the addresses concerned and the technical detail); the pages put it into words.
"""

from __future__ import annotations

import json
import smtplib
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_
from sqlalchemy.orm import selectinload

from matchmaker.extensions import db
from matchmaker.models import Event, Meeting
from matchmaker.models.meeting import ANNOUNCED
from matchmaker.services.mail import MailAddressError

#: After this many failed attempts a meeting is left for the organisers to fix and retry.
MAX_INVITATION_ATTEMPTS = 5
#: The kinds of failure, each explained to organisers in their language.
FAILURE_KINDS = (
    "invalid-address",  # an address that is not one (or would break a header)
    "address-refused",  # the server refused a recipient
    "server-refused",  # the server refused us: login, sender, a feature we need
    "message-refused",  # the server refused the message itself
    "build-failed",  # the message could not be put together
)
DETAIL_LIMIT = 1000


@dataclass(frozen=True)
class InvitationFailure:
    kind: str
    addresses: tuple[str, ...] = ()
    detail: str = ""

    def encode(self) -> str:
        return json.dumps(
            {"kind": self.kind, "addresses": list(self.addresses), "detail": self.detail},
            ensure_ascii=False,
        )

    @classmethod
    def decode(cls, stored: str) -> InvitationFailure:
        """The stored failure; text from before this format is kept as the detail."""
        try:
            data = json.loads(stored)
            kind = data["kind"] if data["kind"] in FAILURE_KINDS else "build-failed"
            return cls(kind, tuple(map(str, data.get("addresses", ()))), str(data["detail"]))
        except (ValueError, TypeError, KeyError):
            return cls("build-failed", (), stored)


def describe_failure(exc: BaseException) -> InvitationFailure:
    """What went wrong with one message, as data (the pages put it into words)."""
    detail = f"{type(exc).__name__}: {exc}"[:DETAIL_LIMIT]
    if isinstance(exc, MailAddressError):
        return InvitationFailure("invalid-address", (exc.address,), detail)
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        refused = exc.recipients
        lines = "\n".join(f"{to}: {code} {_text(reply)}" for to, (code, reply) in refused.items())
        return InvitationFailure("address-refused", tuple(refused), lines[:DETAIL_LIMIT])
    if isinstance(
        exc,
        smtplib.SMTPSenderRefused | smtplib.SMTPAuthenticationError | smtplib.SMTPNotSupportedError,
    ):
        return InvitationFailure("server-refused", (), detail)
    if isinstance(exc, smtplib.SMTPResponseException):
        return InvitationFailure("message-refused", (), f"{exc.smtp_code} {_text(exc.smtp_error)}")
    return InvitationFailure("build-failed", (), detail)


def _text(response: bytes | str) -> str:
    return response.decode(errors="replace") if isinstance(response, bytes) else str(response)


def _due() -> ColumnElement[bool]:
    return and_(
        Meeting.status == "published",
        Meeting.invitation_sent_at.is_(None),
        Meeting.invitation_attempts < MAX_INVITATION_ATTEMPTS,
    )


def list_due_invitations(event: Event) -> list[int]:
    """Published meetings whose invitation has not gone out and may still be tried."""
    query = db.select(Meeting.id).where(Meeting.event_id == event.id, _due())
    return list(db.session.execute(query.order_by(Meeting.id)).scalars())


def claim_invitation(meeting_id: int) -> Meeting | None:
    """The meeting, locked for this sender until the caller commits, if its invitation is
    still due; else None.

    Two runs at once (a publish and a retry) would otherwise both send it: the update takes
    the row's lock (PostgreSQL) or the write lock (SQLite) and the second run, let in after
    the first commits, no longer finds it due. Call it first in a transaction.
    """
    claimed = db.session.execute(
        db.update(Meeting)
        .where(Meeting.id == meeting_id, _due())
        .values(invitation_attempts=Meeting.invitation_attempts)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return db.session.get(Meeting, meeting_id, populate_existing=True)


def record_failure(meeting: Meeting, exc: BaseException) -> InvitationFailure:
    """Count a failed attempt on the meeting and keep why, for the organisers."""
    failure = describe_failure(exc)
    meeting.invitation_attempts += 1
    meeting.invitation_error = failure.encode()
    db.session.flush()
    return failure


def _failed() -> ColumnElement[bool]:
    return and_(
        Meeting.status == "published",
        Meeting.invitation_sent_at.is_(None),
        Meeting.invitation_error != "",
    )


def reset_failed(event: Event) -> int:
    """Give every failed invitation of the event its attempts back; returns how many."""
    result = db.session.execute(
        db.update(Meeting)
        .where(Meeting.event_id == event.id, _failed())
        .values(invitation_attempts=0, invitation_error="")
        .execution_options(synchronize_session=False)
    )
    db.session.expire_all()
    return int(result.rowcount)  # type: ignore[attr-defined]


def list_events_with_retries() -> list[int]:
    """Events with a failed invitation that may be tried again (for a periodic retry)."""
    query = (
        db.select(Meeting.event_id)
        .where(_due(), Meeting.invitation_attempts > 0)
        .distinct()
        .order_by(Meeting.event_id)
    )
    return list(db.session.execute(query).scalars())


@dataclass(frozen=True)
class FailedInvitation:
    meeting: Meeting
    failure: InvitationFailure
    slot_start: datetime | None
    slot_end: datetime | None

    @property
    def attempts(self) -> int:
        return self.meeting.invitation_attempts

    @property
    def will_retry(self) -> bool:
        """Later runs still try it; else it waits for an organiser."""
        return self.attempts < MAX_INVITATION_ATTEMPTS


@dataclass(frozen=True)
class InvitationStatus:
    sent: int
    waiting: int  # not sent yet, no failure
    failed: list[FailedInvitation]
    max_attempts: int = MAX_INVITATION_ATTEMPTS

    @property
    def total(self) -> int:
        return self.sent + self.waiting + len(self.failed)


def invitation_status(event: Event) -> InvitationStatus:
    """How many invitations went out, how many wait, and each failed one with its reason."""
    sent, waiting = invitation_counts(event)
    return invitation_status_of(event, sent, waiting, failed_invitation_ids(event))


def invitation_counts(event: Event) -> tuple[int, int]:
    """The invitations sent, and those waiting to be sent (not sent yet, no failure)."""
    announced = and_(Meeting.status.in_(ANNOUNCED), Meeting.invitation_sent_at.is_not(None))
    waiting = and_(Meeting.status == "published", Meeting.invitation_sent_at.is_(None),
                   Meeting.invitation_error == "")  # fmt: skip
    query = db.select(db.func.count().filter(announced), db.func.count().filter(waiting)).where(
        Meeting.event_id == event.id
    )
    sent_count, waiting_count = db.session.execute(query).one()
    return int(sent_count), int(waiting_count)


def failed_invitation_ids(event: Event) -> tuple[int, ...]:
    query = db.select(Meeting.id).where(Meeting.event_id == event.id, _failed())
    return tuple(db.session.execute(query).scalars())


def invitation_status_of(
    event: Event, sent: int, waiting: int, failed_ids: Collection[int]
) -> InvitationStatus:
    """The status from its figures, the failed meetings loaded by id with their reasons."""
    failed_meetings = (
        db.session.execute(
            db.select(Meeting)
            .where(Meeting.id.in_(failed_ids))
            .options(selectinload(Meeting.government), selectinload(Meeting.partner))
            .order_by(Meeting.slot_index, Meeting.table_number)
        ).scalars()
        if failed_ids
        else ()
    )
    slots = event.slots()
    failed = []
    for meeting in failed_meetings:
        slot = slots[meeting.slot_index] if 0 <= meeting.slot_index < len(slots) else None
        failure = InvitationFailure.decode(meeting.invitation_error)
        start, end = (slot.start, slot.end) if slot is not None else (None, None)
        failed.append(FailedInvitation(meeting, failure, start, end))
    return InvitationStatus(sent=sent, waiting=waiting, failed=failed)
