"""Match suggestions for a stored event: profiles -> embeddings (cached) -> ranking -> rows.

Organiser decisions survive a recomputation: only the scores, ranks and reasons of existing
suggestions change, and stale suggestions are removed only while still undecided.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
from flask import current_app

from matchmaker.domain.embedding import Embedder, get_embedder
from matchmaker.domain.matching import (
    MatchRules,
    Profile,
    Suggestion,
    build_index,
    embed_profiles,
    rank_officials,
    rank_partners,
)
from matchmaker.extensions import db
from matchmaker.models import (
    BlockedPair,
    EmbeddingCacheEntry,
    Event,
    MatchSuggestion,
    MeetingRequest,
    Participant,
)
from matchmaker.orm import as_utc, utcnow

Progress = Callable[[float, str], None]
Pair = tuple[str, str]


class DatabaseEmbeddingCache:
    """The domain's EmbeddingCache over the embedding_cache table."""

    def get_many(self, model_id: str, hashes: list[str] | tuple[str, ...]) -> dict[str, np.ndarray]:
        if not hashes:
            return {}
        query = db.select(EmbeddingCacheEntry).where(
            EmbeddingCacheEntry.model_id == model_id,
            EmbeddingCacheEntry.text_hash.in_(list(hashes)),
        )
        return {
            entry.text_hash: np.frombuffer(entry.vectors, dtype=np.float32).reshape(
                entry.rows, entry.dim
            )
            for entry in db.session.execute(query).scalars()
        }

    def put_many(self, model_id: str, items: dict[str, np.ndarray]) -> None:
        known = set(self.get_many(model_id, list(items)))
        for text_hash, matrix in items.items():
            if text_hash in known:
                continue  # another process stored the same text meanwhile
            matrix = np.ascontiguousarray(matrix, dtype=np.float32)
            db.session.add(
                EmbeddingCacheEntry(
                    model_id=model_id,
                    text_hash=text_hash,
                    rows=matrix.shape[0],
                    dim=matrix.shape[1],
                    vectors=matrix.tobytes(),
                )
            )
        db.session.flush()


@dataclass
class MatchRun:
    """The ranked suggestions, both directions, with the participants they name."""

    for_officials: list[Suggestion]
    for_partners: list[Suggestion]
    participants: dict[str, Participant]  # by file id


def app_embedder() -> Embedder:
    """The configured embedder (loaded lazily, once per process)."""
    config = current_app.config
    return get_embedder(config["EMBEDDING_MODEL"], Path(config["MODEL_DIR"]))


def rank_event(
    event: Event, embedder: Embedder, top_k: int = 10, progress: Progress | None = None
) -> MatchRun:
    """Score every government-partner pair of the event and keep each side's top ``top_k``."""
    report = progress or (lambda fraction, message: None)
    people = {p.external_id: p for p in _participants(event)}
    governments = [_profile(p) for p in people.values() if p.is_government]
    partners = [_profile(p) for p in people.values() if not p.is_government]
    cache = DatabaseEmbeddingCache()
    report(0.0, "encoding officials' challenges")
    gov_vectors = embed_profiles(embedder, governments, cache, "query", _sub(report, 0.0, 0.4))
    report(0.4, "encoding partners' offerings")
    partner_vectors = embed_profiles(embedder, partners, cache, "passage", _sub(report, 0.4, 0.8))
    report(0.8, "ranking")
    rules = match_rules(event, people)
    index = build_index(governments, partners, gov_vectors, partner_vectors, rules)
    for_officials = rank_partners(index, top_k)
    for_partners = rank_officials(index, top_k)
    report(1.0, "ranked")
    return MatchRun(for_officials, for_partners, people)


