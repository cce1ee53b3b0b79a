"""Export the default model to ONNX, in float32 or with smoothed int8 matrix products.

Plain dynamic int8 quantisation (int8 weights per output channel, activations scaled per batch)
is about twice as fast as float32, but a few activation channels of this model are 30-70 times
larger than the rest, so one scale per batch rounds the others coarsely: nDCG@10 on the sample
judgements dropped from 0.935 to 0.920. Smoothing first (SmoothQuant, Xiao et al. 2023) moves
that range from the activations into the weights: every linear layer's input channel j is divided
by s_j and its weight column multiplied by s_j, which changes nothing in exact arithmetic; s_j
balances the activation's and the weight's largest values, measured on the demo event's texts.
The quantised model then keeps the float figures (within 0.005) at int8 speed.

Nothing here is downloaded: the model folder is built from installed packages, and the
calibration texts are the demo participants shipped with the package. Needs torch and onnx.
"""

from __future__ import annotations

import csv
import os
import warnings
from collections.abc import Callable, Iterable
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from matchmaker.domain.e5_convert import build_lock
from matchmaker.domain.matching.vectors import profile_sentences

if TYPE_CHECKING:
    import torch

#: How far smoothing moves the range into the weights (0: none, 1: all). 0.7 kept every matching
#: figure within 0.005 of float32; 0.5 lost 0.005 of nDCG@10 and 0.3 lost 0.06 across languages.
SMOOTHING_ALPHA = 0.7
CALIBRATION_BATCH = 16


def export_onnx(source: Path, target: Path, *, quantize: bool) -> Path:
    """Export the sentence-transformers folder ``source`` to the ONNX file ``target`` unless done.

    The network takes ``input_ids`` and ``attention_mask`` and returns normalised mean-pooled
    vectors. With ``quantize``, the linear layers are smoothed and every matrix product with a
    weight gets int8 weights and int8 activations (see the module's docstring): cosine ~0.999
    of the float32 vectors. The file is written under a lock and renamed into place, like the
    model folder.
    """
    target = Path(target)
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with build_lock(target.parent / f".{target.name}.lock"):
        if target.is_file():  # another process finished while we waited for the lock
            return target
        temp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        float_temp = temp.with_suffix(".float.tmp")
        try:
            _export_float(source, float_temp if quantize else temp, smooth=quantize)
            if quantize:
                _quantize(float_temp, temp)
            os.replace(temp, target)
        finally:
            for leftover in (temp, float_temp):
                leftover.unlink(missing_ok=True)
    return target


def _export_float(source: Path, target: Path, *, smooth: bool) -> None:
    import torch
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    class PooledNetwork(torch.nn.Module):
        """The transformer, then mean pooling over real tokens and normalisation."""

        def __init__(self, transformer: torch.nn.Module) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            states = self.transformer(input_ids=input_ids, attention_mask=attention_mask)
            mask = attention_mask.unsqueeze(-1).to(states.last_hidden_state.dtype)
            pooled = (states.last_hidden_state * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, dim=-1)

    hf_logging.disable_progress_bar()  # as in embedding._load_model: no bar in workers' logs
    # Eager attention exports as one additive mask; the default (SDPA) adds a masking step to
    # every layer that cost ~8% of the int8 model's time.
    model = SentenceTransformer(
        str(source),
        device="cpu",
        local_files_only=True,
        model_kwargs={"attn_implementation": "eager"},
    ).eval()
    transformer = model[0].auto_model
    assert isinstance(transformer, torch.nn.Module)
    if smooth:
        texts = calibration_texts()
        batches = (
            model.tokenizer(
                texts[start : start + CALIBRATION_BATCH],
                padding=True,
                truncation=True,
                return_tensors="pt",
            )
            for start in range(0, len(texts), CALIBRATION_BATCH)
        )
        smooth_linear_inputs(transformer, batches)
    network = PooledNetwork(transformer).eval()
    example = model.tokenizer(
        ["query: hola", "passage: dos frases"], padding=True, return_tensors="pt"
    )
    batch, tokens = {0: "batch"}, {0: "batch", 1: "tokens"}
    with warnings.catch_warnings(), torch.inference_mode():
        # The TorchScript exporter is deprecated in favour of one that needs onnxscript.
        warnings.simplefilter("ignore")
        torch.onnx.export(
            network,
            (example["input_ids"], example["attention_mask"]),
            str(target),
            dynamo=False,
            input_names=["input_ids", "attention_mask"],
            output_names=["embedding"],
            dynamic_axes={"input_ids": tokens, "attention_mask": tokens, "embedding": batch},
            opset_version=17,
        )


