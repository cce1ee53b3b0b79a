"""Suggestions recomputed by a real worker after profile edits, once per burst."""

from __future__ import annotations

import pytest
from flask import Flask

from matchmaker.extensions import db
from matchmaker.models import Event, MatchSuggestion
from matchmaker.services import matching
from tests.conftest import model_dir
from tests.factories import create_event, create_participant
from tests.workers.conftest import wait_until
from workers.tasks import recompute_suggestions

pytestmark = pytest.mark.model

CHALLENGES = [
    "Necesitamos reducir las fugas de agua potable en la red de distribución.",
    "Queremos semáforos inteligentes para reducir la congestión en el centro.",
]
OFFERINGS = [
    "Acoustic sensors that locate hidden leaks in water pipes.",
    "Sistemas de semáforos adaptativos con prioridad para el transporte público.",
    "Plataforma de participação cidadã para orçamentos participativos.",
]


@pytest.mark.parametrize("broker_url", ["redis"], indirect=True)
def test_a_burst_of_edits_is_recomputed_once(worker_app: Flask, start_worker, tmp_path) -> None:
    with worker_app.app_context():
        event = create_event()
        for text in CHALLENGES:
            create_participant(event, "government", description=text)
        for text in OFFERINGS:
            create_participant(event, "partner", description=text, languages=["es", "en"])
        for _ in range(5):  # five edits in a row
            matching.request_recompute(event)
        db.session.commit()
        event_id = event.id
        for _ in range(5):
            recompute_suggestions.delay(event_id)
    worker = start_worker(MATCHMAKER_MODEL_DIR=str(model_dir()))
    with worker_app.app_context():

        def computed() -> bool:
            db.session.expire_all()
            return db.session.get(Event, event_id).suggestions_computed_at is not None

        wait_until(computed, 300, "the suggestions")
        count = db.session.execute(db.select(db.func.count()).select_from(MatchSuggestion))
        assert count.scalar_one() == len(CHALLENGES) * len(OFFERINGS)
    wait_until(lambda: worker.output().count("recompute_suggestions") >= 10, 60, "all 5 tasks")
    assert worker.output().count("recomputed suggestions for event") == 1
