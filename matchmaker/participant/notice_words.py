"""Notifications in words, in the reader's language, each with the page it leads to: the
rows hold a kind and ids (``services.notifications``), the words are made here, at the edge.
The people and meetings named are loaded in two queries for the whole page."""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from flask_babel import gettext as _

from matchmaker.dates import meeting_time
from matchmaker.extensions import db
from matchmaker.models import Event, Meeting, Notification, Participant
from matchmaker.services import notifications as kinds


@dataclass(frozen=True)
class NoticeLine:
    notification: Notification
    text: str
    url: str


def describe_all(event: Event, rows: list[Notification]) -> list[NoticeLine]:
    """Each notification as a sentence and a link."""
    people_ids = {row.data.get("other_id") for row in rows} - {None}
    meeting_ids = {row.data.get("meeting_id") for row in rows} - {None}
    people = {p.id: p for p in db.session.execute(
        db.select(Participant).where(Participant.id.in_(people_ids))).scalars()}  # fmt: skip
    meetings = {m.id: m for m in db.session.execute(
        db.select(Meeting).where(Meeting.id.in_(meeting_ids))).scalars()}  # fmt: skip
    slots = event.calendar().slots
    lines = []
    for row in rows:
        other = people.get(row.data.get("other_id", 0))
        name = other.name if other is not None else _("alguien")
        meeting = meetings.get(row.data.get("meeting_id", 0))
        when = ""
        if meeting is not None and meeting.slot_index < len(slots):
            slot = slots[meeting.slot_index]
            when = meeting_time(slot.start, slot.end)
        lines.append(NoticeLine(row, _sentence(row.kind, name, when), _url(row, other)))
    return lines


def _sentence(kind: str, name: str, when: str) -> str:
    if kind == kinds.REQUEST_NEW:
        return _("%(name)s te envió una solicitud de reunión.", name=name)
    if kind == kinds.REQUEST_ACCEPTED:
        return _("%(name)s aceptó tu solicitud.", name=name)
    if kind == kinds.REQUEST_DECLINED:
        return _("%(name)s no aceptó tu solicitud.", name=name)
    if kind == kinds.MEETING_BOOKED:
        return _("Reunión confirmada con %(name)s: %(when)s.", name=name, when=when)
    if kind == kinds.MEETING_MOVED:
        return _("Tu reunión con %(name)s cambió de horario: %(when)s.", name=name, when=when)
    if kind == kinds.MEETING_CANCELLED:
        return _("Tu reunión con %(name)s fue cancelada.", name=name)
    if kind == kinds.MESSAGE:
        return _("%(name)s te escribió un mensaje.", name=name)
    return _("Novedad en tu espacio.")


def _url(row: Notification, other: Participant | None) -> str:
    if row.kind == kinds.MESSAGE and other is not None:
        return url_for("participant.thread", participant_id=other.id)
    if row.kind.startswith("request-"):
        return url_for("participant.requests")
    return url_for("participant.agenda")
