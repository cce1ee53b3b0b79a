"""Structured progress: the work reports a step and its numbers, and the job page, its JSON
and the command line word them in their reader's language (nothing parses sentences)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matchmaker.cli.progress import STEP_WORDS, describe_step
from matchmaker.domain.embedding import HashingEmbedder
from matchmaker.domain.progress import STEPS
from matchmaker.extensions import db
from matchmaker.models import Event, Job
from matchmaker.organiser.common import JOB_STEPS, job_step
from matchmaker.services import jobs, matching
from tests.web.organiser_world import login_organiser, seed

#: Each step with example numbers, and what the organiser reads in Spanish and English.
WORDED: dict[str, tuple[dict[str, int], str, str]] = {
    "reading": ({}, "Leyendo los datos", "Reading the data"),
    "choosing_pairs": ({}, "Eligiendo qué pares se reúnen", "Choosing which pairs meet"),
    "placing": ({}, "Colocando las reuniones en turnos y mesas",
                "Placing meetings in slots and tables"),
    "improving": ({"round": 3}, "Mejorando la agenda (ronda 3)",
                  "Improving the schedule (round 3)"),
    "exact": ({}, "Buscando una agenda mejor", "Looking for a better schedule"),
    "reporting": ({}, "Redactando el informe", "Writing the report"),
    "done": ({}, "Hecho", "Done"),
    "encoding_officials": ({"done": 120, "total": 480},
                           "Analizando los retos de los funcionarios/as: 120 de 480",
                           "Analysing the officials' challenges: 120 of 480"),
    "encoding_partners": ({}, "Analizando las ofertas de los socios",
                          "Analysing the partners' offerings"),
    "ranking": ({}, "Calculando la afinidad de cada par", "Scoring every pair"),
    "storing": ({}, "Guardando las sugerencias", "Saving the suggestions"),
    "scheduled": ({"meetings": 12}, "Reuniones en el borrador: 12", "Meetings in the draft: 12"),
    "published": ({"meetings": 4}, "Reuniones publicadas: 4", "Meetings published: 4"),
    "suggestions_ready": ({"officials": 7}, "Funcionarios/as con sugerencias: 7",
                          "Officials with suggestions: 7"),
    "rendering_agendas": ({"done": 50, "total": 120}, "Preparando las agendas: 50 de 120",
                          "Preparing the agendas: 50 of 120"),
    "agendas_ready": ({"participants": 120}, "Agendas listas para descargar",
                      "Agendas ready to download"),
}  # fmt: skip


def job_json(client: FlaskClient, job_id: int, language: str = "es") -> dict[str, Any]:
    response = client.get(f"/organiser/jobs/{job_id}.json", headers={"Accept-Language": language})
    assert response.status_code == 200
    return response.get_json()  # type: ignore[no-any-return]


def new_job(app: Flask, event_id: int, kind: str = "schedule") -> int:
    with app.app_context():
        job = jobs.create_job(kind, event_id)
        db.session.commit()
        return job.id


def test_every_step_has_words_on_the_pages_and_on_the_command_line() -> None:
    assert set(WORDED) == set(STEPS) == set(JOB_STEPS) == set(STEP_WORDS)
    for step, (counts, _, _) in WORDED.items():
        assert set(STEPS[step]) <= set(counts), step  # the examples carry each step's numbers
    assert describe_step("improving", {"round": 3}) == "improving (round 3)"
    assert describe_step("published", {"meetings": 4}) == "4 meetings published"
    assert (describe_step("encoding_partners", {"done": 3, "total": 9})
            == "encoding partners' offerings (3 of 9)")  # fmt: skip
    assert describe_step("") == "" and describe_step("published") == "published"


def test_the_job_page_and_its_json_word_each_step_with_its_numbers(
    app: Flask, client: FlaskClient
) -> None:
    data = seed(app)
    login_organiser(client)
    job_id = new_job(app, data.event_id)
    for step, (counts, spanish, english) in WORDED.items():
        with app.app_context():
            jobs.report_progress(job_id, 0.5, step, **counts)
        state = job_json(client, job_id)
        assert (state["state"], state["step"], state["counts"]) == ("running", step, counts)
        assert state["message"] == spanish
        assert job_json(client, job_id, "en")["message"] == english
        page = client.get(f"/organiser/jobs/{job_id}").get_data(as_text=True)
        assert f'<p id="job-message" aria-live="polite">{spanish}</p>' in page


def test_a_finished_job_says_how_it_ended_in_the_readers_language(
    app: Flask, client: FlaskClient
) -> None:
    data = seed(app)
    login_organiser(client)
    published = new_job(app, data.event_id, "publish")
    suggestions = new_job(app, data.event_id, "suggestions")
    with app.app_context():
        jobs.finish_job(db.session.get_one(Job, published), {"published": 4}, "published",
                        meetings=4)  # fmt: skip
        jobs.finish_job(db.session.get_one(Job, suggestions), {"officials": 7},
                        "suggestions_ready", officials=7)  # fmt: skip
        db.session.commit()
    page = client.get(f"/organiser/jobs/{published}").get_data(as_text=True)
    assert "Terminada" in page and "Reuniones publicadas: 4" in page
    english = client.get(f"/organiser/jobs/{suggestions}", headers={"Accept-Language": "en"})
    assert "Officials with suggestions: 7" in english.get_data(as_text=True)
    state = job_json(client, published)
    assert (state["finished"], state["message"]) == (True, "Reuniones publicadas: 4")
    assert (state["step"], state["counts"]) == ("published", {"meetings": 4})


def test_a_failed_job_shows_its_reason_not_its_last_step(app: Flask, client: FlaskClient) -> None:
    data = seed(app)
    login_organiser(client)
    job_id = new_job(app, data.event_id)
    with app.app_context():
        jobs.report_progress(job_id, 0.2, "placing")
        jobs.fail_job(job_id, "RuntimeError: the solver gave up")
    state = job_json(client, job_id)
    assert (state["state"], state["message"], state["step"]) == ("failed", "", "placing")
    page = client.get(f"/organiser/jobs/{job_id}").get_data(as_text=True)
    assert "RuntimeError: the solver gave up" in page and "Colocando" not in page


def test_jobs_from_before_steps_show_no_guess_while_running_and_their_message_when_done(
    app: Flask, client: FlaskClient
) -> None:
    """Rows written before steps were recorded: an English progress line is not shown to the
    organiser; a finished job's own report still is."""
    data = seed(app)
    login_organiser(client)
    running, done = new_job(app, data.event_id), new_job(app, data.event_id, "publish")
    with app.app_context():
        db.session.get_one(Job, running).state = "running"
        db.session.get_one(Job, running).message = "placing meetings in slots"
        old = db.session.get_one(Job, done)
        old.state, old.progress, old.message = "done", 1.0, "4 meetings published"
        db.session.commit()
    assert job_json(client, running)["message"] == ""
    page = client.get(f"/organiser/jobs/{running}").get_data(as_text=True)
    assert "placing meetings in slots" not in page
    assert "4 meetings published" in client.get(f"/organiser/jobs/{done}").get_data(as_text=True)


