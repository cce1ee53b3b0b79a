"""A real worker consumes a real task from each broker and writes to each database."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from matchmaker.extensions import db
from matchmaker.models import Event
from matchmaker.services import events, participants
from tests.workers.conftest import wait_until
from workers.tasks import recompute_event_stats


def test_worker_recomputes_import_statistics(
    worker_app: Flask, start_worker, sample_participants: Path
) -> None:
    start_worker()
    with worker_app.app_context():
        event = events.get_or_create_event()
        participants.import_participants(event, sample_participants.read_bytes())
        db.session.commit()
        event_id = event.id
        recompute_event_stats.delay(event_id)

        def computed() -> bool:
            db.session.expire_all()
            return db.session.get(Event, event_id).stats_computed_at is not None

        wait_until(computed, what="the worker to store the figures")
        stats = db.session.get(Event, event_id).stats
        assert stats["by_kind"] == {"government": 40, "partner": 80}
        assert stats["by_theme"]["public-services"] == 45
