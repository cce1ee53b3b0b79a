"""Participant import and export: the domain parser plus the event's own rules."""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Row

from matchmaker import background
from matchmaker.domain.import_errors import ImportRejected, Params, RowError, shown
from matchmaker.domain.importing import (
    ParticipantRecord,
    parse_participants,
    parse_records,
    write_participants,
)
from matchmaker.extensions import db
from matchmaker.models import Event, Participant, User
from matchmaker.services import audit, webhooks
from matchmaker.services.matching import request_recompute

_COPIED_FIELDS = (
    "kind", "name", "organisation", "organisation_type", "role_title", "email",
    "country", "city", "description", "max_meetings",
)  # fmt: skip


@dataclass
class ImportSummary:
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)
    #: Every imported row's participant, in the order given (ids set once flushed).
    participants: list[Participant] = field(default_factory=list)

    def total(self, kind: str) -> int:
        return self.created[kind] + self.updated[kind] + self.unchanged[kind]

    def counts(self) -> dict[str, int]:
        """The numbers alone (for webhooks): rows created, updated and unchanged, and how
        many officials and partners the import held."""
        return {"created": sum(self.created.values()), "updated": sum(self.updated.values()),
                "unchanged": sum(self.unchanged.values()), "officials": self.total("government"),
                "partners": self.total("partner")}  # fmt: skip

    def describe(self) -> str:
        officials, partners = self.total("government"), self.total("partner")
        created = sum(self.created.values())
        updated = sum(self.updated.values())
        unchanged = sum(self.unchanged.values())
        return (
            f"{officials} officials, {partners} partners "
            f"({created} new, {updated} updated, {unchanged} unchanged)"
        )


def list_participants(event: Event, kind: str | None = None) -> list[Participant]:
    query = db.select(Participant).where(Participant.event_id == event.id)
    if kind:
        query = query.where(Participant.kind == kind)
    return list(db.session.execute(query.order_by(Participant.id)).scalars())


def list_names(event: Event) -> list[Row[tuple[int, str, str]]]:
    """Each participant's id, name and organisation, in file order: for long lists that show
    nothing else (rows, not participants: a thousand ORM objects cost more to build)."""
    query = db.select(Participant.id, Participant.name, Participant.organisation)
    query = query.where(Participant.event_id == event.id).order_by(Participant.id)
    return list(db.session.execute(query).all())


def find_participant(event: Event, participant_id: int) -> Participant | None:
    """The event's participant with this id, if there is one."""
    participant = db.session.get(Participant, participant_id)
    return participant if participant is not None and participant.event_id == event.id else None


def import_participants(event: Event, data: bytes) -> ImportSummary:
    """Validate the whole file against itself and the event, then upsert every row.

    Raises ImportRejected, having written nothing, when any row is bad.
    """
    parsed = parse_participants(data)
    if not parsed.ok:
        raise ImportRejected(parsed.errors)
    return import_records(event, parsed.records)


def import_columns(event: Event, rows: Sequence[Mapping[str, str]]) -> ImportSummary:
    """Import participants given column by column (the API's JSON list): each checked as a
    file's row is, the whole list as a file is, then upserted as a file's rows are. Errors
    name the row by its index. Raises ImportRejected, having written nothing."""
    parsed = parse_records(rows)
    if not parsed.ok:
        raise ImportRejected(parsed.errors)
    if not parsed.records:
        raise ImportRejected([RowError(0, "", "no_participants")])
    return import_records(event, parsed.records)


def import_records(event: Event, records: list[ParticipantRecord]) -> ImportSummary:
    """Upsert records already checked against each other (a parsed file or list): checked
    against the event first (ImportRejected, nothing written), then one query loads the
    event's participants and one flush writes every row, whatever their number."""
    existing = {p.external_id: p for p in list_participants(event)}
    errors = event_errors(event, records, existing)
    if errors:
        raise ImportRejected(errors)
    _release_moving_emails(records, existing)
    summary = ImportSummary()
    for record in records:
        participant = existing.get(record.id)
        if participant is None:
            participant = new_participant(event, record)
            db.session.add(participant)
            summary.created[record.kind] += 1
        elif apply_record(participant, record):
            summary.updated[record.kind] += 1
        else:
            summary.unchanged[record.kind] += 1
        summary.participants.append(participant)
    db.session.flush()
    webhooks.notify(event.id, "participants.imported", summary.counts())
    return summary


