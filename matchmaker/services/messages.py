"""Short messages between the two sides of a pair, to prepare their meeting.

A thread is keyed by the (government, partner) pair, so one thread covers their request and
their meeting. It exists only for two people of opposite sides who have a request (in any
state) or an announced meeting, and whom no organiser rule keeps apart; anyone else gets
None from ``get_counterpart`` and the pages answer 404. Organisers read a thread only after
one side reports a problem with it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import joinedload

from matchmaker.extensions import db
from matchmaker.models import (
    Meeting,
    MeetingRequest,
    Message,
    Participant,
    ThreadReport,
    User,
)
from matchmaker.models.meeting import ON_RECORD
from matchmaker.orm import utcnow
from matchmaker.services import audit, notifications
from matchmaker.services.decisions import get_block
from matchmaker.services.requests import can_address

#: Longest message, and longest note on a report (the forms say so).
BODY_MAX = 1000
NOTE_MAX = 500


class MessageError(ValueError):
    """Input refused; ``code`` names the rule for the UI (``empty``, ``too-long``,
    ``reported``: this side reported the thread already)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Pair:
    government_id: int
    partner_id: int


def pair_of(a: Participant, b: Participant) -> Pair:
    government, partner = (a, b) if a.is_government else (b, a)
    return Pair(government.id, partner.id)


def have_contact(pair: Pair) -> bool:
    """A request between the two (any state) or a meeting they were told of."""
    request = db.select(MeetingRequest.id).where(
        MeetingRequest.government_id == pair.government_id,
        MeetingRequest.partner_id == pair.partner_id,
    )
    meeting = db.select(Meeting.id).where(
        Meeting.government_id == pair.government_id,
        Meeting.partner_id == pair.partner_id,
        Meeting.status.in_(ON_RECORD),
    )
    return bool(db.session.execute(db.select(request.exists() | meeting.exists())).scalar())


def get_counterpart(participant: Participant, other_id: int) -> Participant | None:
    """The other side of ``participant``'s thread with ``other_id``, or None when there is
    no such thread for them (callers answer 404)."""
    other = db.session.get(Participant, other_id)
    if other is None or not can_address(participant, other):
        return None
    pair = pair_of(participant, other)
    if get_block(pair.government_id, pair.partner_id) is not None or not have_contact(pair):
        return None
    return other


def _thread(pair: Pair) -> list[Message]:
    query = db.select(Message).where(
        Message.government_id == pair.government_id, Message.partner_id == pair.partner_id
    )
    return list(db.session.execute(query.order_by(Message.id)).scalars())


def list_thread(participant: Participant, other: Participant) -> list[Message]:
    """The thread, oldest first (``other`` from ``get_counterpart``)."""
    return _thread(pair_of(participant, other))


def clean_body(body: str, limit: int = BODY_MAX) -> str:
    """The text as kept, or MessageError: ``empty`` or ``too-long`` (never cut silently)."""
    text = body.strip()
    if not text:
        raise MessageError("empty")
    if len(text) > limit:
        raise MessageError("too-long")
    return text


def post_message(author: Participant, other: Participant, body: str) -> Message:
    """Add a message to the thread (``other`` from ``get_counterpart``) and notify ``other``."""
    pair = pair_of(author, other)
    message = Message(event_id=author.event_id, government_id=pair.government_id,
                      partner_id=pair.partner_id, author_id=author.id,
                      body=clean_body(body))  # fmt: skip
    db.session.add(message)
    db.session.flush()
    notifications.notify(other, notifications.MESSAGE, other_id=author.id, message_id=message.id)
    return message


def mark_thread_read(reader: Participant, other: Participant) -> None:
    """The reader has seen every message ``other`` wrote them, and their notifications."""
    pair = pair_of(reader, other)
    db.session.execute(
        db.update(Message)
        .where(Message.government_id == pair.government_id,
               Message.partner_id == pair.partner_id, Message.author_id == other.id,
               Message.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    notifications.mark_messages_read(reader, other.id)


def has_reported(reporter: Participant, other: Participant) -> bool:
    pair = pair_of(reporter, other)
    query = db.select(ThreadReport.id).where(
        ThreadReport.government_id == pair.government_id,
        ThreadReport.partner_id == pair.partner_id,
        ThreadReport.reporter_id == reporter.id,
    )
    return db.session.execute(query).first() is not None


def report_thread(
    reporter: Participant, other: Participant, note: str, actor: User | None
) -> ThreadReport:
    """Flag the thread for the organisers, with the reporter's note; audit-logged. Raises
    MessageError ``empty``/``too-long`` (the note) or ``reported`` (once per side: two
    reports racing each other lose at the unique constraint, and run again get this)."""
    text = clean_body(note, NOTE_MAX)
    if has_reported(reporter, other):
        raise MessageError("reported")
    pair = pair_of(reporter, other)
    report = ThreadReport(event_id=reporter.event_id, government_id=pair.government_id,
                          partner_id=pair.partner_id, reporter_id=reporter.id,
                          note=text)  # fmt: skip
    db.session.add(report)
    db.session.flush()
    audit.record("thread.reported", actor=actor, event_id=reporter.event_id, target=report,
                 government_id=pair.government_id, partner_id=pair.partner_id,
                 reporter_id=reporter.id)  # fmt: skip
    return report


_REPORT_PEOPLE = (
    joinedload(ThreadReport.government, innerjoin=True),
    joinedload(ThreadReport.partner, innerjoin=True),
    joinedload(ThreadReport.reporter, innerjoin=True),
)


def list_reports(event_id: int) -> list[ThreadReport]:
    """The event's reports, newest first, with the people loaded (one query)."""
    query = (
        db.select(ThreadReport)
        .where(ThreadReport.event_id == event_id)
        .options(*_REPORT_PEOPLE)
        .order_by(ThreadReport.id.desc())
    )
    return list(db.session.execute(query).scalars())


def reported_thread(
    event_id: int, government_id: int, partner_id: int
) -> tuple[list[ThreadReport], list[Message]] | None:
    """A reported thread's reports and messages for the organisers; None when nobody
    reported it (organisers read no other thread)."""
    reports = [
        r for r in list_reports(event_id)
        if (r.government_id, r.partner_id) == (government_id, partner_id)
    ]  # fmt: skip
    if not reports:
        return None
    messages = _thread(Pair(government_id, partner_id))
    db.session.execute(
        db.select(Participant).where(Participant.id.in_({m.author_id for m in messages}))
    ).all()  # the authors, in the identity map: the page names them without a query each
    return reports, messages
