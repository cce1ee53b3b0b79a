"""Match suggestions for a stored event: profiles -> embeddings (cached) -> ranking -> rows.

Organiser decisions survive a recomputation: only the scores, ranks and reasons of existing
suggestions change, and stale suggestions are removed only while still undecided.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from matchmaker import background
from matchmaker.domain.embedding import Embedder, get_embedder
from matchmaker.domain.matching import (
    MatchRules,
    Profile,
    Suggestion,
    build_index,
    embed_profiles,
    rank_both_ways,
)
from matchmaker.domain.progress import Progress, no_progress
from matchmaker.extensions import db
from matchmaker.models import (
    EmbeddingCacheEntry,
    Event,
    MatchSuggestion,
    MeetingRequest,
    Participant,
)
from matchmaker.orm import as_utc, utcnow
from matchmaker.services.decisions import blocked_pairs
from matchmaker.services.interest_marks import must_meet_authors

Pair = tuple[str, str]


class DatabaseEmbeddingCache:
    """The domain's EmbeddingCache over the embedding_cache table."""

    def get_many(self, model_id: str, hashes: Sequence[str]) -> dict[str, np.ndarray]:
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
        """Store new vectors; a text another process stored meanwhile keeps its row (two
        workers recomputing at once encode the same new texts)."""
        rows = []
        for text_hash, matrix in items.items():
            matrix = np.ascontiguousarray(matrix, dtype=np.float32)
            rows.append({"model_id": model_id, "text_hash": text_hash, "rows": matrix.shape[0],
                         "dim": matrix.shape[1], "vectors": matrix.tobytes()})  # fmt: skip
        if rows:
            statement = upsert(EmbeddingCacheEntry).on_conflict_do_nothing(
                index_elements=["model_id", "text_hash"]
            )
            db.session.execute(statement, rows)


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
    report = progress or no_progress
    people = {p.external_id: p for p in _participants(event)}
    governments = [_profile(p) for p in people.values() if p.is_government]
    partners = [_profile(p) for p in people.values() if not p.is_government]
    cache = DatabaseEmbeddingCache()
    report(0.0, "encoding_officials")
    on_officials = _sub(report, "encoding_officials", 0.0, 0.4)
    gov_vectors = embed_profiles(embedder, governments, cache, "query", on_officials)
    report(0.4, "encoding_partners")
    on_partners = _sub(report, "encoding_partners", 0.4, 0.8)
    partner_vectors = embed_profiles(embedder, partners, cache, "passage", on_partners)
    report(0.8, "ranking")
    rules = match_rules(event, people)
    index = build_index(governments, partners, gov_vectors, partner_vectors, rules)
    for_officials, for_partners = rank_both_ways(index, top_k)  # one scoring pass for both
    return MatchRun(for_officials, for_partners, people)


def match_rules(event: Event, people: dict[str, Participant]) -> MatchRules:
    """Blocked pairs, declined requests and expressed interest (requests, proposals and
    must-meet marks), keyed by file ids."""
    by_id = {p.id: p.external_id for p in people.values()}

    def pair(government_id: int, partner_id: int) -> Pair:
        return by_id[government_id], by_id[partner_id]

    blocked = blocked_pairs(event)
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
    for author, government_id, partner_id in must_meet_authors(event):
        # A must-meet mark is explicit interest, counted like a request from its author.
        askers.setdefault(pair(government_id, partner_id), set()).add(author)
    interest = {key: "mutual" if len(s) > 1 else "one-sided" for key, s in askers.items()}
    return MatchRules(
        blocked=frozenset(pair(g, p) for g, p in blocked),
        declined=frozenset(declined),
        interest=interest,  # type: ignore[arg-type]
    )


def store_suggestions(event: Event, run: MatchRun, as_of: datetime | None = None) -> int:
    """Upsert the run's suggestions; keep decisions; drop undecided ones no longer ranked.

    ``as_of`` is when the profiles were read: an edit after it makes a new run due. Runs may
    overlap (two workers, a worker and the command line): each stores while holding the
    event's lock, and a run that read the profiles before the last stored run did writes
    nothing, its ranking being the older one. Returns how many pairs were stored.
    """
    as_of = as_of or utcnow()
    last_stored = _lock_suggestions(event)
    if last_stored is not None and as_utc(last_stored) > as_utc(as_of):
        return 0
    ranks = _ranks_by_pair(run)
    now = utcnow()
    if ranks:
        # An upsert, not "read, then insert what is missing": an organiser may add a pair by
        # hand meanwhile. Only the computed columns change: status, source and decided_by stay.
        statement = upsert(MatchSuggestion)
        statement = statement.on_conflict_do_update(
            index_elements=["event_id", "government_id", "partner_id"],
            set_={name: statement.excluded[name] for name in COMPUTED_COLUMNS},
        )
        rows = [{"event_id": event.id, "government_id": key[0], "partner_id": key[1],
                 **_computed(entry, now)} for key, entry in ranks.items()]  # fmt: skip
        db.session.execute(statement, rows)
    _unrank_stale(event, set(ranks))
    for row in list(db.session.identity_map.values()):
        if isinstance(row, MatchSuggestion):
            db.session.expire(row)  # written by statements above: load again when read
    event.suggestions_computed_at = as_of
    db.session.flush()
    return len(ranks)


