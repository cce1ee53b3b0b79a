"""CSV exports: the schedule, and the transparency register of official-partner meetings."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from matchmaker.domain.calendar import Slot
from matchmaker.domain.spreadsheet import neutralise_row
from matchmaker.domain.vocabulary import theme_label
from matchmaker.extensions import db
from matchmaker.models import Event, Meeting, Participant
from matchmaker.models.meeting import LIVE, MEETING_PEOPLE, ON_RECORD

SCHEDULE_COLUMNS = (
    "date", "start", "end", "time_zone", "slot", "table",
    "official_id", "official", "official_organisation",
    "partner_id", "partner", "partner_organisation", "status", "score",
)  # fmt: skip
REGISTER_COLUMNS = (
    "date", "start", "end", "time_zone",
    "official_name", "official_role", "official_institution", "official_country",
    "partner_organisation", "partner_type", "partner_representative",
    "themes", "status", "outcome",
)  # fmt: skip


def schedule_csv(event: Event, statuses: Sequence[str] = LIVE) -> str:
    """Every meeting in slot and table order, times in the event's time zone."""
    slots = event.calendar().slots
    rows = []
    for meeting in _meetings(event, statuses):
        government, partner = meeting.government, meeting.partner
        rows.append([
            *_when(event, slots[meeting.slot_index]),
            meeting.slot_index + 1, meeting.table_number + 1,
            government.external_id, government.name, government.organisation,
            partner.external_id, partner.name, partner.organisation,
            meeting.status, f"{meeting.weight:.2f}",
        ])  # fmt: skip
    return _csv(SCHEDULE_COLUMNS, rows)


def transparency_register_csv(
    event: Event, locale: str = "es", statuses: Sequence[str] = ON_RECORD
) -> str:
    """One row per official-partner meeting, as lobbying-transparency registers publish them.

    Themes are the ones both sides declared (the official's when they share none), by label.
    """
    slots = event.calendar().slots
    rows = []
    for meeting in _meetings(event, statuses):
        government, partner = meeting.government, meeting.partner
        rows.append([
            *_when(event, slots[meeting.slot_index]),
            government.name, government.role_title, government.organisation, government.country,
            partner.organisation, partner.organisation_type, partner.name,
            "; ".join(theme_label(t, locale) for t in meeting_themes(government, partner)),
            meeting.status, meeting.outcome,
        ])  # fmt: skip
    return _csv(REGISTER_COLUMNS, rows)


def meeting_themes(government: Participant, partner: Participant) -> list[str]:
    shared = [t for t in government.themes if t in partner.themes]
    return shared or list(government.themes)


def _when(event: Event, slot: Slot) -> list[str]:
    """The leading columns of both files: date, start, end (local) and the time zone."""
    return [slot.start.date().isoformat(), f"{slot.start:%H:%M}", f"{slot.end:%H:%M}",
            event.time_zone]  # fmt: skip


def _meetings(event: Event, statuses: Sequence[str]) -> list[Meeting]:
    query = (
        db.select(Meeting)
        .where(Meeting.event_id == event.id, Meeting.status.in_(list(statuses)))
        .options(*MEETING_PEOPLE)
    )
    order = (Meeting.slot_index, Meeting.table_number, Meeting.id)
    return list(db.session.execute(query.order_by(*order)).scalars())


def _csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    # Names come from an imported file: no cell may run as a spreadsheet formula.
    writer.writerows(neutralise_row(row) for row in rows)
    return out.getvalue()
