"""Typed SQLAlchemy models, one module per aggregate."""

from matchmaker.models.audit import AuditEntry, Job, WorkerHeartbeat
from matchmaker.models.event import Event
from matchmaker.models.matching import (
    BlockedPair,
    EmbeddingCacheEntry,
    MatchSuggestion,
    MeetingRequest,
)
from matchmaker.models.meeting import Meeting
from matchmaker.models.participant import Participant, User

__all__ = [
    "AuditEntry",
    "BlockedPair",
    "EmbeddingCacheEntry",
    "Event",
    "Job",
    "MatchSuggestion",
    "Meeting",
    "MeetingRequest",
    "Participant",
    "User",
    "WorkerHeartbeat",
]
