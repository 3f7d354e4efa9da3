"""The expert-diff format: build a diff between two GGUF models and apply it, streaming.

File layout (all integers little-endian; full description in docs/expert-diff-format.md)::

    "GENBADIF"  u32 format=1  u32 flags=0          16 bytes
    zstd stream: the bytes of every ``literal`` op, in op order
    index: UTF-8 JSON (base, target, ops)
    u64 index_offset  u64 index_length             last 16 bytes

The target file is rebuilt strictly front to back from ops: ``literal`` (bytes from the
payload), ``copy`` (a tensor, a run of experts of a stacked tensor — numbered as in the *base's*
tensor, so a site pack with fewer experts copies its slices from the full model — or the
header, taken from the base model *by name*) and ``zero`` (alignment padding). Every op carries the
sha256 of the bytes it produces, so base pieces are hash-checked as they are copied,
and the whole output is checked against the target sha256. Memory stays bounded (1 MiB
copy chunks plus the zstd window, capped at :data:`MAX_WINDOW`) whatever the model size.
"""

from __future__ import annotations

import hashlib
import json
import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import zstandard

from updater.errors import BaseMismatchError, ContentError
from updater.files import CHUNK, copy_range
from updater.layout import Layout, read_layout
from updater.manifest import Manifest, TensorHashes

MAGIC = b"GENBADIF"
FORMAT = 1
PREFIX = struct.Struct("<8sII")
TRAILER = struct.Struct("<QQ")
MAX_INDEX = 64 << 20
MAX_WINDOW = 1 << 25  # 32 MiB: keeps apply memory bounded even for a hostile diff

Progress = Callable[[int, int], None]


@dataclass
class Op:
    """One step of rebuilding the target. ``tensor`` None with ``copy`` means the header."""

    kind: str  # "literal" | "copy" | "zero"
    length: int
    target_offset: int
    tensor: str | None = None
    experts: tuple[int, int] | None = None
    sha256: str = ""

    def to_json(self) -> dict[str, Any]:
        """Index form; ``target_offset`` is implied by order and not stored."""
        obj: dict[str, Any] = {"op": self.kind, "length": self.length, "sha256": self.sha256}
        if self.tensor is not None:
            obj["tensor"] = self.tensor
        if self.experts is not None:
            obj["experts"] = list(self.experts)
        return obj


@dataclass(frozen=True)
class DiffIndex:
    """Parsed index of a diff file."""

    base: dict[str, Any]
    target: dict[str, Any]
    ops: tuple[Op, ...]
    payload_offset: int


def _tensor_ops(want: TensorHashes, have: TensorHashes | None) -> list[Op]:
    span = want.span
    if have is not None and have.span.length == span.length and have.sha256 == want.sha256:
        return [Op("copy", span.length, span.offset, span.name)]
    if have is not None and _same_slice_size(want, have):
        return _picked_expert_ops(want, have)
    return [Op("literal", span.length, span.offset, span.name)]


def _same_slice_size(want: TensorHashes, have: TensorHashes) -> bool:
    """Both tensors are stacked with equal expert slices (their expert counts may differ)."""
    return bool(
        want.span.n_expert
        and have.span.n_expert
        and want.span.expert_length == have.span.expert_length
        and len(want.experts) == want.span.n_expert
        and len(have.experts) == have.span.n_expert
    )


