"""The officials' and partners' area: profile, suggestions, requests, agenda.

Every route is ``@participant_required`` and only ever loads objects through the logged-in
participant, so someone else's request, meeting or agenda answers 404.
"""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, render_template

from matchmaker import background
from matchmaker.auth.access import current_participant, participant_required
from matchmaker.page_cache import kept_page
from matchmaker.urls import can_mail_links, public_base_url

bp = Blueprint("participant", __name__, url_prefix="/me")
log = logging.getLogger(__name__)


def enqueue_request_notices() -> None:
    """When mail is configured, a worker tells the other side (after the commit)."""
    if not current_app.config["SMTP_URL"]:
        return
    if not can_mail_links():
        log.error("request notices not sent: mail is configured but MATCHMAKER_BASE_URL is not")
        return
    background.enqueue("send_request_notices", public_base_url())


@bp.route("/")
@kept_page
@participant_required
def index() -> str:
    from matchmaker.services.agendas import count_meetings
    from matchmaker.services.requests import count_waiting

    participant = current_participant()
    return render_template(
        "participant/index.html",
        participant=participant,
        waiting=count_waiting(participant),
        meetings=count_meetings(participant, ("published",)),
    )


from matchmaker.participant import (  # noqa: E402  (the routes register on bp)
    views_agenda,
    views_check_in,
    views_directory,
    views_live,
    views_meetings,
    views_messages,
    views_profile,
    views_requests,
    views_suggestions,
)

__all__ = [
    "bp",
    "views_agenda",
    "views_check_in",
    "views_directory",
    "views_live",
    "views_meetings",
    "views_messages",
    "views_profile",
    "views_requests",
    "views_suggestions",
]
