"""Profiles and their vectors: encoding through a content-hash cache, and per-language centring."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from matchmaker.domain.embedding import Embedder, Role
from matchmaker.domain.matching.text import (
    detect_language,
    normalise_text,
    split_sentences,
    text_hash,
)

#: Part of the cache namespace: bump it when split_sentences changes what it returns, so cached
#: sentence matrices from the old splitter are not mixed with new sentence texts.
SPLITTER_VERSION = "s1"


@dataclass(frozen=True)
class Profile:
    """What matching needs to know about a participant."""

    id: str
    kind: str
    languages: tuple[str, ...]
    themes: tuple[str, ...]
    description: str

    @property
    def text_language(self) -> str:
        """The language the description is written in (guessed; the first spoken one if unsure)."""
        fallback = self.languages[0] if self.languages else "es"
        return detect_language(self.description, fallback)


class EmbeddingCache(Protocol):
    """Stored vectors keyed by (model id, text hash): one matrix per text.

    Row 0 of a matrix is the whole text's vector, the other rows its sentences' vectors.
    """

    def get_many(self, model_id: str, hashes: Sequence[str]) -> dict[str, np.ndarray]:
        """The stored matrices among ``hashes`` (missing ones are simply absent)."""
        ...

    def put_many(self, model_id: str, items: dict[str, np.ndarray]) -> None:
        """Store matrices by text hash."""
        ...


class InMemoryEmbeddingCache:
    """A dictionary-backed :class:`EmbeddingCache` for tests, benchmarks and one-off runs."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], np.ndarray] = {}

    def get_many(self, model_id: str, hashes: Sequence[str]) -> dict[str, np.ndarray]:
        """The stored matrices among ``hashes``."""
        found = ((h, self.items.get((model_id, h))) for h in hashes)
        return {h: matrix for h, matrix in found if matrix is not None}

    def put_many(self, model_id: str, items: dict[str, np.ndarray]) -> None:
        """Store matrices by text hash."""
        for h, matrix in items.items():
            self.items[(model_id, h)] = matrix


@dataclass(frozen=True)
class ProfileVectors:
    """Vectors for a list of profiles, in the same order.

    ``sentences[offsets[i]:offsets[i + 1]]`` are profile i's sentence vectors (at least one each),
    with their texts at the same rows of ``sentence_texts``; ``languages`` holds the language
    each description is written in (guessed), which per-language centring groups by.
    """

    ids: tuple[str, ...]
    whole: np.ndarray
    sentences: np.ndarray
    offsets: np.ndarray
    sentence_texts: tuple[str, ...]
    languages: tuple[str, ...]

    @property
    def owner(self) -> np.ndarray:
        """For each sentence row, the index of the profile it belongs to."""
        return np.repeat(np.arange(len(self.ids)), np.diff(self.offsets))

    def sentences_of(self, index: int) -> np.ndarray:
        """Profile ``index``'s sentence vectors."""
        return self.sentences[self.offsets[index] : self.offsets[index + 1]]

    def texts_of(self, index: int) -> tuple[str, ...]:
        """Profile ``index``'s sentence texts."""
        return self.sentence_texts[self.offsets[index] : self.offsets[index + 1]]


def cache_namespace(embedder: Embedder, role: Role) -> str:
    """The cache's model id: the same text encodes differently as a query and as a passage."""
    return f"{embedder.model_id}|{role}|{SPLITTER_VERSION}"


def profile_sentences(description: str) -> list[str]:
    """The sentences matched for a description; the whole (possibly empty) text if none."""
    return split_sentences(description) or [normalise_text(description)]


def _encode_missing(
    embedder: Embedder,
    texts: Mapping[str, tuple[str, list[str]]],
    role: Role,
    progress: Callable[[int, int], None] | None,
) -> dict[str, np.ndarray]:
    """Encode whole texts and their sentences in one call; returns one matrix per hash."""
    if not texts:
        return {}
    pieces: list[str] = []
    spans: dict[str, tuple[int, int]] = {}
    for h, (text, sentences) in texts.items():
        # A one-sentence text is its own sentence: encode it once, use the vector twice.
        own = [] if sentences == [text] else sentences
        spans[h] = (len(pieces), len(pieces) + 1 + len(own))
        pieces.extend([text, *own])
    vectors = embedder.encode(pieces, role=role, progress=progress)
    matrices = {h: vectors[start:stop] for h, (start, stop) in spans.items()}
    return {h: np.vstack([m, m]) if len(m) == 1 else m for h, m in matrices.items()}


