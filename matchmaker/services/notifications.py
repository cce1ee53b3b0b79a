"""What happened to a participant, kept for the bell: a kind code and ids, put in words by the
page (in the reader's language) and, for the kinds with no mail of their own, by one mail.

``notify`` writes one row; ``notify_meetings`` writes both sides of many meetings in one
insert (publishing a schedule announces thousands at once). Request notices, invitations and
cancellations have their own mail already, so only messages are mailed from here
(``MAILED_KINDS``): the sender claims each due row (clears ``mail_due``) before sending, so a
rerun or a second worker mails nothing twice, and one already read in the app is not mailed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from matchmaker import background
from matchmaker.config import UI_LANGUAGES
from matchmaker.extensions import db
from matchmaker.models import Meeting, Message, Notification, Participant
from matchmaker.orm import utcnow
from matchmaker.services.mail import Mail, check_address, clean_header, send_mail
from matchmaker.services.reminders import reader_language

REQUEST_NEW = "request-new"
REQUEST_ACCEPTED = "request-accepted"
REQUEST_DECLINED = "request-declined"
MEETING_BOOKED = "meeting-booked"
MEETING_MOVED = "meeting-moved"
MEETING_CANCELLED = "meeting-cancelled"
MESSAGE = "message"
KINDS = (REQUEST_NEW, REQUEST_ACCEPTED, REQUEST_DECLINED, MEETING_BOOKED, MEETING_MOVED,
         MEETING_CANCELLED, MESSAGE)  # fmt: skip
#: Kinds mailed from here: the others already have their own mail (request notices,
#: meeting invitations, which go out again when a meeting moves, and cancellations).
MAILED_KINDS = frozenset({MESSAGE})
#: How many notifications the page lists, newest first.
PAGE_SIZE = 50
#: How much of a message its mail quotes.
MAIL_EXCERPT = 300


def _row(event_id: int, participant_id: int, kind: str, data: dict[str, Any]) -> dict[str, Any]:
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    return {"event_id": event_id, "participant_id": participant_id, "kind": kind, "data": data,
            "created_at": utcnow(), "mail_due": kind in MAILED_KINDS and _can_mail()}  # fmt: skip


def _can_mail() -> bool:
    """Mail is due only when a server is configured then: switching mail on later does not
    send a backlog of old news."""
    return bool(current_app.config.get("SMTP_URL"))


def notify(participant: Participant, kind: str, **data: Any) -> Notification:
    """Tell ``participant`` that ``kind`` happened (``data``: ids and plain values). A mailed
    kind queues the mail task after the commit."""
    notification = Notification(**_row(participant.event_id, participant.id, kind, data))
    db.session.add(notification)
    db.session.flush()
    if notification.mail_due:
        background.enqueue("send_notification_mails")
    return notification


def notify_meeting(meeting: Meeting, kind: str, **data: Any) -> None:
    """Tell both sides of ``meeting`` (each with the other's id)."""
    notify_meetings([meeting], kind, **data)


def notify_meetings(meetings: Iterable[Meeting], kind: str, **data: Any) -> int:
    """Tell both sides of each meeting, in one insert; returns how many rows were written."""
    rows = [
        _row(m.event_id, me, kind, {"meeting_id": m.id, "other_id": other, **data})
        for m in meetings
        for me, other in ((m.government_id, m.partner_id), (m.partner_id, m.government_id))
    ]
    if rows:
        db.session.execute(db.insert(Notification), rows)
    return len(rows)


def count_unread(participant_id: int) -> int:
    """The bell's number: one count on an index."""
    query = db.select(db.func.count(Notification.id)).where(
        Notification.participant_id == participant_id, Notification.read_at.is_(None)
    )
    return db.session.execute(query).scalar_one()


def list_notifications(participant: Participant, limit: int = PAGE_SIZE) -> list[Notification]:
    """The participant's latest notifications, newest first."""
    query = (
        db.select(Notification)
        .where(Notification.participant_id == participant.id)
        .order_by(Notification.id.desc())
        .limit(limit)
    )
    return list(db.session.execute(query).scalars())


def get_notification_for(participant: Participant, notification_id: int) -> Notification | None:
    """The notification if it is ``participant``'s, else None (callers answer 404)."""
    found = db.session.get(Notification, notification_id)
    if found is None or found.participant_id != participant.id:
        return None
    return found


def mark_read(notification: Notification) -> None:
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.flush()


def mark_all_read(participant: Participant) -> int:
    """Every unread notification of ``participant`` read; returns how many."""
    result = db.session.execute(
        db.update(Notification)
        .where(Notification.participant_id == participant.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def mark_messages_read(participant: Participant, other_id: int) -> None:
    """Reading the thread with ``other_id`` reads the notifications of its messages. They are
    few and unread, so they are filtered here rather than by a JSON query each database
    spells differently."""
    unread = db.session.execute(
        db.select(Notification).where(
            Notification.participant_id == participant.id,
            Notification.kind == MESSAGE,
            Notification.read_at.is_(None),
        )
    ).scalars()
    moment = utcnow()
    for notification in unread:
        if notification.data.get("other_id") == other_id:
            notification.read_at = moment
    db.session.flush()


def list_due_mail() -> list[int]:
    query = db.select(Notification.id).where(Notification.mail_due.is_(True))
    return sorted(db.session.execute(query).scalars())


def claim_mail(notification_id: int) -> Notification | None:
    """The notification, locked until the caller commits, if its mail is still due; else
    None (the same update-to-claim as cancellations.claim_cancellation)."""
    claimed = db.session.execute(
        db.update(Notification)
        .where(Notification.id == notification_id, Notification.mail_due.is_(True))
        .values(mail_due=False)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return db.session.get(Notification, notification_id, populate_existing=True)


def send_notification_mail(
    notification: Notification, smtp_url: str, sender: str, base_url: str
) -> bool:
    """Mail a claimed notification; False (nothing sent) when it was read in the app first
    or is not a mailed kind. Raises what send_mail raises (the caller rolls back)."""
    if notification.read_at is not None or notification.kind not in MAILED_KINDS:
        return False
    send_mail(smtp_url, sender, message_mail(notification, base_url))
    notification.mailed_at = utcnow()
    db.session.flush()
    return True


def message_mail(notification: Notification, base_url: str) -> Mail:
    """A new message, in the reader's language (or the congress's three when not known)."""
    me = db.session.get_one(Participant, notification.participant_id)
    author = db.session.get_one(Participant, notification.data["other_id"])
    message = db.session.get(Message, notification.data.get("message_id", 0))
    excerpt = message.body[:MAIL_EXCERPT] if message is not None else ""
    link = f"{base_url.rstrip('/')}/me/messages/{author.id}" if base_url else ""
    language = reader_language(me)
    titles, paragraphs = [], []
    for code in (language,) if language else UI_LANGUAGES:
        with force_locale(code):
            titles.append(_("Nuevo mensaje"))
            text = _("%(name)s (%(organisation)s) te escribió:", name=clean_header(author.name),
                     organisation=clean_header(author.organisation))  # fmt: skip
            if link:
                text += "\n" + _("Responder: %(link)s", link=link)
            paragraphs.append(text)
    quote = f'\n\n"{excerpt}"\n' if excerpt else "\n"
    subject = f"{me.event.name}: {' / '.join(titles)} — {clean_header(author.name)}"
    body = f"{clean_header(me.name)}:{quote}\n" + "\n\n".join(paragraphs) + "\n"
    return Mail(to=[check_address(me.email)], subject=subject, body=body)
