"""The officials' and partners' area: profile, suggestions, requests, agenda."""

from __future__ import annotations

from flask import Blueprint, render_template

from matchmaker.auth.access import current_participant, participant_required

bp = Blueprint("participant", __name__, url_prefix="/me")


@bp.route("/")
@participant_required
def index() -> str:
    return render_template("participant/index.html", participant=current_participant())