def _picked_expert_ops(want: TensorHashes, have: TensorHashes) -> list[Op]:
    """Ops for a stacked tensor whose experts are some of the base's, in any order.

    A site pack keeps K of the base's E experts per layer (docs/expert-diff-format.md,
    "Packs"), and a later pack version may keep a different K. Each target expert is
    looked up by hash among the base's experts (its own index first, so an unchanged
    expert is never "found" elsewhere); runs of target experts that come from
    consecutive base experts become one ``copy`` whose ``experts`` are the *base's*
    range, the rest ``literal`` runs. Format 1 already means exactly that: a copy's
    ``experts`` are resolved against the base file's tensor.
    """
    span = want.span
    where: dict[str, int] = {}
    for e, sha in enumerate(have.experts):
        where.setdefault(sha, e)
    sources: list[int | None] = []
    for e, sha in enumerate(want.experts):
        same_place = e < len(have.experts) and have.experts[e] == sha
        sources.append(e if same_place else where.get(sha))
    ops: list[Op] = []
    i = 0
    while i < len(sources):
        source = sources[i]
        j = i + 1
        if source is None:
            while j < len(sources) and sources[j] is None:
                j += 1
            offset, length = span.expert_range(i, j)
            ops.append(Op("literal", length, offset, span.name, (i, j)))
        else:
            while j < len(sources) and sources[j] == source + (j - i):
                j += 1
            offset, length = span.expert_range(i, j)
            ops.append(Op("copy", length, offset, span.name, (source, source + j - i)))
        i = j
    return ops


def plan(base: Manifest, target: Manifest) -> list[Op]:
    """Ops that rebuild ``target`` from ``base``; padding is resolved later from the bytes."""
    header = target.layout.data_offset
    if base.header_sha256 == target.header_sha256 and base.layout.data_offset == header:
        ops = [Op("copy", header, 0)]
    else:
        ops = [Op("literal", header, 0)]
    have = base.by_name()
    pos = header
    for want in target.tensors:
        if want.span.offset > pos:
            ops.append(Op("zero", want.span.offset - pos, pos))
        ops += _tensor_ops(want, have.get(want.span.name))
        pos = want.span.offset + want.span.length
    if target.length > pos:
        ops.append(Op("zero", target.length - pos, pos))
    return ops


def build_diff(
    base: Manifest, target: Manifest, target_path: Path, out: BinaryIO, level: int = 9
) -> DiffIndex:
    """Write the diff from ``base`` to the model at ``target_path`` into ``out``."""
    ops = plan(base, target)
    out.write(PREFIX.pack(MAGIC, FORMAT, 0))
    cctx = zstandard.ZstdCompressor(level=level)
    with target_path.open("rb") as src:
        writer: Any = cctx.stream_writer(out, closefd=False)
        for op in ops:
            src.seek(op.target_offset)
            data_digest = hashlib.sha256()
            left, nonzero = op.length, False
            while left > 0:
                chunk = src.read(min(CHUNK, left))
                data_digest.update(chunk)
                nonzero = nonzero or chunk.count(0) != len(chunk)
                if op.kind == "literal":
                    writer.write(chunk)
                left -= len(chunk)
            if op.kind == "zero" and nonzero:
                raise ContentError("The target model has non-zero padding; it is not a clean GGUF.")
            op.sha256 = data_digest.hexdigest()
        writer.flush(zstandard.FLUSH_FRAME)
        writer.close()
    index: dict[str, Any] = {
        "format": FORMAT,
        "base": {"sha256": base.sha256, "length": base.length, "version": base.version},
        "target": {"sha256": target.sha256, "length": target.length, "version": target.version},
        "ops": [op.to_json() for op in ops],
    }
    raw = json.dumps(index, separators=(",", ":")).encode()
    index_offset = out.tell()
    out.write(raw)
    out.write(TRAILER.pack(index_offset, len(raw)))
    return DiffIndex(index["base"], index["target"], tuple(ops), PREFIX.size)


