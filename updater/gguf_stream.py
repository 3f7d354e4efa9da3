"""Read a GGUF header as byte ranges, and write a copy with changed keys and cut tensors.

Why not gguf-py: its ``GGUFReader`` builds a numpy view per array element, so the
49k-token vocabulary of the default model alone costs ~157 MiB of memory, and its
writer needs every value decoded. Here every metadata record is kept as the byte range
it occupies in the base file and copied as is, unless the caller replaces it; only
scalars and short strings are decoded. Tensor data is copied in chunks, whole or as
chosen slices of the slowest dimension (an expert of a stacked tensor: a contiguous
block). Memory stays a few MiB whatever the model's size. Little-endian GGUF v2/v3 only
(what llama.cpp writes); the layout reader in :mod:`updater.layout` shares the format.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from updater.files import CHUNK

STRING, ARRAY = 8, 9
UINT32, INT32, FLOAT32, UINT64, INT64 = 4, 5, 6, 10, 11
_SCALARS = {
    0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?",
    10: "<Q", 11: "<q", 12: "<d",
}  # fmt: skip
_MAX_DIMS = 4
_MAX_DECODED = 1 << 20  # strings longer than this stay undecoded (a chat template is ~10 KB)


@dataclass(frozen=True)
class Record:
    """One metadata record: key, type, its bytes ``[start, end)`` in the file, and its value
    when it is a scalar or a string (None for arrays and very long strings)."""

    key: str
    vtype: int
    start: int
    end: int
    value: Any


@dataclass(frozen=True)
class TensorInfo:
    """A tensor's name, dims (fastest first), ggml type, data offset (from the data section)
    and byte length."""

    name: str
    dims: tuple[int, ...]
    ggml_type: int
    offset: int
    length: int


@dataclass(frozen=True)
class Header:
    """The parsed header: records, tensors, alignment and where the data section starts."""

    records: tuple[Record, ...]
    tensors: tuple[TensorInfo, ...]
    alignment: int
    data_offset: int

    def values(self) -> dict[str, Any]:
        """Decoded values by key (None where not decoded)."""
        return {r.key: r.value for r in self.records}


class _Reader:
    def __init__(self, fh: BinaryIO, length: int) -> None:
        self.fh, self.length = fh, length

    def take(self, size: int) -> bytes:
        if self.fh.tell() + size > self.length:
            raise ValueError("a value runs past the end of the file")
        return self.fh.read(size)

    def unpack(self, fmt: str) -> Any:
        return struct.unpack(fmt, self.take(struct.calcsize(fmt)))[0]

    def string(self, limit: int) -> str | None:
        size = self.unpack("<Q")
        if size > limit:
            self.take_skip(size)
            return None
        return self.take(size).decode("utf-8")

    def take_skip(self, size: int) -> None:
        if self.fh.tell() + size > self.length:
            raise ValueError("a value runs past the end of the file")
        self.fh.seek(size, 1)

    def value(self, vtype: int, decode: bool) -> Any:
        if vtype in _SCALARS:
            return self.unpack(_SCALARS[vtype])
        if vtype == STRING:
            return self.string(_MAX_DECODED if decode else -1)
        if vtype == ARRAY:
            item, count = self.unpack("<I"), self.unpack("<Q")
            if item in _SCALARS:
                self.take_skip(count * struct.calcsize(_SCALARS[item]))
            else:
                for _ in range(count):  # strings or nested arrays: one length at a time
                    self.value(item, decode=False)
            return None
        raise ValueError(f"unknown value type {vtype}")


def tensor_length(dims: Sequence[int], ggml_type: int) -> int:
    """Bytes of a tensor of ``dims`` and ``ggml_type`` (ggml's block table, via gguf-py)."""
    import gguf

    block, type_size = gguf.GGML_QUANT_SIZES[gguf.GGMLQuantizationType(ggml_type)]
    elements = 1
    for dim in dims:
        elements *= dim
    return elements * type_size // block


def read_header(path: Path) -> Header:
    """Parse ``path``'s header; ``ValueError`` (or ``OSError``) when it is not a GGUF."""
    length = path.stat().st_size
    with path.open("rb") as fh:
        r = _Reader(fh, length)
        if r.take(4) != b"GGUF":
            raise ValueError("no GGUF magic")
        if r.unpack("<I") not in (2, 3):
            raise ValueError("unsupported GGUF version")
        n_tensors, n_kv = r.unpack("<Q"), r.unpack("<Q")
        if n_tensors > length or n_kv > length:
            raise ValueError("impossible counts")
        records = []
        for _ in range(n_kv):
            start = fh.tell()
            key = r.string(1 << 16)
            if key is None:
                raise ValueError("a key longer than 64 KiB")
            vtype = r.unpack("<I")
            value = r.value(vtype, decode=True)
            records.append(Record(key, vtype, start, fh.tell(), value))
        tensors = []
        for _ in range(n_tensors):
            name = r.string(1 << 16)
            n_dims = r.unpack("<I")
            if name is None or not 0 < n_dims <= _MAX_DIMS:
                raise ValueError("a bad tensor info")
            dims = tuple(r.unpack("<Q") for _ in range(n_dims))
            ggml_type, offset = r.unpack("<I"), r.unpack("<Q")
            tensors.append(
                TensorInfo(name, dims, ggml_type, offset, tensor_length(dims, ggml_type))
            )
        end = fh.tell()
    align = next((int(x.value) for x in records if x.key == "general.alignment"), 32)
    if align <= 0 or align & (align - 1):
        raise ValueError("general.alignment is not a power of two")
    data_offset = end + (-end) % align
    for t in tensors:
        if data_offset + t.offset + t.length > length:
            raise ValueError(f"{t.name} runs past the end of the file (truncated?)")
    return Header(tuple(records), tuple(tensors), align, data_offset)


def encode(key: str, vtype: int, value: Any) -> bytes:
    """One metadata record's bytes: a scalar (``_SCALARS`` types) or a string."""
    raw_key = key.encode("utf-8")
    head = struct.pack("<Q", len(raw_key)) + raw_key + struct.pack("<I", vtype)
    if vtype == STRING:
        raw = str(value).encode("utf-8")
        return head + struct.pack("<Q", len(raw)) + raw
    return head + struct.pack(_SCALARS[vtype], value)


def _copy(src: BinaryIO, dst: BinaryIO, start: int, length: int) -> None:
    src.seek(start)
    while length > 0:
        chunk = src.read(min(CHUNK, length))
        if not chunk:
            raise ValueError("the base file ended early")
        dst.write(chunk)
        length -= len(chunk)


def _pad(dst: BinaryIO, align: int) -> None:
    dst.write(b"\0" * ((-dst.tell()) % align))


def write_cut(
    base: Path,
    header: Header,
    dst: BinaryIO,
    *,
    set_values: Mapping[str, tuple[int, Any]],
    drop: Sequence[str],
    cuts: Mapping[str, Sequence[int]],
) -> None:
    """Write ``base`` to ``dst`` (at position 0) with records ``set_values`` (key → (type,
    value); replaced in place, else appended), ``drop`` keys removed, and tensors in
    ``cuts`` (name → kept indices of the slowest dimension, ascending) cut to those slices.
    Tensor order, types and alignment stay the base's."""
    existing = {r.key for r in header.records}
    kept_records = [r for r in header.records if r.key not in drop]
    appended = [k for k in set_values if k not in existing]
    infos: list[tuple[TensorInfo, tuple[int, ...], int]] = []
    offset = 0
    for t in header.tensors:
        dims, length = t.dims, t.length
        if t.name in cuts:
            dims = (*t.dims[:-1], len(cuts[t.name]))
            length = t.length // t.dims[-1] * len(cuts[t.name])
        infos.append((t, dims, offset))
        offset += length + (-length) % header.alignment
    with base.open("rb") as src:
        dst.write(
            b"GGUF" + struct.pack("<IQQ", 3, len(header.tensors), len(kept_records) + len(appended))
        )
        for r in kept_records:
            if r.key in set_values:
                dst.write(encode(r.key, *set_values[r.key]))
            else:
                _copy(src, dst, r.start, r.end - r.start)
        for key in appended:
            dst.write(encode(key, *set_values[key]))
        for t, dims, off in infos:
            raw = t.name.encode("utf-8")
            dst.write(struct.pack("<Q", len(raw)) + raw + struct.pack("<I", len(dims)))
            dst.write(struct.pack(f"<{len(dims)}Q", *dims) + struct.pack("<IQ", t.ggml_type, off))
        _pad(dst, header.alignment)
        data_start = dst.tell()
        for t, _dims, off in infos:
            if dst.tell() != data_start + off:
                raise ValueError("tensor offsets out of step")  # a bug, never bad input
            at = header.data_offset + t.offset
            if t.name in cuts:
                size = t.length // t.dims[-1]
                for index in cuts[t.name]:
                    _copy(src, dst, at + index * size, size)
            else:
                _copy(src, dst, at, t.length)
            _pad(dst, header.alignment)
