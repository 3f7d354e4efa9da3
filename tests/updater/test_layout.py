"""The GGUF header reader behind every diff and manifest: gguf-py's answer, bounded memory."""

from __future__ import annotations

import struct
import tracemalloc
from dataclasses import replace
from pathlib import Path

import gguf
import pytest

from engine.tools.shaped_moe import build_shaped_moe, shape
from updater.errors import ContentError
from updater.layout import EXPERT_SUFFIX, Layout, read_layout

# Granite 3.1 1B-A400M's vocabulary and expert count on tiny widths: a ~6 MB file whose
# header is as large as the real model's (49,155 token strings, scores and types).
BIG_VOCAB = replace(
    shape("granite-3.1-1b-a400m"), n_layer=2, n_embd=64, n_head=4, n_head_kv=2, n_ff=32
)


@pytest.fixture(scope="module")
def big_vocab(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_shaped_moe(tmp_path_factory.mktemp("vocab") / "big-vocab.gguf", BIG_VOCAB)


def _as_gguf_py_reads_it(path: Path) -> Layout:
    reader = gguf.GGUFReader(str(path))
    spans = [
        (str(t.name), int(t.data_offset), int(t.n_bytes), int(t.shape[-1])) for t in reader.tensors
    ]
    data_offset = int(reader.data_offset)
    del reader
    layout = read_layout(path)
    assert layout.data_offset == data_offset
    assert sorted((s.name, s.offset, s.length) for s in layout.tensors) == sorted(
        (name, offset, length) for name, offset, length, _ in spans
    )
    experts = {s.name: s.n_expert for s in layout.tensors if s.n_expert}
    assert experts == {name: n for name, _, _, n in spans if name.endswith(EXPERT_SUFFIX)}
    return layout


def test_layout_matches_gguf_py(tiny_moe_path: Path, tmp_path: Path) -> None:
    assert len(_as_gguf_py_reads_it(tiny_moe_path).tensors) == 43
    # gguf-py needs seconds for a large vocabulary: a shaped model with a smaller one
    shaped = build_shaped_moe(tmp_path / "shaped.gguf", replace(BIG_VOCAB, n_vocab=2000))
    layout = _as_gguf_py_reads_it(shaped)
    assert {s.n_expert for s in layout.tensors if s.n_expert} == {32}


def test_layout_honours_a_custom_alignment(tmp_path: Path) -> None:
    path = tmp_path / "aligned.gguf"
    writer = gguf.GGUFWriter(str(path), arch="llama")
    writer.add_custom_alignment(256)
    writer.add_array("tokenizer.ggml.tokens", ["a", "bb", "ccc"])
    writer.add_tensor("a.weight", gguf.np.ones((3, 5), dtype=gguf.np.float32))
    writer.add_tensor("blk.0.ffn_up_exps.weight", gguf.np.ones((4, 2, 32), dtype=gguf.np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    layout = _as_gguf_py_reads_it(path)
    assert layout.data_offset % 256 == 0
    assert all(s.offset % 256 == 0 for s in layout.tensors)


def test_the_vocabulary_is_skipped_not_parsed(big_vocab: Path) -> None:
    read_layout(big_vocab)  # imports done outside the measurement
    tracemalloc.start()
    try:
        read_layout(big_vocab)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # gguf-py's reader peaks at ~100 MiB on this header (a numpy view per token, score
    # and type); the layout keeps ~50 tensor spans and reads small fields one by one
    assert peak < 1 << 20


def _header(*fields: bytes) -> bytes:
    return b"GGUF" + struct.pack("<I", 3) + b"".join(fields)


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        (b"not a model at all", "magic"),
        (_header(struct.pack("<QQ", 0, 1)), "ends early"),
        # a string array claiming 2**40 items: refused at the first missing length
        (
            _header(
                struct.pack("<QQ", 0, 1),
                struct.pack("<Q", 1),
                b"k",
                struct.pack("<IIQ", 9, 8, 1 << 40),
            ),
            "ends early|past the end",
        ),
        (
            _header(
                struct.pack("<QQ", 0, 1),
                struct.pack("<Q", 17),
                b"general.alignment",
                struct.pack("<II", 4, 48),
            ),
            "power of two",
        ),
        (
            _header(
                struct.pack("<QQ", 1, 0),
                struct.pack("<Q", 1),
                b"t",
                struct.pack("<IQIQ", 1, 32, 999, 0),
            ),
            "tensor type",
        ),
    ],
)
def test_bad_headers_are_one_clear_error(tmp_path: Path, raw: bytes, why: str) -> None:
    path = tmp_path / "bad.gguf"
    path.write_bytes(raw)
    with pytest.raises(ContentError, match=why):
        read_layout(path)
