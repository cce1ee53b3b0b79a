"""Suggestions for a stored event with the real model: ranking, decisions kept, rules, cache."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from matchmaker.domain.embedding import Embedder, get_embedder
from matchmaker.domain.matching import normalise_text
from matchmaker.domain.matching.vectors import profile_sentences
from matchmaker.extensions import db
from matchmaker.models import BlockedPair, EmbeddingCacheEntry, MatchSuggestion, MeetingRequest
from matchmaker.services import events, matching, participants
from tests.conftest import model_dir

pytestmark = pytest.mark.model


class CountingEmbedder:
    """The real model, keeping every text it is asked to encode."""

    def __init__(self, inner: Embedder) -> None:
        self.inner, self.model_id = inner, inner.model_id
        self.texts: list[str] = []

    @property
    def encoded(self) -> int:
        return len(self.texts)

    def encode(self, texts, *, role, progress=None) -> np.ndarray:  # type: ignore[no-untyped-def]
        self.texts.extend(texts)
        return self.inner.encode(texts, role=role, progress=progress)


@pytest.fixture(scope="module")
def e5() -> Embedder:
    return get_embedder(None, model_dir())


@pytest.fixture
def sample_event(app_ctx, sample_participants: Path):  # type: ignore[no-untyped-def]
    event = events.get_or_create_event()
    participants.import_participants(event, sample_participants.read_bytes())
    db.session.commit()
    return event


def suggestion(event, government: str, partner: str) -> MatchSuggestion | None:  # type: ignore[no-untyped-def]
    people = {p.external_id: p.id for p in participants.list_participants(event)}
    query = db.select(MatchSuggestion).where(
        MatchSuggestion.government_id == people[government],
        MatchSuggestion.partner_id == people[partner],
    )
    return db.session.execute(query).scalar_one_or_none()


def test_match_command_writes_top_10_for_every_official(sample_event, invoke, tmp_path: Path):
    out = tmp_path / "m.csv"
    result = invoke("match", "--top", "10", "--out", str(out))
    assert result.exit_code == 0, result.output
    with out.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["government_id", "partner_id", "rank", "score", "reasons"]
    assert len({r["government_id"] for r in rows}) == 40 and len(rows) == 400
    first = rows[0]
    assert first["rank"] == "1" and 0 <= float(first["score"]) <= 100
    assert "shared themes" in out.read_text() and "interpreter needed" in out.read_text()
    stored = db.session.execute(db.select(db.func.count()).select_from(MatchSuggestion))
    assert stored.scalar_one() >= 400


def test_recompute_keeps_decisions_rules_and_reuses_the_cache(sample_event, e5: Embedder) -> None:
    counting = CountingEmbedder(e5)
    run = matching.compute_suggestions(sample_event, counting)
    db.session.commit()
    first_encoded = counting.encoded
    assert first_encoded >= 120
    cached = db.session.execute(db.select(db.func.count()).select_from(EmbeddingCacheEntry))
    assert cached.scalar_one() == 120

    top = run.for_officials[0]
    decided = suggestion(sample_event, top.government_id, top.partner_id)
    decided.status = "approved"
    second = run.for_officials[1]
    people = {p.external_id: p for p in participants.list_participants(sample_event)}
    gov, blocked_partner = people[second.government_id], people[second.partner_id]
    db.session.add(BlockedPair(event_id=sample_event.id, government_id=gov.id,
                               partner_id=blocked_partner.id, reason="conflict of interest"))  # fmt: skip
    third = run.for_officials[2]
    declined_partner = people[third.partner_id]
    db.session.add(MeetingRequest(event_id=sample_event.id, requester_id=gov.id,
                                  recipient_id=declined_partner.id, government_id=gov.id,
                                  partner_id=declined_partner.id, status="declined"))  # fmt: skip
    db.session.commit()

    again = matching.compute_suggestions(sample_event, counting)
    db.session.commit()
    assert counting.encoded == first_encoded  # nothing changed: nothing re-encoded
    assert suggestion(sample_event, top.government_id, top.partner_id).status == "approved"
    ranked = {(s.government_id, s.partner_id) for s in again.for_officials}
    assert (second.government_id, second.partner_id) not in ranked
    assert (third.government_id, third.partner_id) not in ranked

    edited = people["p-001"]
    edited.description += " Also offer training for municipal staff."
    db.session.commit()
    matching.compute_suggestions(sample_event, counting)
    # Only the edited profile is encoded again: its whole text and each of its sentences, once
    # (a one-sentence text is its own sentence), as the matching splits it.
    whole = normalise_text(edited.description)
    expected = {whole, *profile_sentences(whole)}
    assert len(expected) >= 2  # the edit added a sentence: more than one text to encode
    again_encoded = counting.texts[first_encoded:]
    assert sorted(again_encoded) == sorted(expected)


def test_interest_raises_a_pair_and_mutual_interest_more(sample_event, e5: Embedder) -> None:
    run = matching.compute_suggestions(sample_event, e5, top_k=80)
    people = {p.external_id: p for p in participants.list_participants(sample_event)}
    ranking = [s for s in run.for_officials if s.government_id == "g-001"]
    low = ranking[-1]
    gov, partner = people["g-001"], people[low.partner_id]
    request = MeetingRequest(event_id=sample_event.id, requester_id=gov.id, recipient_id=partner.id,
                             government_id=gov.id, partner_id=partner.id, status="pending")  # fmt: skip
    db.session.add(request)
    db.session.flush()

    def score_now() -> float:
        ranked = matching.rank_event(sample_event, e5, top_k=80).for_officials
        return next(
            s.score for s in ranked if (s.government_id, s.partner_id) == ("g-001", low.partner_id)
        )

    one_sided = score_now()
    request.status = "accepted"
    db.session.flush()
    mutual = score_now()
    assert low.score < one_sided < mutual


def test_recompute_task_reports_progress_on_its_job(app_ctx, e5: Embedder) -> None:  # type: ignore[no-untyped-def]
    from matchmaker.services import jobs
    from tests.factories import create_event, create_participant
    from workers.tasks import recompute_suggestions

    event = create_event()
    create_participant(event, "government", description="Fugas de agua en la red antigua.")
    create_participant(event, "partner", description="Acoustic leak detection for water pipes.")
    job = jobs.create_job("suggestions", event.id)
    db.session.commit()
    recompute_suggestions.apply(args=(event.id, job.id))
    db.session.rollback()  # end our read transaction: SQLite would keep showing its snapshot
    finished = jobs.get_job(job.id)
    assert finished.state == "done" and finished.progress == 1.0
    assert (finished.progress_step, finished.progress_counts) == (
        "suggestions_ready",
        {"officials": 1},
    )
    assert (
        db.session.execute(db.select(db.func.count()).select_from(MatchSuggestion)).scalar_one()
        == 1
    )


# -- runs that overlap (two workers, a worker and the command line) --------------------------

LEAKS, TRAFFIC = "Fugas de agua en la red antigua.", "Semáforos para reducir la congestión."
OFFERS = ("Acoustic leak detection for water pipes.", "Adaptive traffic lights.", "Open data.")


def small_event():  # type: ignore[no-untyped-def]
    """Two officials, three partners, one pair already approved by an organiser."""
    from tests.factories import approve, create_event, create_participant

    event = create_event()
    governments = [create_participant(event, "government", description=t) for t in (LEAKS, TRAFFIC)]
    partners = [create_participant(event, "partner", description=t) for t in OFFERS]
    decided = approve(event, governments[0], partners[0])
    db.session.commit()
    return event, (decided.government_id, decided.partner_id)


def stored_pairs(event) -> dict[tuple[int, int], MatchSuggestion]:  # type: ignore[no-untyped-def]
    query = db.select(MatchSuggestion).where(MatchSuggestion.event_id == event.id)
    return {(s.government_id, s.partner_id): s for s in db.session.execute(query).scalars()}


def test_a_store_waits_for_an_overlapping_one_and_updates_its_rows(app_ctx, backend) -> None:  # type: ignore[no-untyped-def]
    """The second of two overlapping stores takes its turn after the first commits and then
    updates the rows the first inserted: no unique-index conflict, the decision kept."""
    import threading
    from datetime import timedelta

    from matchmaker.domain.embedding import HashingEmbedder
    from matchmaker.orm import utcnow
    from tests.workers.conftest import wait_until

    event, decided = small_event()
    embedder = HashingEmbedder(dim=256)
    run = matching.rank_event(event, embedder)
    db.session.commit()  # the cached vectors: both stores below write suggestions only
    started, event_id = utcnow(), event.id
    assert matching.store_suggestions(event, run, as_of=started) == 6  # flushed, not committed
    outcome: list[object] = []

    def other_worker() -> None:
        with app_ctx.app_context():
            try:
                other = db.session.get_one(type(event), event_id)
                later = matching.rank_event(other, embedder)
                outcome.append(
                    matching.store_suggestions(other, later, started + timedelta(seconds=1))
                )
                db.session.commit()
            except Exception as exc:  # reported below
                db.session.rollback()
                outcome.append(exc)

    thread = threading.Thread(target=other_worker)
    thread.start()
    if backend == "postgresql":  # wait until it waits for our lock
        query = """SELECT count(*) FROM pg_stat_activity
                   WHERE datname = current_database() AND wait_event_type = 'Lock'"""

        def waiting() -> bool:
            with db.engine.connect() as conn:
                return bool(conn.exec_driver_sql(query).scalar_one())

        wait_until(waiting, 30, "the second store to wait")
    else:  # SQLite's wait is inside the driver: it must still be waiting a moment later
        thread.join(timeout=1)
    assert thread.is_alive() and outcome == []
    db.session.commit()
    thread.join(timeout=60)
    assert outcome == [6]
    db.session.expire_all()
    rows = stored_pairs(event)
    assert len(rows) == 6 and rows[decided].status == "approved"
    assert all(row.rank_for_government is not None for row in rows.values())


def test_an_older_run_never_replaces_a_newer_one(app_ctx) -> None:  # type: ignore[no-untyped-def]
    """A run that read the profiles before the last stored run did stores nothing: an
    organiser's block, seen by the newer run only, is not undone by the older one."""
    from matchmaker.domain.embedding import HashingEmbedder
    from matchmaker.orm import as_utc, utcnow

    event, decided = small_event()
    embedder = HashingEmbedder(dim=256)
    older_as_of = utcnow()
    older = matching.rank_event(event, embedder)
    people = {p.external_id: p.id for p in participants.list_participants(event)}
    ranked = [(people[s.government_id], people[s.partner_id]) for s in older.for_officials]
    blocked = next(pair for pair in ranked if pair != decided)
    db.session.add(BlockedPair(event_id=event.id, government_id=blocked[0],
                               partner_id=blocked[1], reason="conflict of interest"))  # fmt: skip
    db.session.commit()
    newer_as_of = utcnow()
    newer = matching.rank_event(event, embedder)
    assert matching.store_suggestions(event, newer, as_of=newer_as_of) == 5
    db.session.commit()

    assert matching.store_suggestions(event, older, as_of=older_as_of) == 0
    db.session.commit()
    rows = stored_pairs(event)
    assert blocked not in rows and len(rows) == 5 and rows[decided].status == "approved"
    assert as_utc(event.suggestions_computed_at) == newer_as_of
