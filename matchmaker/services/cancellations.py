"""Calling off a meeting: the meeting is cancelled at once, and both sides, if they had been
told of it, are told by mail that it is off (with the reason, when one is given).

The mail is due while ``cancellation_mail_due`` is set; the sender claims the meeting, sends
both mails and clears the flag in one transaction, so a rerun or a second worker sends
nothing twice. Each side reads it in their account's language, or in the congress's three
languages when that is not known (as reminders do).
"""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import gettext as _

from matchmaker import background
from matchmaker.config import UI_LANGUAGES
from matchmaker.dates import event_moment
from matchmaker.extensions import db
from matchmaker.models import Event, Meeting, Participant, User
from matchmaker.models.meeting import ANNOUNCED, MeetingStatus
from matchmaker.services import audit, notifications, webhooks
from matchmaker.services.mail import Mail, check_address, clean_header, send_mail
from matchmaker.services.reminders import reader_language

#: The longest reason kept; the form says so.
MAX_REASON = 500


def cancel_meeting(meeting: Meeting, reason: str = "") -> bool:
    """Cancel ``meeting`` (False if it already was); both sides are mailed after the commit
    when the meeting had been announced to them."""
    if meeting.status == MeetingStatus.CANCELLED:
        return False
    announced = meeting.status in ANNOUNCED
    meeting.status = MeetingStatus.CANCELLED
    meeting.cancel_reason = reason.strip()[:MAX_REASON]
    meeting.cancellation_mail_due = announced
    db.session.flush()
    if announced:
        background.enqueue("send_cancellation_notices")
        notifications.notify_meeting(meeting, notifications.MEETING_CANCELLED)
        webhooks.notify_meetings(meeting.event_id, "meeting.cancelled", [meeting])
    return True


def cancel_by_organiser(meeting: Meeting, reason: str, actor: User | None) -> bool:
    """An organiser calls the meeting off (``cancel_meeting``), logged with where it was;
    False, and nothing logged, if it already was cancelled."""
    before = {"slot": meeting.slot_index, "table": meeting.table_number, "status": meeting.status}
    if not cancel_meeting(meeting, reason):
        return False
    audit.record("meeting.cancelled", actor=actor, event_id=meeting.event_id, target=meeting,
                 reason=meeting.cancel_reason, **before)  # fmt: skip
    return True


def list_due_cancellations() -> list[int]:
    query = db.select(Meeting.id).where(
        Meeting.status == MeetingStatus.CANCELLED, Meeting.cancellation_mail_due.is_(True)
    )
    return sorted(db.session.execute(query).scalars())


def claim_cancellation(meeting_id: int) -> Meeting | None:
    """The meeting, locked until the caller commits, if its mail is still due; else None
    (the same update-to-claim as meeting_mail.claim_invitation)."""
    claimed = db.session.execute(
        db.update(Meeting)
        .where(Meeting.id == meeting_id, Meeting.cancellation_mail_due.is_(True))
        .values(cancellation_mail_due=False)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return db.session.get(Meeting, meeting_id, populate_existing=True)


def send_cancellation(meeting: Meeting, smtp_url: str, sender: str) -> None:
    """Mail both sides that the meeting is off. Both mails are built before either is sent:
    a bad address sends neither. Raises what send_mail raises (the caller rolls back, and
    the claim with it)."""
    event = db.session.get_one(Event, meeting.event_id)
    sides = ((meeting.government, meeting.partner), (meeting.partner, meeting.government))
    mails = [cancellation_mail(event, meeting, me, other) for me, other in sides]
    for mail in mails:
        send_mail(smtp_url, sender, mail)


def cancellation_mail(event: Event, meeting: Meeting, me: Participant, other: Participant) -> Mail:
    language = reader_language(me)
    start = event.calendar().slots[meeting.slot_index].start
    titles, paragraphs = [], []
    for code in (language,) if language else UI_LANGUAGES:
        with force_locale(code):
            titles.append(_("Reunión cancelada"))
            text = _(
                "Tu reunión con %(name)s (%(organisation)s) del %(when)s, mesa %(table)d, "
                "queda cancelada. Ese turno queda libre en tu agenda.",
                name=clean_header(other.name),
                organisation=clean_header(other.organisation),
                when=event_moment(start, event, code),
                table=meeting.table_number + 1,
            )
            if meeting.cancel_reason:
                text += "\n" + _("Motivo: %(reason)s", reason=meeting.cancel_reason)
            paragraphs.append(text)
    subject = f"{event.name}: {' / '.join(titles)} — {clean_header(other.name)}"
    body = f"{clean_header(me.name)}:\n\n" + "\n\n".join(paragraphs) + "\n"
    return Mail(to=[check_address(me.email)], subject=subject, body=body)
