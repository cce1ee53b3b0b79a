"""CSV downloads for organisers: the schedule, the transparency register, the participants.

These are files people open in a spreadsheet: UTF-8 with a byte order mark (without one Excel
reads UTF-8 as a legacy code page and garbles every accent), headers and values in the
reader's language (codes worded by ``matchmaker.labels``, dates by ``matchmaker.dates``), and
no cell a spreadsheet would run as a formula.

The one machine file here is the participants in the import format (design.md's header and
codes), offered as a separate download so that an organiser can edit it and import it again.
The command line's files (``export-participants``, ``match``, ``schedule-file``) are other
machine formats that design.md fixes; they are written elsewhere and carry no BOM.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select

from matchmaker.dates import clock, event_date, zone_name
from matchmaker.domain.calendar import Slot
from matchmaker.domain.spreadsheet import neutralise_row
from matchmaker.extensions import db
from matchmaker.labels import (
    country_name,
    kind_label,
    languages_label,
    meeting_status_label,
    organisation_type_label,
    themes_label,
    yes_no,
)
from matchmaker.models import Event, Meeting, Participant, User
from matchmaker.models.meeting import ANNOUNCED, LIVE, MEETING_PEOPLE, ON_RECORD
from matchmaker.services.agendas import meeting_counts
from matchmaker.services.interpreters import lacks_common_language
from matchmaker.services.participants import export_participants, list_participants

#: Excel takes a file for UTF-8 only when it starts with this.
BOM = "\ufeff"

SCHEDULE_COLUMNS = (
    _l("Fecha"), _l("Inicio"), _l("Fin"), _l("Zona horaria"), _l("Turno"), _l("Mesa"),
    _l("ID del funcionario/a"), _l("Funcionario/a"), _l("Institución"),
    _l("ID del socio"), _l("Socio"), _l("Organización del socio"),
    _l("Idiomas en común"), _l("Estado"), _l("Puntuación"), _l("Intérprete"),
)  # fmt: skip
REGISTER_COLUMNS = (
    _l("Fecha"), _l("Inicio"), _l("Fin"), _l("Zona horaria"),
    _l("Funcionario/a"), _l("Cargo"), _l("Institución"), _l("País"),
    _l("Organización del socio"), _l("Tipo de organización"), _l("Representante del socio"),
    _l("Temas"), _l("Estado"), _l("Resultado"),
)  # fmt: skip
PARTICIPANT_COLUMNS = (
    _l("ID"), _l("Tipo"), _l("Nombre"), _l("Cargo"), _l("Organización"),
    _l("Tipo de organización"), _l("Correo"), _l("País"), _l("Ciudad"), _l("Idiomas"),
    _l("Temas"), _l("Máximo de reuniones"), _l("Reuniones publicadas"), _l("Cuenta"),
    _l("Descripción"),
)  # fmt: skip


def schedule_csv(event: Event, locale: str = "es", statuses: Sequence[str] = LIVE) -> str:
    """Every meeting in slot and table order, times on the event's clock, in ``locale``."""
    slots = event.calendar().slots
    with force_locale(locale):
        rows = []
        for meeting in _meetings(event, statuses):
            government, partner = meeting.government, meeting.partner
            shared = set(government.languages) & set(partner.languages)
            rows.append([
                *_when(event, slots[meeting.slot_index], locale),
                meeting.slot_index + 1, meeting.table_number + 1,
                government.external_id, government.name, government.organisation,
                partner.external_id, partner.name, partner.organisation,
                languages_label(shared, locale), meeting_status_label(meeting.status),
                round(meeting.weight),  # a whole number reads the same in every language
                _interpreter(meeting),
            ])  # fmt: skip
        return _csv(SCHEDULE_COLUMNS, rows)


