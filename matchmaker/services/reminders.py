"""Reminders: a mail to each side of a published meeting shortly before it starts.

A meeting is due for its reminder while it is published, has not been reminded
(``reminder_sent_at`` is empty) and starts within the next ``minutes`` minutes, not before
now: a meeting that has started gets none. Each reminder is claimed, sent and marked in one
transaction, so a rerun, a retry or a second beat sends nothing twice. Each side reads it in
their account's language, or in the congress's three languages when that is not known.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import ColumnElement

from matchmaker.config import UI_LANGUAGES
from matchmaker.dates import clock, event_day, zone_name
from matchmaker.domain.calendar import Slot
from matchmaker.extensions import db
from matchmaker.models import Event, Meeting, Participant, User
from matchmaker.orm import utcnow
from matchmaker.services.mail import Mail, check_address, clean_header, send_mail

#: The languages of the congress, in the order a mail for an unknown reader shows them.


def _due_filter() -> tuple[ColumnElement[bool], ...]:
    return (Meeting.status == "published", Meeting.reminder_sent_at.is_(None))


def list_due_reminders(minutes: int, now: datetime | None = None) -> list[int]:
    """Ids of the published, not yet reminded meetings starting in (now, now + minutes]."""
    if minutes <= 0:
        return []
    moment = now or utcnow()
    horizon = moment + timedelta(minutes=minutes)
    event_ids = db.session.execute(
        db.select(Meeting.event_id).where(*_due_filter()).distinct().order_by(Meeting.event_id)
    ).scalars()
    due: list[int] = []
    for event_id in list(event_ids):
        event = db.session.get_one(Event, event_id)
        slots = [slot.index for slot in _slots(event, moment) if moment < slot.start <= horizon]
        if slots:
            query = db.select(Meeting.id).where(
                Meeting.event_id == event_id, Meeting.slot_index.in_(slots), *_due_filter()
            )
            due += db.session.execute(query).scalars()
    return sorted(due)


def _slots(event: Event, moment: datetime) -> tuple[Slot, ...]:
    """The event's slots, or none for an event that is over (or has no valid calendar)."""
    if not event.days or max(date.fromisoformat(day) for day in event.days) < (
        moment.date() - timedelta(days=1)
    ):
        return ()
    try:
        return event.calendar().slots
    except ValueError:
        return ()


def claim_reminder(meeting_id: int) -> Meeting | None:
    """The meeting, locked for this sender until the caller commits, if its reminder is
    still due; else None. Call it first in a transaction (see meeting_mail.claim_invitation:
    the same update takes the row lock on PostgreSQL and the write lock on SQLite)."""
    claimed = db.session.execute(
        db.update(Meeting)
        .where(Meeting.id == meeting_id, *_due_filter())
        .values(reminder_sent_at=Meeting.reminder_sent_at)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return db.session.get(Meeting, meeting_id, populate_existing=True)


def send_reminder(meeting: Meeting, smtp_url: str, sender: str, base_url: str = "") -> bool:
    """Mail both sides their reminder and mark the meeting reminded; False if it was already.

    Raises what send_mail raises; nothing is marked then. Should the server fail after the
    first side's mail, a later run sends both again: one reminder twice rather than none.
    """
    if meeting.reminder_sent_at is not None or meeting.status != "published":
        return False
    event = db.session.get_one(Event, meeting.event_id)
    slot = event.calendar().slots[meeting.slot_index]
    sides = ((meeting.government, meeting.partner), (meeting.partner, meeting.government))
    mails = [reminder_mail(event, meeting, slot, me, other, base_url) for me, other in sides]
    for mail in mails:  # both built before either is sent: a bad address sends neither
        send_mail(smtp_url, sender, mail)
    meeting.reminder_sent_at = utcnow()
    db.session.flush()
    return True


def reader_language(participant: Participant) -> str | None:
    """The language chosen on the participant's account, if there is one."""
    locale = db.session.execute(
        db.select(User.locale).where(User.participant_id == participant.id).limit(1)
    ).scalar()
    return locale if locale in UI_LANGUAGES else None


def reminder_mail(
    event: Event, meeting: Meeting, slot: Slot, me: Participant, other: Participant,
    base_url: str = "",
) -> Mail:  # fmt: skip
    """The reminder for ``me`` about meeting ``other``: in ``me``'s language when known,
    else in Spanish, English and Portuguese, one after another."""
    language = reader_language(me)
    languages = (language,) if language else UI_LANGUAGES
    place = clean_header(event.venue or event.name)
    agenda = f"{base_url.rstrip('/')}/me/agenda" if base_url else ""
    titles, paragraphs = [], []
    for code in languages:
        with force_locale(code):
            titles.append(_("Recordatorio de reunión"))
            text = _(
                "Tu reunión con %(name)s (%(role)s, %(organisation)s) empieza el %(date)s a "
                "las %(time)s (%(zone)s) en %(place)s, mesa %(table)d.",
                name=clean_header(other.name),
                role=clean_header(other.role_title),
                organisation=clean_header(other.organisation),
                date=event_day(slot.start, code),  # the reader's words for the day
                time=clock(slot.start, code),
                zone=zone_name(event, code),
                place=place,
                table=meeting.table_number + 1,
            )
            if agenda:
                text += "\n" + _("Tu agenda: %(link)s", link=agenda)
            paragraphs.append(text)
    at = clock(slot.start, languages[0])
    subject = f"{event.name}: {' / '.join(titles)} — {other.name}, {at}"
    body = f"{clean_header(me.name)}:\n\n" + "\n\n".join(paragraphs) + "\n"
    return Mail(to=[check_address(me.email)], subject=subject, body=body)
