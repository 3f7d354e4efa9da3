"""The expert-diff format on its own: size tracks changed experts, output is byte-identical."""

from __future__ import annotations

import io
import tracemalloc
from dataclasses import replace
from pathlib import Path

import pytest

from engine.tools.tiny_moe import TinyMoESpec, build_tiny_moe
from tests.updater.testkit import CHANGED, derive_model
from updater.diff import apply_diff, build_diff, read_index
from updater.errors import BaseMismatchError, ContentError
from updater.layout import read_layout
from updater.manifest import build_manifest, compare_file


def _diff(tmp_path: Path, base: Path, target: Path) -> Path:
    out = tmp_path / "d.gdiff"
    with out.open("wb") as fh:
        build_diff(build_manifest(base, "1"), build_manifest(target, "2"), target, fh)
    return out


def test_apply_rebuilds_target_byte_identical(models: dict[str, Path], tmp_path: Path) -> None:
    diff = _diff(tmp_path, models["base"], models["new"])
    out = io.BytesIO()
    index = apply_diff(models["base"], diff, out)
    assert out.getvalue() == models["new"].read_bytes()
    # the header moved, so every offset shifted; the diff still only carries changed pieces
    assert read_layout(models["new"]).data_offset != read_layout(models["base"]).data_offset
    literals = [(op.tensor, op.experts) for op in index.ops if op.kind == "literal"]
    assert sorted(literals[1:]) == sorted(
        [("blk.1.ffn_up_exps.weight", (3, 4)), ("blk.2.ffn_down_exps.weight", (0, 2))]
    )


def test_diff_size_tracks_changed_experts(models: dict[str, Path], tmp_path: Path) -> None:
    diff = _diff(tmp_path, models["base"], models["new"])
    spans = read_layout(models["new"]).by_name()
    changed = sum(spans[name].expert_length for name, _ in CHANGED)
    header = read_layout(models["new"]).data_offset
    size = diff.stat().st_size
    assert changed < size < changed + header + 8192
    assert size < models["new"].stat().st_size / 10


def test_diff_for_other_base_is_rejected(models: dict[str, Path], tmp_path: Path) -> None:
    diff = _diff(tmp_path, models["base"], models["new"])
    # same size and tensor names, different expert bytes: caught by the per-piece hash
    with pytest.raises(BaseMismatchError, match="failed its hash check"):
        apply_diff(models["donor"], diff, io.BytesIO())


def test_tampered_diff_is_rejected(models: dict[str, Path], tmp_path: Path) -> None:
    diff = _diff(tmp_path, models["base"], models["new"])
    raw = bytearray(diff.read_bytes())
    raw[100] ^= 0xFF  # inside the zstd payload
    diff.write_bytes(bytes(raw))
    with pytest.raises(ContentError):
        apply_diff(models["base"], diff, io.BytesIO())


def test_truncated_diff_is_malformed(models: dict[str, Path], tmp_path: Path) -> None:
    diff = _diff(tmp_path, models["base"], models["new"])
    diff.write_bytes(diff.read_bytes()[:-5])
    with diff.open("rb") as fh, pytest.raises(ContentError, match="malformed"):
        read_index(fh)


def test_manifest_pinpoints_damaged_expert(models: dict[str, Path], tmp_path: Path) -> None:
    manifest = build_manifest(models["base"], "1")
    assert compare_file(models["base"], manifest) == []
    span = read_layout(models["base"]).by_name()["blk.3.ffn_gate_exps.weight"]
    offset, _ = span.expert_range(6, 7)
    damaged = tmp_path / "damaged.gguf"
    raw = bytearray(models["base"].read_bytes())
    raw[offset + 10] ^= 1
    damaged.write_bytes(bytes(raw))
    assert compare_file(damaged, manifest) == ["blk.3.ffn_gate_exps.weight#6"]


def test_apply_memory_does_not_grow_with_model_size(
    models: dict[str, Path], tmp_path: Path
) -> None:
    spec = TinyMoESpec(n_embd=256, n_ff=512, n_expert=16, n_head=8, n_head_kv=4)
    big = build_tiny_moe(tmp_path / "big.gguf", spec)
    donor = build_tiny_moe(tmp_path / "big-donor.gguf", replace(spec, seed=3))
    big_new = derive_model(big, donor, tmp_path / "big-new.gguf", CHANGED)
    assert big.stat().st_size > 28 * 2**20

    def peak(base: Path, target: Path) -> int:
        diff = _diff(tmp_path, base, target)
        tracemalloc.start()
        try:
            with (tmp_path / "out.gguf").open("wb") as out:
                apply_diff(base, diff, out)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    small_peak = peak(models["base"], models["new"])
    big_peak = peak(big, big_new)
    assert (tmp_path / "out.gguf").read_bytes() == big_new.read_bytes()
    # a fixed working set (1 MiB buffers, zstd window, GGUF header), not the model
    assert big_peak < 16 * 2**20
    assert big_peak - small_peak < 2 * 2**20