def _ranks_by_pair(run: MatchRun) -> dict[tuple[int, int], dict[str, object]]:
    """(government id, partner id) -> the suggestion and its rank on each side that ranked
    it (a pair may be in an official's top list, a partner's, or both)."""
    ranks: dict[tuple[int, int], dict[str, object]] = {}
    sides = [(run.for_officials, "rank_for_government"), (run.for_partners, "rank_for_partner")]
    for suggestions, field in sides:
        for suggestion in suggestions:
            key = (run.participants[suggestion.government_id].id,
                   run.participants[suggestion.partner_id].id)  # fmt: skip
            ranks.setdefault(key, {"suggestion": suggestion})[field] = suggestion.rank
    return ranks


#: What a recomputation writes on a suggestion; everything else is the organiser's.
COMPUTED_COLUMNS = ("score", "reasons", "rank_for_government", "rank_for_partner", "computed_at")


def _lock_suggestions(event: Event) -> datetime | None:
    """Wait until no other run is storing the event's suggestions and hold the event until the
    commit; returns when the last run stored, read under the lock (so it is current).

    PostgreSQL locks the event's row (FOR NO KEY UPDATE: rows that refer to the event can
    still be added). SQLite has no row locks: a write takes its one write lock, held to the
    commit, so a write that changes nothing does it there.
    """
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(
            db.update(Event).where(Event.id == event.id).values(updated_at=Event.updated_at),
            execution_options={"synchronize_session": False},
        )
    query = db.select(Event.suggestions_computed_at).where(Event.id == event.id)
    return db.session.execute(query.with_for_update(key_share=True)).scalar_one()


def _unrank_stale(event: Event, ranked: set[tuple[int, int]]) -> None:
    """Suggestions the run no longer ranks lose their ranks; undecided model ones go.

    The conditions are in the statements, not read before: an organiser deciding on a pair
    at this moment keeps the decision.
    """
    query = db.select(MatchSuggestion.id, MatchSuggestion.government_id, MatchSuggestion.partner_id)
    stale = [
        row.id
        for row in db.session.execute(query.where(MatchSuggestion.event_id == event.id))
        if (row.government_id, row.partner_id) not in ranked
    ]
    sync = {"synchronize_session": False}
    for start in range(0, len(stale), STATEMENT_IDS):
        ids = MatchSuggestion.id.in_(stale[start : start + STATEMENT_IDS])
        db.session.execute(
            db.update(MatchSuggestion)
            .where(ids)
            .values(rank_for_government=None, rank_for_partner=None),
            execution_options=sync,
        )
        undecided = (MatchSuggestion.status == "suggested") & (MatchSuggestion.source == "model")
        db.session.execute(
            db.delete(MatchSuggestion).where(ids, undecided),
            execution_options={"synchronize_session": "fetch"},
        )


#: Ids per statement (SQLite allows 32,766 parameters in one statement).
STATEMENT_IDS = 1000


def upsert(model: type[Any]) -> Any:
    """An INSERT that can say ON CONFLICT …, for the session's database."""
    if db.session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(model)
    return sqlite.insert(model)


def compute_suggestions(
    event: Event, embedder: Embedder, top_k: int = 10, progress: Progress | None = None
) -> MatchRun:
    """Rank and store: what the CLI, the web and the workers all run."""
    from matchmaker.services.requests import expire_requests

    started = utcnow()
    expire_requests(event.id)  # an overdue request no longer counts as interest
    run = rank_event(event, embedder, top_k, progress)
    (progress or no_progress)(0.9, "storing")
    store_suggestions(event, run, as_of=started)
    return run


#: Profile edits arriving within this many seconds are handled by one recomputation.
RECOMPUTE_DELAY = 5


def request_recompute(event: Event) -> datetime:
    """Note that profiles changed and ask a worker, after the commit, to recompute: the first
    task of a burst of edits does the work and the others find nothing due."""
    event.suggestions_requested_at = utcnow()
    db.session.flush()
    background.enqueue("recompute_suggestions", event.id, countdown=RECOMPUTE_DELAY)
    return event.suggestions_requested_at


def recompute_is_due(event: Event) -> bool:
    requested, computed = event.suggestions_requested_at, event.suggestions_computed_at
    return requested is not None and (computed is None or as_utc(computed) < as_utc(requested))


def _computed(entry: dict[str, object], now: datetime) -> dict[str, object]:
    suggestion = entry["suggestion"]
    assert isinstance(suggestion, Suggestion)
    return {
        "score": round(float(suggestion.score), 2),
        "reasons": [
            strength_entry(suggestion),
            *(asdict(reason) | {"data": dict(reason.data)} for reason in suggestion.reasons),
        ],
        "rank_for_government": entry.get("rank_for_government"),
        "rank_for_partner": entry.get("rank_for_partner"),
        "computed_at": now,
    }


#: The stored reasons' entry that carries the pair's strength (no schema change for it; the
#: pages read it with services.suggestions.stored_strength and never list it as a reason).
STRENGTH_CODE = "strength"


def strength_entry(suggestion: Suggestion) -> dict[str, object]:
    """The suggestion's strength and fit as a stored reasons entry."""
    fit = round(float(suggestion.components["fit"]), 1)
    text = f"{suggestion.strength.value} match (fit {fit:g})"
    return {"code": STRENGTH_CODE, "text": text,
            "data": {"strength": suggestion.strength.value, "fit": fit}}  # fmt: skip


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


def _sub(report: Progress, step: str, start: float, end: float) -> Callable[[int, int], None]:
    """Map an encoder's (done, total) onto a slice of the overall progress."""

    def progress(done: int, total: int) -> None:
        share = min(1.0, done / max(total, 1))  # exactly ``end`` when done: steps never go back
        report(start + (end - start) * share, step, done=done, total=total)

    return progress
