"""Recomputations of one event racing on two workers × two processes, with the real model:
none fails, each pair is stored once, organiser decisions stay as they were."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime

import pytest
from flask import Flask

from matchmaker.extensions import db
from matchmaker.models import MatchSuggestion
from matchmaker.orm import as_utc, utcnow
from matchmaker.services import jobs
from matchmaker.services.accounts import create_user
from tests.conftest import model_dir
from tests.factories import approve, create_event, create_participant
from tests.workers.conftest import queue_drained, wait_until
from workers.tasks import recompute_suggestions

pytestmark = [pytest.mark.model, pytest.mark.slow]

CHALLENGES = [
    "Necesitamos reducir las fugas de agua potable en la red de distribución.",
    "Queremos semáforos inteligentes para reducir la congestión en el centro.",
    "Buscamos separar y reciclar los residuos sólidos de los mercados municipales.",
    "We need early warning of floods along the river that crosses the city.",
    "Precisamos de iluminação pública eficiente com sensores de presença.",
    "Digitalizar los trámites de licencias de construcción para reducir tiempos.",
]
OFFERINGS = [
    "Acoustic sensors that locate hidden leaks in water pipes.",
    "Sistemas de semáforos adaptativos con prioridad para el transporte público.",
    "Plataforma de participação cidadã para orçamentos participativos.",
    "Compostaje industrial y clasificación automática de residuos orgánicos.",
    "River level gauges and flood forecasting models for municipalities.",
    "Luminárias LED conectadas com telegestão e sensores de movimento.",
    "Ventanilla única digital para permisos y licencias municipales.",
    "Bicicletas compartidas eléctricas con estaciones solares.",
]
JOBS, PLAIN = 8, 4  # runs an organiser asked for (always run) and runs after profile edits


@dataclass
class Decisions:
    approved: tuple[int, int]
    rejected: tuple[int, int]
    manual: tuple[int, int]
    organiser_id: int


def build_event(app: Flask) -> tuple[int, Decisions]:
    """Six officials × eight partners, three pairs already decided, suggestions due."""
    with app.app_context():
        event = create_event()
        governments = [
            create_participant(event, "government", description=text, languages=["es", "en"])
            for text in CHALLENGES
        ]
        partners = [
            create_participant(event, "partner", description=text, languages=["es", "en", "pt"])
            for text in OFFERINGS
        ]
        organiser = create_user("org@example.org", "Tlaxcala-olmo-7-azafrán", "organiser")
        decided_at = utcnow()
        approved = approve(event, governments[0], partners[0])
        rejected = approve(event, governments[1], partners[2])
        rejected.status = "rejected"
        manual = approve(event, governments[2], partners[7])
        manual.source = "manual"
        for row in (approved, rejected, manual):
            row.decided_by_id, row.decided_at = organiser.id, decided_at
        event.suggestions_requested_at = decided_at  # every plain run finds its work due
        db.session.commit()
        decisions = Decisions(
            approved=(approved.government_id, approved.partner_id),
            rejected=(rejected.government_id, rejected.partner_id),
            manual=(manual.government_id, manual.partner_id),
            organiser_id=organiser.id,
        )
        return event.id, decisions


def overlapping(intervals: list[tuple[datetime, datetime]]) -> bool:
    """Whether any two runs were in progress at the same moment."""
    ordered = sorted((as_utc(start), as_utc(end)) for start, end in intervals)
    return any(later[0] < earlier[1] for earlier, later in itertools.pairwise(ordered))


def test_racing_recomputations_store_each_pair_once_and_keep_decisions(
    worker_app: Flask, start_worker, broker_url: str, task_queue: str
) -> None:
    event_id, decisions = build_event(worker_app)
    shared_model = {"MATCHMAKER_MODEL_DIR": str(model_dir())}
    workers = [
        start_worker(name, concurrency=2, pool="prefork", **shared_model) for name in ("w1", "w2")
    ]
    with worker_app.app_context():
        job_ids = [jobs.create_job("suggestions", event_id).id for _ in range(JOBS)]
        db.session.commit()
        # Released at once: the four processes load the model together and run side by side.
        for job_id in job_ids:
            recompute_suggestions.apply_async((event_id, job_id))
        for _ in range(PLAIN):
            recompute_suggestions.apply_async((event_id,))

    def finished() -> bool:
        with worker_app.app_context():
            states = [jobs.get_job(job_id).state for job_id in job_ids]
            return all(state in ("done", "failed") for state in states)

    wait_until(finished, 420, "every recomputation job")
    wait_until(lambda: queue_drained(broker_url, task_queue), 120, "the queue to drain")
    wait_until(
        lambda: (
            sum(w.output().count("recompute_suggestions") for w in workers) >= 2 * (JOBS + PLAIN)
        ),
        60,
        "every task to be received and to end",
    )
    logs = "\n".join(w.output() for w in workers)
    assert "IntegrityError" not in logs, logs[-5000:]
    assert "raised unexpected" not in logs, logs[-5000:]

    with worker_app.app_context():
        finished_jobs = [jobs.get_job(job_id) for job_id in job_ids]
        assert [job.state for job in finished_jobs] == ["done"] * JOBS, [
            job.message for job in finished_jobs
        ]
        # The test is a race only if runs did overlap.
        assert overlapping([(job.started_at, job.finished_at) for job in finished_jobs])
        rows = list(
            db.session.execute(
                db.select(MatchSuggestion).where(MatchSuggestion.event_id == event_id)
            ).scalars()
        )
        keys = [(row.government_id, row.partner_id) for row in rows]
        assert len(keys) == len(set(keys)) == len(CHALLENGES) * len(OFFERINGS)
        assert all(row.rank_for_government is not None for row in rows)
        by_key = {(row.government_id, row.partner_id): row for row in rows}
        for key, status, source in (
            (decisions.approved, "approved", "model"),
            (decisions.rejected, "rejected", "model"),
            (decisions.manual, "approved", "manual"),
        ):
            row = by_key[key]
            assert (row.status, row.source) == (status, source)
            assert row.decided_by_id == decisions.organiser_id and row.decided_at is not None
        undecided = [row for key, row in by_key.items() if row.status == "suggested"]
        assert len(undecided) == len(rows) - 3
        assert all(row.decided_by_id is None for row in undecided)
