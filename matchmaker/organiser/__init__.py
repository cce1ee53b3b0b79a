"""The organisers' area: event settings, participants, match review, scheduling, figures."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("organiser", __name__, url_prefix="/organiser")

# The views register their routes on bp when imported.
from matchmaker.organiser import (  # noqa: E402
    views_accounts,
    views_api,
    views_check_in,
    views_event,
    views_exports,
    views_interpreters,
    views_live,
    views_matches,
    views_participants,
    views_schedule,
    views_threads,
    views_webhooks,
)

__all__ = [
    "bp",
    "views_accounts",
    "views_api",
    "views_check_in",
    "views_event",
    "views_exports",
    "views_interpreters",
    "views_live",
    "views_matches",
    "views_participants",
    "views_schedule",
    "views_threads",
    "views_webhooks",
]
