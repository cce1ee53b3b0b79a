"""Typed SQLAlchemy models, one module per aggregate."""

from matchmaker.models.audit import AuditEntry
from matchmaker.models.event import Event
from matchmaker.models.jobs import ExportFile, Job, WorkerHeartbeat
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
    "ExportFile",
    "Job",
    "MatchSuggestion",
    "Meeting",
    "MeetingRequest",
    "Participant",
    "User",
    "WorkerHeartbeat",
]
