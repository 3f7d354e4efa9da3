"""The pack pruner: a pruned tiny MoE is a valid GGUF that llama.cpp loads and answers with,
its kept expert slices are the base's bytes, and a bad expert choice is one clear line."""

from __future__ import annotations

import json
from pathlib import Path

import gguf
import numpy as np
import pytest

from engine.local.llama_adapter import prepare
from engine.models.useful import write_useful_range
from engine.tools.tiny_moe import TinyMoESpec, build_tiny_moe
from updater.errors import BadInputError
from updater.files import sha256_file
from updater.layout import read_layout
from updater.pack_prune import PackInfo, prune_gguf, read_pack_info

# Different experts per layer, same K = 4 of 8.
KEPT = [[0, 2, 5, 7], [1, 2, 3, 4], [4, 5, 6, 7], [0, 1, 6, 7]]


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny MoE with Q4_0 experts and quantized attention, and genba's useful range 3..6."""
    root = tmp_path_factory.mktemp("pack-base")
    spec = TinyMoESpec(
        expert_type=gguf.GGMLQuantizationType.Q4_0,
        dense_type=gguf.GGMLQuantizationType.Q8_0,
        n_expert_used=6,
    )
    raw = build_tiny_moe(root / "raw.gguf", spec)
    write_useful_range(raw, root / "base.gguf", useful_min=3, useful_default=6)
    return root / "base.gguf"


@pytest.fixture(scope="module")
def pack(base: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pack") / "site.gguf"
    result = prune_gguf(base, out, KEPT, PackInfo(name="machining", coverage=0.9, source="text"))
    assert (result.kept_count, result.base_expert_count) == (4, 8)
    assert result.length < result.base_length
    return out


def _tensor(path: Path, name: str) -> tuple[gguf.GGMLQuantizationType, list[int], bytes]:
    reader = gguf.GGUFReader(str(path), "r")
    t = next(t for t in reader.tensors if t.name == name)
    return t.tensor_type, [int(d) for d in t.shape], bytes(np.asarray(t.data).tobytes())


def test_kept_slices_are_the_bases_bytes(base: Path, pack: Path) -> None:
    base_layout, pack_layout = read_layout(base).by_name(), read_layout(pack).by_name()
    base_bytes, pack_bytes = base.read_bytes(), pack.read_bytes()
    for layer, ids in enumerate(KEPT):
        for kind in ("gate", "up", "down"):
            name = f"blk.{layer}.ffn_{kind}_exps.weight"
            old, new = base_layout[name], pack_layout[name]
            assert new.n_expert == 4 and new.expert_length == old.expert_length
            for slot, expert in enumerate(ids):
                o_off, o_len = old.expert_range(expert, expert + 1)
                n_off, n_len = new.expert_range(slot, slot + 1)
                assert pack_bytes[n_off : n_off + n_len] == base_bytes[o_off : o_off + o_len]
        qtype, shape, router = _tensor(pack, f"blk.{layer}.ffn_gate_inp.weight")
        _, base_shape, base_router = _tensor(base, f"blk.{layer}.ffn_gate_inp.weight")
        assert shape == [base_shape[0], 4]
        row = len(base_router) // 8
        assert router == b"".join(base_router[e * row : (e + 1) * row] for e in ids)
    # Tensors that are not per expert are copied unchanged (quantized attention too).
    for name in ("token_embd.weight", "blk.2.attn_q.weight", "output.weight"):
        assert _tensor(pack, name) == _tensor(base, name)
    qtype, shape, _ = _tensor(pack, "blk.1.ffn_down_exps.weight")
    assert qtype == gguf.GGMLQuantizationType.Q4_0 and shape[-1] == 4


def test_metadata_counts_and_provenance(base: Path, pack: Path) -> None:
    fields = gguf.GGUFReader(str(pack), "r").fields
    assert fields["llama.expert_count"].contents() == 4
    assert fields["llama.expert_used_count"].contents() == 4  # min(6, K)
    assert fields["genba.experts.useful_min"].contents() == 3  # already below K
    assert fields["genba.experts.useful_default"].contents() == 4  # capped to K
    info = read_pack_info(pack)
    assert info is not None
    assert info["name"] == "machining" and info["source"] == "text"
    assert info["base_sha256"] == sha256_file(base)
    assert info["base_expert_count"] == 8
    assert info["kept_experts"] == KEPT
    assert info["coverage"] == pytest.approx(0.9)
    assert fields["genba.pack.kept_experts"].types[0] == gguf.GGUFValueType.STRING
    assert fields["genba.pack.base_expert_count"].types[0] == gguf.GGUFValueType.UINT32
    assert fields["genba.pack.coverage"].types[0] == gguf.GGUFValueType.FLOAT32
    assert read_pack_info(base) is None


def test_pack_loads_in_llama_cpp_and_answers(pack: Path) -> None:
    import llama_cpp

    prepare()
    llm = llama_cpp.Llama(model_path=str(pack), n_ctx=128, verbose=False, seed=1, logits_all=True)
    try:
        assert llm.metadata["llama.expert_count"] == "4"
        out = llm.create_completion("Hello", max_tokens=8, temperature=0.0)
        assert out["usage"]["completion_tokens"] > 0
        logits = np.asarray(llm.scores[: llm.n_tokens])
        assert np.isfinite(logits).all() and np.abs(logits).sum(axis=1).min() > 0
    finally:
        llm.close()


@pytest.mark.parametrize(
    ("kept", "words"),
    [
        ([[0, 1]] * 3 + [[0, 1, 2]], "same number of experts"),
        ([[0, 8]] * 4, "experts 0..7"),
        ([[0, -1]] * 4, "experts 0..7"),
        ([[3, 3]] * 4, "twice"),
        ([[0, 1]] * 3, "4 MoE layers"),
    ],
)
def test_bad_choice_is_one_line_and_writes_nothing(
    base: Path, tmp_path: Path, kept: list[list[int]], words: str
) -> None:
    out = tmp_path / "bad.gguf"
    with pytest.raises(BadInputError, match=words) as caught:
        prune_gguf(base, out, kept, PackInfo(name="x", coverage=0.9))
    assert "\n" not in str(caught.value)
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_kept_ids_are_sorted_in_the_file(base: Path, tmp_path: Path) -> None:
    out = tmp_path / "p.gguf"
    prune_gguf(base, out, [[7, 0]] * 4, PackInfo(name="x", coverage=0.5, base_sha256="ab"))
    info = read_pack_info(out)
    assert info is not None
    assert info["kept_experts"] == [[0, 7]] * 4 and info["base_sha256"] == "ab"
    assert json.loads(gguf.GGUFReader(str(out)).fields["genba.pack.kept_experts"].contents()) == (
        [[0, 7]] * 4
    )