def match_rules(event: Event, people: dict[str, Participant]) -> MatchRules:
    """Blocked pairs, declined requests and expressed interest, keyed by file ids."""
    by_id = {p.id: p.external_id for p in people.values()}

    def pair(government_id: int, partner_id: int) -> Pair:
        return by_id[government_id], by_id[partner_id]

    blocked = db.session.execute(
        db.select(BlockedPair.government_id, BlockedPair.partner_id).where(
            BlockedPair.event_id == event.id
        )
    ).all()
    requests = db.session.execute(
        db.select(MeetingRequest).where(MeetingRequest.event_id == event.id)
    ).scalars()
    declined: set[Pair] = set()
    askers: dict[Pair, set[int]] = {}
    for request in requests:
        key = pair(request.government_id, request.partner_id)
        if request.status == "declined":
            declined.add(key)
        elif request.status in ("pending", "accepted"):
            sides = askers.setdefault(key, set())
            sides.add(request.requester_id)
            if request.status == "accepted":  # the other side said yes: both want it
                sides.add(request.recipient_id)
    interest = {key: "mutual" if len(s) > 1 else "one-sided" for key, s in askers.items()}
    return MatchRules(
        blocked=frozenset(pair(g, p) for g, p in blocked),
        declined=frozenset(declined),
        interest=interest,  # type: ignore[arg-type]
    )


def store_suggestions(event: Event, run: MatchRun, as_of: datetime | None = None) -> int:
    """Upsert the run's suggestions; keep decisions; drop undecided ones no longer ranked.

    ``as_of`` is when the profiles were read: an edit after it makes a new run due.
    """
    ranks: dict[tuple[int, int], dict[str, object]] = {}
    for suggestion, field in [(s, "rank_for_government") for s in run.for_officials] + [
        (s, "rank_for_partner") for s in run.for_partners
    ]:
        key = (run.participants[suggestion.government_id].id,
               run.participants[suggestion.partner_id].id)  # fmt: skip
        entry = ranks.setdefault(key, {"suggestion": suggestion})
        entry[field] = suggestion.rank
    existing = {
        (s.government_id, s.partner_id): s
        for s in db.session.execute(
            db.select(MatchSuggestion).where(MatchSuggestion.event_id == event.id)
        ).scalars()
    }
    now = utcnow()
    for key, entry in ranks.items():
        row = existing.pop(key, None) or MatchSuggestion(
            event_id=event.id, government_id=key[0], partner_id=key[1]
        )
        _fill(row, entry, now)
        db.session.add(row)
    for row in existing.values():
        if row.status == "suggested" and row.source == "model":
            db.session.delete(row)
        else:
            row.rank_for_government = row.rank_for_partner = None
    event.suggestions_computed_at = as_of or now
    db.session.flush()
    return len(ranks)


def compute_suggestions(
    event: Event, embedder: Embedder, top_k: int = 10, progress: Progress | None = None
) -> MatchRun:
    """Rank and store: what the CLI, the web and the workers all run."""
    from matchmaker.services.requests import expire_requests

    started = utcnow()
    expire_requests(event.id)  # an overdue request no longer counts as interest
    run = rank_event(event, embedder, top_k, progress)
    store_suggestions(event, run, as_of=started)
    return run


def request_recompute(event: Event) -> datetime:
    """Note that profiles changed; a worker recomputes once for a burst of edits."""
    event.suggestions_requested_at = utcnow()
    db.session.flush()
    return event.suggestions_requested_at


def recompute_is_due(event: Event) -> bool:
    requested, computed = event.suggestions_requested_at, event.suggestions_computed_at
    return requested is not None and (computed is None or as_utc(computed) < as_utc(requested))


def _fill(row: MatchSuggestion, entry: dict[str, object], now: datetime) -> None:
    suggestion = entry["suggestion"]
    assert isinstance(suggestion, Suggestion)
    row.score = round(float(suggestion.score), 2)
    row.reasons = [asdict(reason) | {"data": dict(reason.data)} for reason in suggestion.reasons]
    row.rank_for_government = entry.get("rank_for_government")  # type: ignore[assignment]
    row.rank_for_partner = entry.get("rank_for_partner")  # type: ignore[assignment]
    row.computed_at = now


def _participants(event: Event) -> list[Participant]:
    query = db.select(Participant).where(Participant.event_id == event.id)
    return list(db.session.execute(query.order_by(Participant.id)).scalars())


def _profile(participant: Participant) -> Profile:
    return Profile(
        id=participant.external_id,
        kind=participant.kind,
        languages=tuple(participant.languages),
        themes=tuple(participant.themes),
        description=participant.description,
    )


def _sub(report: Progress, start: float, end: float) -> Callable[[int, int], None]:
    """Map an encoder's (done, total) onto a slice of the overall progress."""

    def progress(done: int, total: int) -> None:
        report(start + (end - start) * done / max(total, 1), f"encoded {done} of {total} texts")

    return progress
