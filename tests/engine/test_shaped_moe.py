"""Shaped random MoEs: named real shapes, a realistic vocabulary llama.cpp loads, and
base/update pairs that differ in exactly the expert slices asked for."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import gguf
import numpy as np
import pytest

from engine.tools.shaped_moe import build_shaped_moe, expected_size, scaled, shape, shape_names

# Granite 3.1 1B-A400M's vocabulary and expert counts on tiny widths (a few MB).
SMALL = replace(shape("granite-3.1-1b-a400m"), n_layer=2, n_embd=64, n_head=4, n_head_kv=2, n_ff=32)


def test_granite_shape_is_the_published_config() -> None:
    spec = shape("granite-3.1-1b-a400m")
    assert (spec.n_layer, spec.n_embd, spec.n_ff, spec.n_expert, spec.n_expert_used) == (
        24, 1024, 512, 32, 8,
    )  # fmt: skip
    assert (spec.n_head, spec.n_head_kv, spec.n_vocab, spec.context_length) == (
        16, 8, 49155, 131072,
    )  # fmt: skip
    # the size the issue measured (783 MB) within a few percent, without writing it
    assert 740e6 < expected_size(spec) < 800e6
    assert expected_size(scaled(spec, n_layer=2)) < expected_size(spec) / 6
    assert "granite-3.1-1b-a400m" in shape_names()
    with pytest.raises(KeyError, match="known: granite"):
        shape("no-such-model")


def _slices(path: Path) -> dict[tuple[str, int], bytes]:
    reader = gguf.GGUFReader(str(path))
    out: dict[tuple[str, int], bytes] = {}
    for t in reader.tensors:
        data = np.asarray(t.data).tobytes()
        n = int(t.shape[-1]) if t.name.endswith("_exps.weight") else 1
        size = len(data) // n
        for e in range(n):
            out[(str(t.name), e)] = data[e * size : (e + 1) * size]
    return out


def test_a_pair_differs_in_the_changed_slices_only(tmp_path: Path) -> None:
    changed = [("blk.1.ffn_up_exps.weight", 7), ("blk.0.ffn_down_exps.weight", 31)]
    spec = replace(SMALL, n_vocab=300)  # gguf-py's reader is slow on large vocabularies
    base = build_shaped_moe(tmp_path / "a.gguf", spec)
    again = build_shaped_moe(tmp_path / "b.gguf", spec)
    new = build_shaped_moe(tmp_path / "c.gguf", spec, changed=changed, name="v2")
    assert base.read_bytes() == again.read_bytes()  # deterministic
    old, now = _slices(base), _slices(new)
    assert old.keys() == now.keys()
    assert sorted(k for k in old if old[k] != now[k]) == sorted(changed)
    with pytest.raises(ValueError, match="no such expert"):
        build_shaped_moe(tmp_path / "d.gguf", spec, changed=[("blk.9.ffn_up_exps.weight", 0)])


@pytest.mark.slow
def test_llama_cpp_loads_the_synthetic_vocabulary(tmp_path: Path) -> None:
    llama_cpp = pytest.importorskip("llama_cpp")
    from engine.local.llama_adapter import prepare

    path = build_shaped_moe(tmp_path / "granite-vocab.gguf", SMALL)
    prepare()  # the portable build's CPU backend, registered as the engine's worker does
    llm = llama_cpp.Llama(model_path=str(path), n_ctx=64, n_threads=1, verbose=False)
    try:
        assert llm.n_vocab() == 49155
        tokens = llm.tokenize(b"hello", add_bos=False)
        assert tokens and all(0 <= t < 49155 for t in tokens)
        text = llm.create_completion("hello", max_tokens=3, temperature=0.0)["choices"][0]["text"]
        assert isinstance(text, str)
    finally:
        llm.close()


def test_the_q4_k_m_mix_has_llama_cpp_s_types_and_the_catalogue_size(tmp_path: Path) -> None:
    from engine.models.catalogue import find_entry, load_catalogue
    from engine.tools.shaped_moe import SHAPES, tensor_plan

    q = gguf.GGMLQuantizationType
    for name in ("granite-3.1-1b-a400m", "granite-3.1-3b-a800m"):
        entry, mix = find_entry(load_catalogue(), name), SHAPES[name].mix
        assert mix == "Q4_K_M" and "Q4_K_M" in entry.filename
        assert abs(expected_size(shape(name), mix) - entry.size) < 0.01 * entry.size
    types = {t.name: t.qtype for t in tensor_plan(shape("granite-3.1-1b-a400m"), "Q4_K_M")}
    assert types["token_embd.weight"] == q.Q6_K  # tied: it is also the output
    assert types["blk.0.ffn_down_exps.weight"] == q.Q6_K  # use_more_bits layers
    assert types["blk.5.attn_v.weight"] == q.Q6_K
    assert types["blk.4.ffn_down_exps.weight"] == q.Q4_K
    assert types["blk.4.ffn_up_exps.weight"] == q.Q4_K
    assert types["blk.4.ffn_gate_inp.weight"] == q.F32
    tiny = build_shaped_moe(tmp_path / "t.gguf", shape("tiny-test"), mix="Q4_K_M")
    written = {t.name: t.tensor_type for t in gguf.GGUFReader(str(tiny)).tensors}
    assert written["blk.1.ffn_down_exps.weight"] == q.Q6_K  # 2 layers: the last one
    assert written["blk.0.ffn_down_exps.weight"] == q.Q4_K
