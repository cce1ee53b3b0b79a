"""Agendas and invitations: meetings as calendar items, emails after publishing."""

from __future__ import annotations

from matchmaker.domain.agenda import AgendaItem, Person, agenda_ics
from matchmaker.extensions import db
from matchmaker.models import Event, Meeting, Participant
from matchmaker.orm import utcnow
from matchmaker.services.mail import Attachment, Mail, send_mail


def agenda_item(event: Event, meeting: Meeting) -> AgendaItem:
    slot = event.calendar().slots[meeting.slot_index]
    government, partner = meeting.government, meeting.partner
    return AgendaItem(
        uid=f"meeting-{meeting.id}@matchmaker",
        start=slot.start,
        end=slot.end,
        summary=f"{government.organisation} — {partner.organisation}",
        location=f"{event.venue or event.name}, mesa {meeting.table_number + 1}",
        description=(
            f"{government.name} ({government.role_title}, {government.organisation})\n"
            f"{partner.name} ({partner.role_title}, {partner.organisation})"
        ),
        attendees=(Person(government.name, government.email), Person(partner.name, partner.email)),
        cancelled=meeting.status == "cancelled",
    )


def participant_agenda(participant: Participant, statuses: tuple[str, ...]) -> list[Meeting]:
    side = Meeting.government_id if participant.is_government else Meeting.partner_id
    query = db.select(Meeting).where(side == participant.id, Meeting.status.in_(statuses))
    return list(db.session.execute(query.order_by(Meeting.slot_index)).scalars())


def participant_ics(event: Event, participant: Participant, organiser: str) -> bytes:
    meetings = participant_agenda(participant, ("published", "held", "no-show"))
    items = [agenda_item(event, m) for m in meetings]
    return agenda_ics(items, f"{event.name} — {participant.name}", organiser)


def list_uninvited(event: Event) -> list[int]:
    """Published meetings whose invitation has not gone out yet."""
    query = db.select(Meeting.id).where(
        Meeting.event_id == event.id,
        Meeting.status == "published",
        Meeting.invitation_sent_at.is_(None),
    )
    return list(db.session.execute(query.order_by(Meeting.id)).scalars())


def send_invitation(meeting: Meeting, smtp_url: str, sender: str) -> bool:
    """Email both sides the meeting with its .ics; False if it was already sent."""
    if meeting.invitation_sent_at is not None or meeting.status != "published":
        return False
    event = db.session.get_one(Event, meeting.event_id)
    item = agenda_item(event, meeting)
    ics = agenda_ics([item], event.name, sender)
    when = f"{item.start:%d/%m/%Y %H:%M}–{item.end:%H:%M} ({event.time_zone})"
    body = (
        f"Reunión confirmada / Meeting confirmed / Reunião confirmada\n\n"
        f"{item.summary}\n{when}\n{item.location}\n\n{item.description}\n"
    )
    mail = Mail(
        to=[meeting.government.email, meeting.partner.email],
        subject=f"{event.name}: {item.summary}",
        body=body,
        attachments=[Attachment("reunion.ics", ics)],
    )
    send_mail(smtp_url, sender, mail)
    meeting.invitation_sent_at = utcnow()
    db.session.flush()
    return True