def read_index(fh: BinaryIO) -> DiffIndex:
    """Read and check the index of an open diff file."""
    try:
        magic, fmt, _flags = PREFIX.unpack(fh.read(PREFIX.size))
        fh.seek(-TRAILER.size, 2)
        end = fh.tell()
        index_offset, index_length = TRAILER.unpack(fh.read(TRAILER.size))
        if magic != MAGIC or fmt != FORMAT:
            raise ValueError("not a genba expert diff of format 1")
        if index_length > MAX_INDEX or index_offset + index_length != end:
            raise ValueError("index out of bounds")
        fh.seek(index_offset)
        obj = json.loads(fh.read(index_length))
        ops = []
        pos = 0
        for raw in obj["ops"]:
            experts = raw.get("experts")
            op = Op(
                kind=raw["op"],
                length=int(raw["length"]),
                target_offset=pos,
                tensor=raw.get("tensor"),
                experts=(int(experts[0]), int(experts[1])) if experts else None,
                sha256=str(raw["sha256"]),
            )
            if op.kind not in {"literal", "copy", "zero"} or op.length < 0:
                raise ValueError(f"bad op {raw!r}")
            ops.append(op)
            pos += op.length
        if pos != int(obj["target"]["length"]):
            raise ValueError("ops do not add up to the target length")
        return DiffIndex(dict(obj["base"]), dict(obj["target"]), tuple(ops), PREFIX.size)
    except (ValueError, KeyError, TypeError, struct.error, OSError) as exc:
        raise ContentError(f"The update diff is malformed ({exc}); it was not applied.") from exc


def _base_range(op: Op, layout: Layout) -> tuple[int, int]:
    if op.tensor is None:
        return 0, layout.data_offset
    span = layout.by_name().get(op.tensor)
    if span is None:
        raise BaseMismatchError(f"The base model has no tensor {op.tensor}; the diff does not fit.")
    if op.experts is None:
        return span.offset, span.length
    return span.expert_range(*op.experts)


def apply_diff(
    base_path: Path, diff_path: Path, out: BinaryIO, progress: Progress | None = None
) -> DiffIndex:
    """Rebuild the target model into ``out`` (written sequentially); returns the index.

    Raises ``BaseMismatchError`` when ``base_path`` is not the diff's base and
    ``ContentError`` when any piece or the result fails its hash.
    """
    with diff_path.open("rb") as fh:
        index = read_index(fh)
        layout = read_layout(base_path)
        if layout.file_length != index.base["length"]:
            raise BaseMismatchError(
                f"This diff updates model version {index.base['version']}, not the local file "
                f"{base_path.name}. Run `genba update check` to pick a matching update."
            )
        fh.seek(index.payload_offset)
        reader = zstandard.ZstdDecompressor(max_window_size=MAX_WINDOW).stream_reader(
            fh, read_size=CHUNK, closefd=False
        )
        sink = _Sink(out)
        total = int(index.target["length"])
        with base_path.open("rb") as base:
            for op in index.ops:
                try:
                    _apply_op(op, base, reader, layout, sink)
                except zstandard.ZstdError as exc:
                    raise ContentError(f"The update diff is corrupt ({exc}); not applied.") from exc
                if progress is not None:
                    progress(op.target_offset + op.length, total)
    if sink.whole.hexdigest() != index.target["sha256"]:
        raise ContentError("The rebuilt model does not match the diff's target hash; not applied.")
    return index


class _Sink:
    """The output file plus the running sha256 of everything written to it."""

    def __init__(self, out: BinaryIO) -> None:
        self.out = out
        self.whole = hashlib.sha256()

    def write(self, chunk: bytes, piece: Any) -> None:
        piece.update(chunk)
        self.whole.update(chunk)
        self.out.write(chunk)


def _apply_op(op: Op, base: BinaryIO, reader: Any, layout: Layout, sink: _Sink) -> None:
    piece = hashlib.sha256()
    if op.kind == "copy":
        offset, length = _base_range(op, layout)
        if length != op.length:
            raise BaseMismatchError(f"{op.tensor} has a different size in the base model.")
        copy_range(base, offset, length, sink.out, piece, sink.whole)
    else:
        zeros = bytes(min(CHUNK, op.length))
        left = op.length
        while left > 0:
            size = min(CHUNK, left)
            chunk = reader.read(size) if op.kind == "literal" else zeros[:size]
            if not chunk:
                raise ContentError("The update diff ended early; it was not applied.")
            sink.write(chunk, piece)
            left -= len(chunk)
    if piece.hexdigest() != op.sha256:
        what = "base model" if op.kind == "copy" else "diff"
        name = op.tensor or "header"
        raise (BaseMismatchError if op.kind == "copy" else ContentError)(
            f"Piece {name} {op.experts or ''} from the {what} failed its hash check; not applied."
        )
