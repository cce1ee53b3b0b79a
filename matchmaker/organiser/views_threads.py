"""Reported conversations: organisers read a thread between two participants only after one
of them reported a problem with it, and only read it (they take no part in it)."""

from __future__ import annotations

from flask import abort, render_template

from matchmaker.auth.access import organiser_required
from matchmaker.organiser import bp
from matchmaker.organiser.common import current_event
from matchmaker.services import messages


@bp.route("/reported-threads")
@organiser_required
def reported_threads() -> str:
    event = current_event()
    return render_template("organiser/reported_threads.html", event=event,
                           reports=messages.list_reports(event.id))  # fmt: skip


@bp.route("/reported-threads/<int:government_id>/<int:partner_id>")
@organiser_required
def reported_thread(government_id: int, partner_id: int) -> str:
    event = current_event()
    found = messages.reported_thread(event.id, government_id, partner_id)
    if found is None:
        abort(404)  # nobody reported this thread: organisers do not read it
    reports, thread = found
    return render_template("organiser/reported_thread.html", event=event, reports=reports,
                           thread=thread, government=reports[0].government,
                           partner=reports[0].partner)  # fmt: skip