@pytest.mark.usefixtures("app_ctx")
def test_ranking_an_event_reports_steps_and_numbers_the_page_words() -> None:
    from tests.factories import create_event, create_participant

    event = create_event()
    for n in range(3):
        create_participant(event, "government", description=f"Reto {n}. Agua y movilidad.")
        create_participant(event, "partner", description=f"Oferta {n}. Sensores de agua.")
    db.session.commit()
    seen: list[tuple[float, str, dict[str, int]]] = []

    def progress(fraction: float, step: str, /, **counts: int) -> None:
        seen.append((fraction, step, counts))

    matching.compute_suggestions(db.session.get_one(Event, event.id), HashingEmbedder(dim=64),
                                 progress=progress)  # fmt: skip
    steps = [step for _, step, _ in seen]
    assert steps[0] == "encoding_officials" and steps[-2:] == ["ranking", "storing"]
    assert [f for f, _, _ in seen] == sorted(f for f, _, _ in seen)
    encoded = [counts for _, step, counts in seen if step == "encoding_partners" and counts]
    assert encoded and encoded[-1]["done"] == encoded[-1]["total"] > 0
    for _, step, counts in seen:
        assert step in STEPS and set(STEPS[step]) <= set(counts) <= {*STEPS[step], "done", "total"}


#: What a job row may hold: known and unknown steps, any JSON numbers (rows older than the
#: code, or edited by hand).
ANY_STEP = st.one_of(st.sampled_from(sorted(STEPS)), st.text(max_size=40))
ANY_COUNTS = st.dictionaries(
    st.sampled_from(["done", "total", "round", "meetings", "officials"]) | st.text(max_size=8),
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    max_size=4,
)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(step=ANY_STEP, counts=ANY_COUNTS)
def test_wording_any_stored_step_never_raises(app: Flask, step: str, counts: dict) -> None:  # type: ignore[type-arg]
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert isinstance(job_step(step, counts), str)
    assert isinstance(describe_step(step, counts), str)
