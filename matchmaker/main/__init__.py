"""The landing page."""

from __future__ import annotations

from flask import Blueprint, render_template

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
