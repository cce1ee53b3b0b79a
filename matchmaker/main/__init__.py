"""The landing page."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import Blueprint, current_app, redirect, render_template, request, session
from flask_login import current_user
from werkzeug.wrappers import Response

from matchmaker.auth.views import _safe_next
from matchmaker.extensions import db
from matchmaker.models import Event

bp = Blueprint("main", __name__)


@bp.route("/")
def home() -> str:
    events = db.session.execute(db.select(Event).order_by(Event.id)).scalars().all()
    return render_template("main/home.html", events=events)


@bp.route("/healthz")
def health() -> dict[str, str]:
    db.session.execute(db.text("SELECT 1"))
    return {"status": "ok"}


@bp.route("/language", methods=["POST"])
def set_language() -> Response:
    """Remember the chosen interface language: in the session, and on the account if any."""
    chosen = request.form.get("locale", "")
    if chosen in current_app.config["LANGUAGES"]:
        session["locale"] = chosen
        if current_user.is_authenticated:
            current_user.locale = chosen
            db.session.commit()
    # Drop ?lang= from the page we return to: it would override the choice just made.
    target = urlsplit(_safe_next(request.form.get("next")))
    query = urlencode([(k, v) for k, v in parse_qsl(target.query) if k != "lang"])
    return redirect(urlunsplit(("", "", target.path, query, "")))