def calibration_texts() -> list[str]:
    """The demo participants' descriptions, as queries and passages, and their sentences: the
    texts the matching encodes, in Spanish, English and Portuguese."""
    demo = resources.files("matchmaker.demo").joinpath("participants.csv")
    with demo.open(encoding="utf-8-sig", newline="") as handle:
        descriptions = [row["description"] for row in csv.DictReader(handle)]
    sentences = [s for d in descriptions for s in profile_sentences(d)]
    return (
        [f"query: {d}" for d in descriptions]
        + [f"passage: {d}" for d in descriptions]
        + [f"passage: {s}" for s in sentences]
    )


def smooth_linear_inputs(bert: torch.nn.Module, batches: Iterable[dict[str, Any]]) -> None:
    """Smooth every linear layer of ``bert``'s encoder in place (see the module's docstring),
    with the largest inputs seen while running ``bert`` on ``batches`` (tokenizer outputs)."""
    import torch

    groups = _linear_groups(bert)
    largest = largest_inputs(bert, batches, groups)
    with torch.no_grad():
        for name, linears in groups.items():
            weight_max = torch.stack([lin.weight.abs().amax(0) for lin in linears]).amax(0)
            activation = largest[name].clamp(min=1e-5) ** SMOOTHING_ALPHA
            scale = (activation / weight_max.clamp(min=1e-5) ** (1 - SMOOTHING_ALPHA)).clamp(
                min=1e-5
            )
            for linear in linears:
                linear.weight.mul_(scale)
            _divide_inputs(bert, name, linears, (1.0 / scale).contiguous())


def _divide_inputs(
    bert: torch.nn.Module, name: str, linears: list[torch.nn.Linear], inverse: torch.Tensor
) -> None:
    """Divide the input of ``linears`` by the smoothing factors: the attention's output layer
    reads the context, a per-channel mix of the value layer's outputs, so dividing those rows
    of the value layer is the same and costs nothing at run time; every other input is also
    read elsewhere (the residual) or comes out of a nonlinearity, so it gets a multiplication."""
    import torch

    if name.endswith(".attention_out"):
        value = bert.encoder.layer[int(name.split(".")[0])].attention.self.value  # type: ignore[attr-defined]
        with torch.no_grad():
            value.weight.mul_(inverse.unsqueeze(1))
            value.bias.mul_(inverse)
        return
    for linear in linears:
        linear.register_forward_pre_hook(_divide_input(inverse))


def _linear_groups(bert: torch.nn.Module) -> dict[str, list[torch.nn.Linear]]:
    """The encoder's linear layers, grouped by shared input (query, key and value share one)."""
    groups: dict[str, list[torch.nn.Linear]] = {}
    for i, layer in enumerate(bert.encoder.layer):  # type: ignore[attr-defined]
        attention = layer.attention
        groups[f"{i}.qkv"] = [attention.self.query, attention.self.key, attention.self.value]
        groups[f"{i}.attention_out"] = [attention.output.dense]
        groups[f"{i}.up"] = [layer.intermediate.dense]
        groups[f"{i}.down"] = [layer.output.dense]
    return groups


def largest_inputs(
    bert: torch.nn.Module,
    batches: Iterable[dict[str, Any]],
    groups: dict[str, list[torch.nn.Linear]] | None = None,
) -> dict[str, torch.Tensor]:
    """Each group's largest absolute input per channel while running ``bert`` on ``batches``."""
    import torch

    largest: dict[str, torch.Tensor] = {}

    def record(name: str) -> Callable[..., None]:
        def hook(_module: torch.nn.Module, inputs: tuple[torch.Tensor, ...]) -> None:
            values = inputs[0].detach().abs().reshape(-1, inputs[0].shape[-1]).amax(0)
            largest[name] = torch.maximum(largest[name], values) if name in largest else values

        return hook

    groups = groups or _linear_groups(bert)
    hooks = [linears[0].register_forward_pre_hook(record(n)) for n, linears in groups.items()]
    try:
        with torch.inference_mode():
            for batch in batches:
                bert(**batch)
    finally:
        for hook in hooks:
            hook.remove()
    return largest


def _divide_input(inverse: torch.Tensor) -> Callable[..., tuple[torch.Tensor]]:
    def hook(_module: torch.nn.Module, inputs: tuple[torch.Tensor, ...]) -> tuple[torch.Tensor]:
        return (inputs[0] * inverse,)

    return hook


def _quantize(source: Path, target: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(
        source,
        target,
        weight_type=QuantType.QInt8,
        per_channel=True,
        op_types_to_quantize=["MatMul"],
    )
