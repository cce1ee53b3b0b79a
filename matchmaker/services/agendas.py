"""Agendas and invitations: meetings as calendar items, emails after publishing."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_

from matchmaker.config import UI_LANGUAGES
from matchmaker.dates import meeting_time, zone_name
from matchmaker.domain.agenda import AgendaItem, Person, agenda_ics
from matchmaker.extensions import db
from matchmaker.models import Event, MatchSuggestion, Meeting, Participant
from matchmaker.models.meeting import ANNOUNCED, LIVE, MEETING_PEOPLE, MeetingStatus
from matchmaker.orm import utcnow
from matchmaker.services import live
from matchmaker.services.check_in_codes import CheckInLinks
from matchmaker.services.mail import Attachment, Mail, check_address, clean_header, send_mail
from matchmaker.services.meeting_changes import list_cancelled_by_a_side


def agenda_item(event: Event, meeting: Meeting, check_in_url: str = "") -> AgendaItem:
    """The meeting as a calendar shows it. Every name is put on one line: calendar lines
    cannot hold a bare line break (nor can mail headers). ``check_in_url``: the reader's own
    check-in link (their QR code's), for a calendar file made for one participant."""
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
            + _interpreter_line(meeting)
            + (f"\nRegistro de llegada / Check-in: {check_in_url}" if check_in_url else "")
        ),
        attendees=(_person(government), _person(partner)),
        cancelled=meeting.status == "cancelled",
    )


def _interpreter_line(meeting: Meeting) -> str:
    """The interpreter, labelled in the event's languages as the invitation mail is (the same
    file goes to both sides, who may read different languages)."""
    if meeting.interpreter is None:
        return ""
    return f"\nIntérprete / Interpreter: {clean_header(meeting.interpreter.name)}"


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


def count_meetings(participant: Participant, statuses: tuple[str, ...]) -> int:
    side = Meeting.government_id if participant.is_government else Meeting.partner_id
    query = db.select(db.func.count()).where(side == participant.id, Meeting.status.in_(statuses))
    return int(db.session.execute(query).scalar_one())


def agenda_meetings(participant: Participant) -> list[Meeting]:
    """What the participant's agenda lists: their announced meetings, and those a side
    called off from their agenda (cancelled, with the reason, on both agendas), in time
    order, a cancelled one after the meeting that took its slot."""
    meetings = participant_agenda(participant, ANNOUNCED) + list_cancelled_by_a_side(participant)
    return sorted(meetings, key=lambda m: (m.slot_index, m.status == MeetingStatus.CANCELLED))


def now_and_next(
    event: Event, meetings: Iterable[Meeting], now: datetime
) -> tuple[Meeting | None, Meeting | None]:
    """The meeting under way at ``now`` (None unless the event is on) and the next one to
    start, from ``meetings`` in slot order. Missed and cancelled meetings are skipped: a
    standby meeting may hold the missed one's slot, and nobody goes to either."""
    slots = live.event_slots(event)
    current = upcoming = None
    for meeting in meetings:
        if meeting.status not in (MeetingStatus.PUBLISHED, MeetingStatus.HELD):
            continue
        if meeting.slot_index >= len(slots):
            continue  # the calendar shrank under a published meeting: no time to show
        slot = slots[meeting.slot_index]
        if current is None and slot.start <= now < slot.end:
            current = meeting
        elif upcoming is None and slot.start > now and meeting.status == MeetingStatus.PUBLISHED:
            upcoming = meeting
    return current, upcoming


def meeting_reasons(meetings: Iterable[Meeting]) -> dict[int, list[Any]]:
    """The stored reasons ({"code", "text", "data"}) of the suggestion behind each meeting,
    by meeting id; a meeting no suggestion led to is absent. Looked up by pair, which is
    unique per event, so meetings booked before ``suggestion_id`` existed find theirs too."""
    by_pair = {(m.event_id, m.government_id, m.partner_id): m.id for m in meetings}
    if not by_pair:
        return {}
    query = db.select(MatchSuggestion).where(
        or_(
            *(
                and_(
                    MatchSuggestion.event_id == event_id,
                    MatchSuggestion.government_id == government_id,
                    MatchSuggestion.partner_id == partner_id,
                )
                for event_id, government_id, partner_id in by_pair
            )
        )
    )
    return {
        by_pair[(s.event_id, s.government_id, s.partner_id)]: list(s.reasons or [])
        for s in db.session.execute(query).scalars()
    }


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


def participant_ics(
    event: Event, participant: Participant, organiser: str, links: CheckInLinks | None = None
) -> bytes:
    """The participant's calendar file; with ``links``, each published meeting's description
    carries their check-in link."""
    meetings = participant_agenda(participant, ANNOUNCED)
    items = [agenda_item(event, m, _check_in_url(links, m, participant)) for m in meetings]
    return agenda_ics(items, clean_header(f"{event.name} — {participant.name}"), organiser)


def _check_in_url(links: CheckInLinks | None, meeting: Meeting, participant: Participant) -> str:
    if links is None or meeting.status != MeetingStatus.PUBLISHED:
        return ""
    return links.url(meeting, participant)


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
    # One mail to both sides, whose languages may differ: the time in each of the event's.
    when = "\n".join(
        f"{meeting_time(item.start, item.end, code)} ({zone_name(event, code)})"
        for code in UI_LANGUAGES
    )
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
