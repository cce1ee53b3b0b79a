"""The organisers' audit log."""

from __future__ import annotations

from typing import Any

from matchmaker.extensions import db
from matchmaker.models import AuditEntry, User
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