def embed_profiles(
    embedder: Embedder,
    profiles: Sequence[Profile],
    cache: EmbeddingCache,
    role: Role,
    progress: Callable[[int, int], None] | None = None,
) -> ProfileVectors:
    """Vectors for ``profiles``, encoding only descriptions the cache does not hold yet."""
    hashes = [text_hash(p.description) for p in profiles]
    unique = {
        h: (text, profile_sentences(text))
        for h, text in zip(hashes, (normalise_text(p.description) for p in profiles), strict=True)
    }
    namespace = cache_namespace(embedder, role)
    stored = cache.get_many(namespace, list(unique))
    # A stored matrix whose shape disagrees with today's sentences is stale: encode again.
    stored = {h: m for h, m in stored.items() if len(m) == 1 + len(unique[h][1])}
    missing = {h: pair for h, pair in unique.items() if h not in stored}
    fresh = _encode_missing(embedder, missing, role, progress)
    if fresh:
        cache.put_many(namespace, fresh)
    matrices = [stored[h] if h in stored else fresh[h] for h in hashes]
    return _assemble(profiles, [unique[h][1] for h in hashes], matrices)


def _assemble(
    profiles: Sequence[Profile], sentences: Sequence[list[str]], matrices: Sequence[np.ndarray]
) -> ProfileVectors:
    dim = matrices[0].shape[1] if matrices else 0
    return ProfileVectors(
        ids=tuple(p.id for p in profiles),
        whole=np.array([m[0] for m in matrices], dtype=np.float32).reshape(len(profiles), dim),
        sentences=np.concatenate([m[1:] for m in matrices] or [np.zeros((0, dim))]).astype(
            np.float32
        ),
        offsets=np.cumsum([0] + [len(s) for s in sentences], dtype=np.int64),
        sentence_texts=tuple(s for group in sentences for s in group),
        languages=tuple(p.text_language for p in profiles),
    )


@dataclass(frozen=True)
class Centring:
    """Per-language mean vectors of one side (whole texts and sentences), and how much to remove.

    The model prefers texts in the query's own language; removing part of each language's mean
    takes much of that preference away, which lets a Spanish challenge find an English offering.
    """

    alpha: float
    whole_means: Mapping[str, np.ndarray]
    sentence_means: Mapping[str, np.ndarray]
    whole_default: np.ndarray
    sentence_default: np.ndarray

    def apply(self, vectors: ProfileVectors) -> ProfileVectors:
        """Centred, renormalised copies of ``vectors`` (texts and offsets unchanged)."""
        langs = np.array(vectors.languages, dtype=object)
        whole = _shift(vectors.whole, langs, self.whole_means, self.whole_default, self.alpha)
        owner_langs = langs[vectors.owner] if len(langs) else langs
        sentences = _shift(
            vectors.sentences,
            owner_langs,
            self.sentence_means,
            self.sentence_default,
            self.alpha,
        )
        return ProfileVectors(
            vectors.ids,
            whole,
            sentences,
            vectors.offsets,
            vectors.sentence_texts,
            vectors.languages,
        )


def _shift(
    matrix: np.ndarray,
    langs: np.ndarray,
    means: Mapping[str, np.ndarray],
    default: np.ndarray,
    alpha: float,
) -> np.ndarray:
    if not len(matrix) or not alpha:
        return _normalise(matrix)
    unique, inverse = np.unique(langs.astype(str), return_inverse=True)
    table = np.stack([means.get(lang, default) for lang in unique])
    return _normalise(matrix - alpha * table[inverse])


def _normalise(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return (matrix / np.maximum(norms, 1e-12)).astype(np.float32)


#: A language with few texts has a noisy mean; it is pulled towards the side's overall mean as if
#: this many texts of the overall mean were added to it.
SHRINKAGE = 5.0


def _language_means(
    matrix: np.ndarray, langs: np.ndarray
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    overall = matrix.mean(axis=0) if len(matrix) else np.zeros(matrix.shape[1], np.float32)
    means = {}
    for lang in sorted(set(langs.tolist())):
        rows = matrix[langs == lang]
        means[lang] = (rows.sum(axis=0) + SHRINKAGE * overall) / (len(rows) + SHRINKAGE)
    return means, overall


def fit_centring(vectors: ProfileVectors, alpha: float) -> Centring:
    """Per-language means of one side's vectors (see :class:`Centring`)."""
    langs = np.array(vectors.languages, dtype=object)
    whole_means, whole_default = _language_means(vectors.whole, langs)
    owner_langs = langs[vectors.owner] if len(langs) else langs
    sentence_means, sentence_default = _language_means(vectors.sentences, owner_langs)
    return Centring(alpha, whole_means, sentence_means, whole_default, sentence_default)
