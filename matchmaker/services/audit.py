"""The organisers' audit log."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import or_

from matchmaker.extensions import db
from matchmaker.models import AuditEntry, Event, MatchSuggestion, Meeting, Participant, User
from matchmaker.models.matching import SUGGESTION_PEOPLE
from matchmaker.models.meeting import MEETING_PEOPLE
from matchmaker.orm import utcnow


def record(
    action: str,
    *,
    actor: User | None,
    event_id: int | None,
    target: Any = None,
    **details: Any,
) -> AuditEntry:
    """Log one organiser decision (flushed with the change it describes)."""
    entry = AuditEntry(**entry_values(action, actor=actor, event_id=event_id, target=target,
                                      **details))  # fmt: skip
    db.session.add(entry)
    return entry


def entry_values(
    action: str, *, actor: User | None, event_id: int | None, target: Any = None, **details: Any
) -> dict[str, Any]:
    """The columns of one log entry, for ``record`` or ``record_many``."""
    return {
        "action": action,
        "actor_id": actor.id if actor is not None else None,
        "event_id": event_id,
        "target_type": type(target).__name__.lower() if target is not None else "",
        "target_id": getattr(target, "id", None),
        "details": details,
        "created_at": utcnow(),
    }


def record_many(entries: list[dict[str, Any]]) -> None:
    """Log many decisions in one statement (values from ``entry_values``): a bulk action
    on thousands of rows writes its log in one go, not a row at a time."""
    if entries:
        db.session.execute(db.insert(AuditEntry), entries)


@dataclass
class Subjects:
    """What a page of log entries is about, loaded in a few queries (not one per entry):
    participants by id and by file id, suggestions and meetings with both sides, accounts."""

    participants: dict[int, Participant] = field(default_factory=dict)
    by_external_id: dict[str, Participant] = field(default_factory=dict)
    suggestions: dict[int, MatchSuggestion] = field(default_factory=dict)
    meetings: dict[int, Meeting] = field(default_factory=dict)
    users: dict[int, User] = field(default_factory=dict)


def load_subjects(event: Event, entries: list[AuditEntry]) -> Subjects:
    ids: dict[str, set[int]] = {}
    for entry in entries:
        if entry.target_id is not None:
            ids.setdefault(entry.target_type, set()).add(entry.target_id)
    subjects = Subjects()
    if ids.get("matchsuggestion"):
        query = db.select(MatchSuggestion).where(MatchSuggestion.id.in_(ids["matchsuggestion"]))
        for suggestion in db.session.execute(query.options(*SUGGESTION_PEOPLE)).scalars():
            subjects.suggestions[suggestion.id] = suggestion
    if ids.get("meeting"):
        query = db.select(Meeting).where(Meeting.id.in_(ids["meeting"]))
        for meeting in db.session.execute(query.options(*MEETING_PEOPLE)).scalars():
            subjects.meetings[meeting.id] = meeting
    if ids.get("user"):
        query = db.select(User).where(User.id.in_(ids["user"]))
        subjects.users = {user.id: user for user in db.session.execute(query).scalars()}
    # Pairs named in the details (blocks, pairs no slot could take): by id, or by file id.
    named_ids = {entry.details.get(key) for entry in entries
                 for key in ("government_id", "partner_id")} - {None}  # fmt: skip
    named_files = {entry.details.get(key) for entry in entries
                   for key in ("government", "partner")} - {None}  # fmt: skip
    if named_ids or named_files:
        query = db.select(Participant).where(
            Participant.event_id == event.id,
            or_(Participant.id.in_(named_ids), Participant.external_id.in_(named_files)),
        )
        for person in db.session.execute(query).scalars():
            subjects.participants[person.id] = person
            subjects.by_external_id[person.external_id] = person
    return subjects
