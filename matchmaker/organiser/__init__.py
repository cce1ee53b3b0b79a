"""The organisers' area: event settings, participants, match review, scheduling, figures."""

from __future__ import annotations

from flask import Blueprint, render_template

from matchmaker.auth.access import organiser_required

bp = Blueprint("organiser", __name__, url_prefix="/organiser")


@bp.route("/")
@organiser_required
def index() -> str:
    return render_template("organiser/index.html")
