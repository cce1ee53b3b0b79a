"""Thin, idempotent tasks: they take ids, call services and commit."""

from __future__ import annotations

from celery import shared_task
from sqlalchemy.exc import OperationalError

from matchmaker.extensions import db
from matchmaker.services.events import EventNotFound, get_event
from matchmaker.services.stats import compute_event_stats


@shared_task(
    ignore_result=True,
    acks_late=True,
    autoretry_for=(OperationalError,),  # a locked or restarting database is transient
    retry_backoff=True,
    max_retries=5,
)
def recompute_event_stats(event_id: int) -> None:
    """Recompute an event's participant figures (safe to run any number of times)."""
    try:
        event = get_event(event_id)
    except EventNotFound:
        return  # the event was deleted meanwhile: nothing to do
    compute_event_stats(event)
    db.session.commit()
