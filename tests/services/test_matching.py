"""Suggestions for a stored event with the real model: ranking, decisions kept, rules, cache."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from matchmaker.domain.embedding import Embedder, get_embedder
from matchmaker.extensions import db
from matchmaker.models import BlockedPair, EmbeddingCacheEntry, MatchSuggestion, MeetingRequest
from matchmaker.services import events, matching, participants
from tests.conftest import model_dir

pytestmark = pytest.mark.model


class CountingEmbedder:
    """The real model, counting the texts it is asked to encode."""

    def __init__(self, inner: Embedder) -> None:
        self.inner, self.model_id, self.encoded = inner, inner.model_id, 0

    def encode(self, texts, *, role, progress=None) -> np.ndarray:  # type: ignore[no-untyped-def]
        self.encoded += len(texts)
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
    assert counting.encoded > first_encoded  # only the edited profile is encoded again
    assert counting.encoded - first_encoded <= 10


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
    assert finished.message == "suggestions for 1 officials"
    assert (
        db.session.execute(db.select(db.func.count()).select_from(MatchSuggestion)).scalar_one()
        == 1
    )