def record_import(event: Event, summary: ImportSummary, actor: User | None, source: str) -> None:
    """After an organiser's import (a file's name, or where it came from, in ``source``):
    log it, and have the workers recompute the suggestions and the event's figures after
    the commit."""
    audit.record("participants.imported", actor=actor, event_id=event.id, filename=source,
                 created=dict(summary.created), updated=dict(summary.updated),
                 unchanged=dict(summary.unchanged))  # fmt: skip
    request_recompute(event)
    background.enqueue("recompute_event_stats", event.id)


def event_errors(
    event: Event, records: list[ParticipantRecord], existing: dict[str, Participant]
) -> list[RowError]:
    """Rules that need the stored event: kinds never change, emails stay unique, slots exist.

    ``existing``: the stored participants that matter, by file id (an organiser's form passes
    the one it edits under the id it is given, and those whose email it may take)."""
    errors: list[RowError] = []
    incoming = {r.id for r in records}
    # By the key it is given (a form renaming a participant passes it under its new id).
    taken = {p.email.casefold(): key for key, p in existing.items() if key not in incoming}
    num_slots = event.calendar().num_slots if event.days else None
    params: Params
    for record in records:
        current = existing.get(record.id)
        if current is not None and current.kind != record.kind:
            params = {"value": shown(record.id), "kind": current.kind}
            errors.append(RowError(record.line, "kind", "kind_change", params))
        owner = taken.get(record.email.casefold())
        if owner is not None:
            params = {"value": shown(record.email), "owner": shown(owner)}
            errors.append(RowError(record.line, "email", "email_taken", params))
        bad_slots = [s for s in record.unavailable if num_slots is not None and s >= num_slots]
        if bad_slots:
            params = {"slots": ", ".join(map(str, bad_slots)), "num_slots": num_slots or 0}
            errors.append(RowError(record.line, "unavailable", "no_such_slot", params))
    return errors


def _release_moving_emails(
    records: list[ParticipantRecord], existing: dict[str, Participant]
) -> None:
    """Park the emails the file changes on placeholders first, so that emails can move
    between participants of the file (two people swapping addresses) without the rows,
    updated one by one, ever holding the same address at once. The placeholders hold no "@":
    no participant can have one; each ends with the row's own key, so they differ too."""
    moving = [
        participant
        for record in records
        if (participant := existing.get(record.id)) is not None
        and participant.email != record.email
    ]
    for participant in moving:
        participant.email = f"~moving~{participant.id}"
    if moving:
        db.session.flush()


def new_participant(event: Event, record: ParticipantRecord) -> Participant:
    """A participant of ``event`` made from ``record`` (not yet added to the session)."""
    participant = Participant(event=event, external_id=record.id)
    apply_record(participant, record)
    return participant


def apply_record(participant: Participant, record: ParticipantRecord) -> bool:
    """Copy a record onto a participant; True when anything changed."""
    values: dict[str, object] = {name: getattr(record, name) for name in _COPIED_FIELDS}
    values |= {
        "languages": list(record.languages),
        "themes": list(record.themes),
        "unavailable": list(record.unavailable),
    }
    changed = False
    for name, value in values.items():
        if getattr(participant, name) != value:
            setattr(participant, name, value)
            changed = True
    return changed


def export_participants(event: Event) -> str:
    """The event's participants in the import format, in the order they were first imported."""
    records = [_record(p) for p in list_participants(event)]
    optional = []
    if any(r.unavailable for r in records):
        optional.append("unavailable")
    if any(r.max_meetings is not None for r in records):
        optional.append("max_meetings")
    out = io.StringIO(newline="")
    write_participants(records, out, optional)
    return out.getvalue()


def _record(participant: Participant) -> ParticipantRecord:
    return ParticipantRecord(
        id=participant.external_id,
        languages=tuple(participant.languages),
        themes=tuple(participant.themes),
        unavailable=tuple(participant.unavailable),
        **{name: getattr(participant, name) for name in _COPIED_FIELDS},
    )


def get_participant(event: Event, external_id: str) -> Participant:
    """The event's participant with this file id (LookupError if there is none)."""
    query = db.select(Participant).where(
        Participant.event_id == event.id, Participant.external_id == external_id
    )
    participant = db.session.execute(query).scalar_one_or_none()
    if participant is None:
        raise LookupError(f"no participant {external_id!r} in event {event.id}")
    return participant
