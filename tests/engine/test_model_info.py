"""Model inspection on real GGUF files: the tiny MoE and deliberately broken ones."""

from __future__ import annotations

import itertools
from pathlib import Path

import gguf
import numpy as np
import pytest

from engine.errors import (
    ModelNotFoundError,
    NotGGUFError,
    NotMoEError,
    TruncatedModelError,
    UnsupportedArchitectureError,
)
from engine.models.info import inspect_model


def _write_minimal(
    path: Path, arch: str, *, experts: int = 0, per_layer_used: bool = False
) -> Path:
    writer = gguf.GGUFWriter(str(path), arch=arch)
    writer.add_block_count(2)
    writer.add_context_length(128)
    writer.add_embedding_length(32)
    writer.add_head_count(2)
    if experts:
        writer.add_expert_count(experts)
        if per_layer_used:
            writer.add_array(f"{arch}.expert_used_count", [2, 2])
        else:
            writer.add_expert_used_count(2)
    writer.add_tensor("token_embd.weight", np.zeros((16, 32), dtype=np.float32))
    for il in range(2):
        if experts:
            writer.add_tensor(
                f"blk.{il}.ffn_up_exps.weight", np.zeros((experts, 8, 32), dtype=np.float32)
            )
        else:
            writer.add_tensor(f"blk.{il}.ffn_up.weight", np.zeros((8, 32), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def test_tiny_moe_metadata(tiny_moe_path: Path) -> None:
    info = inspect_model(tiny_moe_path)
    assert info.architecture == "llama"
    assert info.expert_count == 8
    assert info.expert_used_count == 2
    assert info.expert_used_overridable
    assert info.moe_layers == 4
    assert info.context_length == 1024
    assert info.has_chat_template
    assert info.file_bytes == tiny_moe_path.stat().st_size
    assert len(info.expert_tensors) == 12  # gate, up, down in 4 layers


def test_expert_byte_ranges_match_the_tensor_data(tiny_moe_path: Path) -> None:
    info = inspect_model(tiny_moe_path)
    reader = gguf.GGUFReader(tiny_moe_path)
    by_name = {t.name: t for t in reader.tensors}
    raw = tiny_moe_path.read_bytes()
    for tensor in info.expert_tensors:
        assert tensor.type_name == "Q8_0"
        data = np.asarray(by_name[tensor.name].data)
        ranges = [tensor.expert_range(e) for e in range(tensor.n_expert)]
        # Contiguous, equal, covering the whole tensor.
        assert ranges[0][0] == tensor.data_offset
        assert all(a[1] == b[0] for a, b in itertools.pairwise(ranges))
        assert ranges[-1][1] == tensor.data_offset + tensor.n_bytes
        for e, (start, end) in enumerate(ranges):
            assert raw[start:end] == data[e].tobytes()
    with pytest.raises(IndexError):
        info.expert_tensors[0].expert_range(8)


def test_bytes_per_token_grows_by_one_expert_per_step(tiny_moe_path: Path) -> None:
    info = inspect_model(tiny_moe_path)
    per_n = info.bytes_per_token_by_n
    assert sorted(per_n) == list(range(1, 9))
    steps = {per_n[n + 1] - per_n[n] for n in range(1, 8)}
    assert steps == {info.bytes_per_expert_all_layers}
    # At N = E every byte of the experts is read, plus dense weights.
    all_expert_bytes = sum(t.n_bytes for t in info.expert_tensors)
    assert per_n[8] - info.dense_bytes_per_token == all_expert_bytes
    assert info.as_dict()["bytes_per_token"]["2"] == per_n[2]


def test_per_layer_expert_used_count_is_not_overridable(tmp_path: Path) -> None:
    info = inspect_model(
        _write_minimal(tmp_path / "arr.gguf", "llama", experts=4, per_layer_used=True)
    )
    assert not info.expert_used_overridable
    assert info.expert_used_count == 2


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFoundError, match="does not exist"):
        inspect_model(tmp_path / "nope.gguf")


def test_not_a_gguf(tmp_path: Path) -> None:
    bad = tmp_path / "notes.gguf"
    bad.write_text("this is a text file, not a model")
    with pytest.raises(NotGGUFError, match="not a GGUF"):
        inspect_model(bad)


def test_truncated_file(tiny_moe_path: Path, tmp_path: Path) -> None:
    raw = tiny_moe_path.read_bytes()
    for cut in (20, 2000, len(raw) // 2, len(raw) - 1):
        part = tmp_path / f"cut-{cut}.gguf"
        part.write_bytes(raw[:cut])
        with pytest.raises(TruncatedModelError, match=r"(incomplete|damaged)"):
            inspect_model(part)


def test_dense_model_is_not_moe(tmp_path: Path) -> None:
    with pytest.raises(NotMoEError, match="no experts"):
        inspect_model(_write_minimal(tmp_path / "dense.gguf", "llama"))


def test_unknown_architecture(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedArchitectureError, match="frobnicator"):
        inspect_model(_write_minimal(tmp_path / "odd.gguf", "frobnicator", experts=4))
