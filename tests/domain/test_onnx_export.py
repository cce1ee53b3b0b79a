"""Smoothing before int8 quantisation, on a tiny random BERT (no model to build)."""

from __future__ import annotations

import pytest

from matchmaker.domain.onnx_export import calibration_texts, largest_inputs, smooth_linear_inputs

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")


def tiny_bert_with_an_outlier_channel() -> torch.nn.Module:
    """Two layers of 32 dimensions; the embeddings' channel 3 comes out 60 times larger, like
    the few outlier channels of the real model."""
    torch.manual_seed(7)
    config = transformers.BertConfig(
        vocab_size=50,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=64,
        attn_implementation="eager",
    )
    bert = transformers.BertModel(config, add_pooling_layer=False).eval()
    with torch.no_grad():
        bert.embeddings.LayerNorm.weight[3] = 60.0
    return bert


def batches() -> list[dict[str, torch.Tensor]]:
    generator = torch.Generator().manual_seed(3)
    ids = torch.randint(4, 50, (4, 6, 9), generator=generator)
    mask = torch.ones_like(ids)
    mask[:, :, 7:] = 0  # padded rows too
    return [{"input_ids": i, "attention_mask": m} for i, m in zip(ids, mask, strict=True)]


def test_smoothing_keeps_the_outputs_and_evens_out_the_inputs() -> None:
    bert = tiny_bert_with_an_outlier_channel()
    with torch.inference_mode():
        before = [bert(**batch).last_hidden_state for batch in batches()]
    spread_before = largest_inputs(bert, batches())["0.qkv"]

    smooth_linear_inputs(bert, batches())

    with torch.inference_mode():
        after = [bert(**batch).last_hidden_state for batch in batches()]
    for old, new in zip(before, after, strict=True):
        assert torch.allclose(old, new, rtol=1e-4, atol=1e-4)
    spread_after = largest_inputs(bert, batches())["0.qkv"]
    assert peak_to_median(spread_before) > 20
    assert peak_to_median(spread_after) < peak_to_median(spread_before) / 4


def peak_to_median(largest: torch.Tensor) -> float:
    return float(largest.max() / largest.median())


def test_calibration_texts_are_the_demo_event_as_queries_passages_and_sentences() -> None:
    texts = calibration_texts()
    assert sum(t.startswith("query: ") for t in texts) == 48
    assert sum(t.startswith("passage: ") for t in texts) > 2 * 48
    assert all(len(t) > len("passage: ") for t in texts)