def _interpreter(meeting: Meeting) -> str:
    """The meeting's interpreter; for a pair without a common language and nobody booked,
    that it lacks one (in the file's language)."""
    if meeting.interpreter is not None:
        return meeting.interpreter.name
    if lacks_common_language(meeting.government, meeting.partner):
        return str(_l("Ninguno asignado"))
    return ""


def transparency_register_csv(
    event: Event, locale: str = "es", statuses: Sequence[str] = ON_RECORD
) -> str:
    """One row per official-partner meeting, as lobbying-transparency registers publish them.

    Themes are the ones both sides declared (the official's when they share none), by label.
    """
    slots = event.calendar().slots
    with force_locale(locale):
        rows = []
        for meeting in _meetings(event, statuses):
            government, partner = meeting.government, meeting.partner
            rows.append([
                *_when(event, slots[meeting.slot_index], locale),
                government.name, government.role_title, government.organisation,
                country_name(government.country, locale),
                partner.organisation, organisation_type_label(partner.organisation_type),
                partner.name,
                themes_label(meeting_themes(government, partner), locale),
                meeting_status_label(meeting.status), meeting.outcome,
            ])  # fmt: skip
        return _csv(REGISTER_COLUMNS, rows)


def participants_csv(event: Event, locale: str = "es") -> str:
    """Every participant as organisers read them: words instead of codes, how many published
    meetings each has and whether they have an account."""
    meetings = meeting_counts(event, ANNOUNCED)
    with_account = set(
        db.session.execute(
            db.select(User.participant_id)
            .join(Participant, Participant.id == User.participant_id)
            .where(Participant.event_id == event.id)
        ).scalars()
    )
    with force_locale(locale):
        rows = []
        for p in list_participants(event):
            rows.append([
                p.external_id, kind_label(p.kind), p.name, p.role_title, p.organisation,
                organisation_type_label(p.organisation_type), p.email,
                country_name(p.country, locale), p.city, languages_label(p.languages, locale),
                themes_label(p.themes, locale),
                p.max_meetings if p.max_meetings is not None else "",
                meetings.get(p.id, 0), yes_no(p.id in with_account), p.description,
            ])  # fmt: skip
        return _csv(PARTICIPANT_COLUMNS, rows)


def participants_import_csv(event: Event) -> str:
    """The participants in the import format (the machine file), with a BOM for Excel: the
    importer accepts one, so the file can be edited and imported again."""
    return BOM + export_participants(event)


def meeting_themes(government: Participant, partner: Participant) -> list[str]:
    shared = [t for t in government.themes if t in partner.themes]
    return shared or list(government.themes)


def _when(event: Event, slot: Slot, locale: str) -> list[str]:
    """The leading columns of the meeting files: date, start, end (local) and the time zone."""
    return [event_date(slot.start.date(), locale), clock(slot.start, locale),
            clock(slot.end, locale), zone_name(event, locale)]  # fmt: skip


def meetings_query(event: Event, statuses: Sequence[str] = ON_RECORD) -> Select[Meeting]:
    """The event's meetings with these statuses, both sides loaded (unordered): by default
    the transparency register's, which the API pages through as JSON."""
    return (
        db.select(Meeting)
        .where(Meeting.event_id == event.id, Meeting.status.in_(list(statuses)))
        .options(*MEETING_PEOPLE)
    )


def _meetings(event: Event, statuses: Sequence[str]) -> list[Meeting]:
    order = (Meeting.slot_index, Meeting.table_number, Meeting.id)
    query = meetings_query(event, statuses).order_by(*order)
    return list(db.session.execute(query).scalars())


def _csv(header: Iterable[object], rows: Iterable[Sequence[object]]) -> str:
    """A spreadsheet's CSV: BOM, header (in the current language), CRLF, safe cells."""
    out = io.StringIO(newline="")
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([str(column) for column in header])
    # Names come from an imported file: no cell may run as a spreadsheet formula.
    writer.writerows(neutralise_row(row) for row in rows)
    return out.getvalue()
