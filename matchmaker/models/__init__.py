"""Typed SQLAlchemy models, one module per aggregate."""

from matchmaker.models.api import ApiToken, IdempotentCall
from matchmaker.models.audit import AuditEntry
from matchmaker.models.event import Event
from matchmaker.models.interest import InterestMark, Mark
from matchmaker.models.interpreter import Interpreter
from matchmaker.models.jobs import ExportFile, Job, WorkerHeartbeat
from matchmaker.models.matching import (
    BlockedPair,
    EmbeddingCacheEntry,
    MatchSuggestion,
    MeetingRequest,
)
from matchmaker.models.meeting import Meeting
from matchmaker.models.meeting_changes import MeetingFeedback, MoveRequest
from matchmaker.models.messages import Message, Notification, ThreadReport
from matchmaker.models.participant import Participant, User
from matchmaker.models.revision import DataRevision
from matchmaker.models.standby import StandbyOffer
from matchmaker.models.webhooks import WebhookDelivery, WebhookEndpoint

__all__ = [
    "ApiToken",
    "AuditEntry",
    "BlockedPair",
    "DataRevision",
    "EmbeddingCacheEntry",
    "Event",
    "ExportFile",
    "IdempotentCall",
    "InterestMark",
    "Interpreter",
    "Job",
    "Mark",
    "MatchSuggestion",
    "Meeting",
    "MeetingFeedback",
    "MeetingRequest",
    "Message",
    "MoveRequest",
    "Notification",
    "Participant",
    "StandbyOffer",
    "ThreadReport",
    "User",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WorkerHeartbeat",
]
