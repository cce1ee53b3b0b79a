"""Agendas and invitations: meetings as calendar items, emails after publishing."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import or_

from matchmaker.domain.agenda import AgendaItem, Person, agenda_ics
from matchmaker.extensions import db
from matchmaker.models import Event, Meeting, Participant
from matchmaker.models.meeting import ANNOUNCED, LIVE, MEETING_PEOPLE
from matchmaker.orm import utcnow
from matchmaker.services.mail import Attachment, Mail, check_address, clean_header, send_mail


def agenda_item(event: Event, meeting: Meeting) -> AgendaItem:
    """The meeting as a calendar shows it. Every name is put on one line: calendar lines
    cannot hold a bare line break (nor can mail headers)."""
    slot = event.calendar().slots[meeting.slot_index]
    government, partner = meeting.government, meeting.partner
    gov_org, par_org = clean_header(government.organisation), clean_header(partner.organisation)
    return AgendaItem(
        uid=f"meeting-{meeting.id}@matchmaker",
        start=slot.start,
        end=slot.end,
        summary=f"{gov_org} — {par_org}",
        location=clean_header(f"{event.venue or event.name}, mesa {meeting.table_number + 1}"),
        description=(
            f"{clean_header(government.name)} ({clean_header(government.role_title)}, {gov_org})\n"
            f"{clean_header(partner.name)} ({clean_header(partner.role_title)}, {par_org})"
        ),
        attendees=(_person(government), _person(partner)),
        cancelled=meeting.status == "cancelled",
    )


def _person(participant: Participant) -> Person:
    """An attendee on one line: calendar parameters cannot hold line breaks (neither can mail
    headers; send_mail refuses such an address)."""
    return Person(clean_header(participant.name), clean_header(participant.email))


def participant_agenda(participant: Participant, statuses: tuple[str, ...]) -> list[Meeting]:
    side = Meeting.government_id if participant.is_government else Meeting.partner_id
    query = (
        db.select(Meeting)
        .where(side == participant.id, Meeting.status.in_(statuses))
        .options(*MEETING_PEOPLE)
    )
    return list(db.session.execute(query.order_by(Meeting.slot_index)).scalars())


def event_agendas(
    event: Event, statuses: tuple[str, ...], only: Collection[int] | None = None
) -> dict[int, list[Meeting]]:
    """Every participant's agenda (or only these participants') in one query: participant
    id -> meetings in slot order (participants with none are absent)."""
    query = (
        db.select(Meeting)
        .where(Meeting.event_id == event.id, Meeting.status.in_(statuses))
        .options(*MEETING_PEOPLE)
        .order_by(Meeting.slot_index)
    )
    if only is not None:
        query = query.where(or_(Meeting.government_id.in_(only), Meeting.partner_id.in_(only)))
    agendas: dict[int, list[Meeting]] = {}
    for meeting in db.session.execute(query).scalars():
        agendas.setdefault(meeting.government_id, []).append(meeting)
        agendas.setdefault(meeting.partner_id, []).append(meeting)
    return agendas


def meeting_counts(event: Event, statuses: tuple[str, ...] = LIVE) -> dict[int, int]:
    """How many meetings each participant of the event has (those with none are absent)."""
    counts: dict[int, int] = {}
    for side in (Meeting.government_id, Meeting.partner_id):
        query = (
            db.select(side, db.func.count())
            .where(Meeting.event_id == event.id, Meeting.status.in_(statuses))
            .group_by(side)
        )
        counts.update(
            {participant_id: count for participant_id, count in db.session.execute(query)}
        )
    return counts


def participant_ics(event: Event, participant: Participant, organiser: str) -> bytes:
    meetings = participant_agenda(participant, ANNOUNCED)
    items = [agenda_item(event, m) for m in meetings]
    return agenda_ics(items, clean_header(f"{event.name} — {participant.name}"), organiser)


def send_invitation(meeting: Meeting, smtp_url: str, sender: str) -> bool:
    """Email both sides the meeting with its .ics; False if it was already sent.

    Raises what send_mail raises (nothing is marked then); see services.meeting_mail for the
    bookkeeping of due and failed invitations.
    """
    if meeting.invitation_sent_at is not None or meeting.status != "published":
        return False
    event = db.session.get_one(Event, meeting.event_id)
    to = [check_address(meeting.government.email), check_address(meeting.partner.email)]
    item = agenda_item(event, meeting)
    ics = agenda_ics([item], clean_header(event.name), sender)
    when = f"{item.start:%d/%m/%Y %H:%M}–{item.end:%H:%M} ({event.time_zone})"
    body = (
        f"Reunión confirmada / Meeting confirmed / Reunião confirmada\n\n"
        f"{item.summary}\n{when}\n{item.location}\n\n{item.description}\n"
    )
    mail = Mail(
        to=to,
        subject=f"{event.name}: {item.summary}",
        body=body,
        attachments=[Attachment("reunion.ics", ics)],
    )
    send_mail(smtp_url, sender, mail)
    meeting.invitation_sent_at, meeting.invitation_error = utcnow(), ""
    db.session.flush()
    return True
