"""The landing page."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import Blueprint, current_app, redirect, render_template, request, session
from flask_login import current_user
from werkzeug.wrappers import Response

from matchmaker.extensions import db
from matchmaker.models import Event
from matchmaker.readiness import broker_reachable, database_reachable
from matchmaker.urls import safe_redirect_target

bp = Blueprint("main", __name__)


@bp.route("/")
def home() -> str:
    events = db.session.execute(db.select(Event).order_by(Event.id)).scalars().all()
    return render_template("main/home.html", events=events)


@bp.route("/healthz")
def health() -> dict[str, str]:
    """Liveness: the process answers. Cheap enough to be asked every second."""
    return {"status": "ok"}


@bp.route("/readyz")
def ready() -> tuple[dict[str, str], int]:
    """Readiness, for load balancers and supervisors: 503 while the database or the broker
    cannot be reached (this process could not do its work)."""
    checks = {"database": database_reachable(), "broker": broker_reachable()}
    ready = all(checks.values())
    body = {"status": "ready" if ready else "not ready"}
    body |= {name: "ok" if ok else "unreachable" for name, ok in checks.items()}
    return body, 200 if ready else 503


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
    target = urlsplit(safe_redirect_target(request.form.get("next")))
    query = urlencode([(k, v) for k, v in parse_qsl(target.query) if k != "lang"])
    return redirect(urlunsplit(("", "", target.path, query, "")))
