"""One's check-in QR code for a meeting, shown on the agenda for staff at the meeting area to
scan (``matchmaker.services.check_in_codes``)."""

from __future__ import annotations

from flask import Response, abort, current_app
from flask_babel import gettext as _

from matchmaker.auth.access import current_participant, participant_required
from matchmaker.models.meeting import MeetingStatus
from matchmaker.participant import bp
from matchmaker.services.check_in_codes import CheckInLinks, check_in_qr_svg
from matchmaker.services.outcomes import get_meeting_for


def check_in_links() -> CheckInLinks | None:
    """How check-in links are built here; None without a public address (no codes then)."""
    return CheckInLinks.from_config(current_app.config)


@bp.context_processor
def _check_in_codes() -> dict[str, bool]:
    # The agenda shows codes only when they can be built.
    return {"check_in_codes": check_in_links() is not None}


@bp.route("/meetings/<int:meeting_id>/check-in-code.svg")
@participant_required
def check_in_code(meeting_id: int) -> Response:
    """The QR code of the participant's own side of a published meeting; 404 for anyone
    else's meeting, and when the site has no public address to link to."""
    participant = current_participant()
    meeting = get_meeting_for(participant, meeting_id)
    links = check_in_links()
    if meeting is None or meeting.status != MeetingStatus.PUBLISHED or links is None:
        abort(404)
    title = _("Código de llegada: mesa %(table)s", table=meeting.table_number + 1)
    return Response(check_in_qr_svg(links, meeting, participant, title),
                    mimetype="image/svg+xml")  # fmt: skip
