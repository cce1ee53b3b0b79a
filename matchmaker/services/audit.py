"""The organisers' audit log."""

from __future__ import annotations

from typing import Any

from matchmaker.extensions import db
from matchmaker.models import AuditEntry, User


def record(
    action: str,
    *,
    actor: User | None,
    event_id: int | None,
    target: Any = None,
    **details: Any,
) -> AuditEntry:
    """Log one organiser decision (flushed with the change it describes)."""
    entry = AuditEntry(
        action=action,
        actor_id=actor.id if actor is not None else None,
        event_id=event_id,
        target_type=type(target).__name__.lower() if target is not None else "",
        target_id=getattr(target, "id", None),
        details=details,
    )
    db.session.add(entry)
    return entry
