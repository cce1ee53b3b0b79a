"""Matching at scale: 3,000 officials × 10,000 partners with their vectors already cached.

    python bench/match_scale.py [--officials 3000] [--partners 10000] [--skip-encoding]

Prints the time to rank every official's top 10 with reasons (goal < 5 s on 2 cores), the peak
memory (goal < 4 GB), the time to re-rank one official's row and one partner's column after an
edit (goal < 0.1 s each), and the configured model's encoding throughput on realistic texts
(goal >= 100 whole descriptions/s; ``MATCHMAKER_EMBEDDING_MODEL=multilingual-e5-small:torch``
measures the torch runtime, ``:int8`` the quantised one).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from typing import TypeVar

import numpy as np
from _judgements import MODEL_DIR, load_profiles
from incremental import replace_profile

from matchmaker.domain.matching import (
    MatchIndex,
    MatchRules,
    Profile,
    ProfileVectors,
    Suggestion,
    build_index,
    rank_both_ways,
    rank_for_official,
    rank_for_partner,
    rank_officials,
    rank_partners,
)
from matchmaker.domain.vocabulary import LANGUAGES, THEMES

DIM = 384
TOPICS = 60
T = TypeVar("T")


def timed(label: str, action: Callable[[], T]) -> tuple[T, float]:
    """Run ``action``, print and return how long it took.

    The CPU time (all threads) is printed too: on a shared machine the wall time says as much
    about the neighbours as about the code.
    """
    started, cpu_started = time.perf_counter(), time.process_time()
    result = action()
    seconds = time.perf_counter() - started
    print(f"  {label:58s} {seconds:7.2f} s  (CPU {time.process_time() - cpu_started:6.2f} s)")
    return result, seconds


def peak_memory_mb() -> float:
    """Peak resident memory of this process so far (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _unit(matrix: np.ndarray) -> np.ndarray:
    return (matrix / np.linalg.norm(matrix, axis=1, keepdims=True)).astype(np.float32)


def synthetic_side(
    kind: str, count: int, rng: np.random.Generator, centroids: np.ndarray
) -> tuple[list[Profile], ProfileVectors]:
    """Profiles around shared topics: 2-4 sentences, 1-3 themes, 1-3 languages each."""
    prefix = "g" if kind == "government" else "p"
    topics = rng.integers(0, TOPICS, count)
    whole = _unit(centroids[topics] + 0.9 * rng.normal(size=(count, DIM)) / np.sqrt(DIM))
    counts = rng.integers(2, 5, count)
    owner = np.repeat(np.arange(count), counts)
    sentences = _unit(whole[owner] + 1.2 * rng.normal(size=(len(owner), DIM)) / np.sqrt(DIM))
    themes, languages = list(THEMES), list(LANGUAGES)
    profiles, texts, text_langs = [], [], []
    for i in range(count):
        spoken = tuple(rng.choice(languages, rng.integers(1, 4), replace=False).tolist())
        chosen = tuple(rng.choice(themes, rng.integers(1, 4), replace=False).tolist())
        profiles.append(Profile(f"{prefix}-{i:05d}", kind, spoken, chosen, f"topic {topics[i]}"))
        texts.extend(
            f"Sentence {j + 1} of {prefix}-{i:05d}, about topic {topics[i]} and its needs."
            for j in range(counts[i])
        )
        text_langs.append(spoken[0])
    vectors = ProfileVectors(
        ids=tuple(p.id for p in profiles),
        whole=whole,
        sentences=sentences,
        offsets=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
        sentence_texts=tuple(texts),
        languages=tuple(text_langs),
    )
    return profiles, vectors


def synthetic_rules(n_gov: int, n_par: int, rng: np.random.Generator) -> MatchRules:
    """A few thousand requests and proposals, some mutual; some blocked and declined pairs."""

    def pairs(n: int) -> list[tuple[str, str]]:
        rows, cols = rng.integers(0, n_gov, n), rng.integers(0, n_par, n)
        return [(f"g-{r:05d}", f"p-{c:05d}") for r, c in zip(rows, cols, strict=True)]

    interest = {
        pair: ("mutual" if i % 4 == 0 else "one-sided") for i, pair in enumerate(pairs(6000))
    }
    return MatchRules(
        blocked=frozenset(pairs(300)), declined=frozenset(pairs(1500)), interest=interest
    )


def bench_ranking(n_gov: int, n_par: int) -> dict[str, float]:
    rng = np.random.default_rng(7)
    centroids = rng.normal(size=(TOPICS, DIM)) / np.sqrt(DIM)
    governments, gov_vectors = synthetic_side("government", n_gov, rng, centroids)
    partners, par_vectors = synthetic_side("partner", n_par, rng, centroids)
    rules = synthetic_rules(n_gov, n_par, rng)
    print(
        f"\n{n_gov} officials ({len(gov_vectors.sentences)} sentences) × {n_par} partners "
        f"({len(par_vectors.sentences)} sentences), {len(rules.interest)} interest, "
        f"{len(rules.blocked) + len(rules.declined)} blocked/declined; vectors given (cached)"
    )
    args = (governments, partners, gov_vectors, par_vectors, rules)
    index, t_index = timed("prepare (centring, statistics)", lambda: build_index(*args))
    top, t_rank = timed("rank every official's top 10, with reasons", lambda: rank_partners(index))
    print(f"  -> {len(top)} suggestions; total {t_index + t_rank:.2f} s (goal < 5 s)")
    timed("other direction: every partner's top 10, with reasons", lambda: rank_officials(index))
    timed("both directions in one scoring pass (rank_both_ways)", lambda: rank_both_ways(index))
    print(f"  peak memory so far (ru_maxrss): {peak_memory_mb():.0f} MB (goal < 4096 MB)")

    t_row = bench_edit(index, "government", "g-00042", centroids, rank_for_official)
    t_col = bench_edit(index, "partner", "p-00042", centroids, rank_for_partner)
    return {"index": t_index, "rank": t_rank, "row": t_row, "column": t_col}


def bench_edit(
    index: MatchIndex,
    kind: str,
    profile_id: str,
    centroids: np.ndarray,
    rerank: Callable[[MatchIndex, str], list[Suggestion]],
) -> float:
    """Replace one profile with freshly encoded vectors, then re-rank just its row or column."""
    profiles, vectors = synthetic_side(kind, 1, np.random.default_rng(9), centroids)
    profile = replace(profiles[0], id=profile_id)
    vectors = replace(vectors, ids=(profile_id,))

    def edit_and_rerank() -> list[Suggestion]:
        return rerank(replace_profile(index, profile, vectors), profile_id)

    what = "official's row" if kind == "government" else "partner's column"
    _, seconds = timed(f"after one edit: re-rank one {what} (goal < 0.1 s)", edit_and_rerank)
    return seconds


ENCODE_TEXTS = 240


def bench_encoding() -> float:
    """The configured model's throughput on the sample's descriptions and their sentences;
    returns the descriptions' (texts/s)."""
    from matchmaker.domain.embedding import get_embedder
    from matchmaker.domain.matching.vectors import profile_sentences

    descriptions = [p.description for p in load_profiles()]
    sentences = [s for d in descriptions for s in profile_sentences(d)]
    embedder = get_embedder(os.environ.get("MATCHMAKER_EMBEDDING_MODEL"), MODEL_DIR)
    print(
        f"\nencoding with {type(embedder).__name__} {embedder.model_id}",
        f"({len(os.sched_getaffinity(0))} cores)",
    )
    timed("build if missing + load + first text", lambda: embedder.encode(["hola"], role="query"))
    throughput = {}
    for label, texts in (("whole descriptions", descriptions), ("sentences", sentences)):
        texts = (texts * (ENCODE_TEXTS // len(texts) + 1))[:ENCODE_TEXTS]
        words = sum(len(t.split()) for t in texts) / len(texts)
        cpu_started = time.process_time()
        _, seconds = timed(
            f"{len(texts)} {label} (~{words:.0f} words each)",
            lambda texts=texts: embedder.encode(texts, role="passage"),
        )
        per_cpu_second = len(texts) / (time.process_time() - cpu_started)
        print(f"  -> {len(texts) / seconds:.1f} texts/s ({per_cpu_second:.1f} per CPU second)")
        throughput[label] = len(texts) / seconds
    return throughput["whole descriptions"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--officials", type=int, default=3000)
    parser.add_argument("--partners", type=int, default=10000)
    parser.add_argument("--skip-encoding", action="store_true")
    options = parser.parse_args()
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at start")
    times = bench_ranking(options.officials, options.partners)
    memory = peak_memory_mb()
    # Issue 13's goals; the wall-clock ones need the 2 cores to themselves.
    ok = times["index"] + times["rank"] < 5 and memory < 4096
    ok = ok and times["row"] < 0.1 and times["column"] < 0.1
    if not options.skip_encoding:
        ok = bench_encoding() >= 100 and ok
    print("\nGOALS MET" if ok else "\nGOALS NOT MET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
