"""Where each tensor and expert lives in a GGUF file, read from its header (never the engine).

A GGUF file is: header (magic, metadata, tensor infos, padding) up to ``data_offset``,
then each tensor's bytes at its own offset, aligned, with zero padding between them.
Changing one metadata value changes the header size and so shifts every offset; that
is why diffs and manifests address data by tensor *name* (and expert index), and only
this module turns names into byte ranges.

A stacked expert tensor (name ending in ``_exps.weight``) keeps the expert index as its
slowest dimension, so expert ``e`` of ``E`` is the contiguous block
``[e * length / E, (e + 1) * length / E)`` of the tensor's bytes.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from updater.errors import ContentError

EXPERT_SUFFIX = "_exps.weight"


@dataclass(frozen=True)
class TensorSpan:
    """One tensor's bytes in the file. ``n_expert`` is 0 for tensors that are not stacked."""

    name: str
    offset: int
    length: int
    n_expert: int = 0

    @property
    def expert_length(self) -> int:
        """Bytes per expert slice (the whole tensor when not stacked)."""
        return self.length // self.n_expert if self.n_expert else self.length

    def expert_range(self, start: int, stop: int) -> tuple[int, int]:
        """Absolute ``(offset, length)`` of experts ``[start, stop)``; whole tensor if unstacked."""
        if not self.n_expert:
            return self.offset, self.length
        if not 0 <= start < stop <= self.n_expert:
            raise ContentError(f"{self.name} has {self.n_expert} experts, not [{start}, {stop}).")
        size = self.expert_length
        return self.offset + start * size, (stop - start) * size


@dataclass(frozen=True)
class Layout:
    """Header size, file size and tensors sorted by offset."""

    data_offset: int
    file_length: int
    tensors: tuple[TensorSpan, ...]

    def by_name(self) -> dict[str, TensorSpan]:
        """Tensors keyed by name."""
        return {t.name: t for t in self.tensors}


def read_layout(path: Path) -> Layout:
    """Read tensor names and byte ranges of the GGUF at ``path``; ``ContentError`` if not GGUF."""
    try:
        with path.open("rb") as fh:
            header = _read_header(fh, path.stat().st_size)
    except (ValueError, OSError, struct.error, UnicodeDecodeError) as exc:
        raise ContentError(
            f"{path.name} is not a readable GGUF model ({exc}). "
            "Download the model again with `genba update check`."
        ) from exc
    tensors = []
    for info in header.tensors:
        length = _tensor_bytes(info)
        n_expert = 0
        if info.name.endswith(EXPERT_SUFFIX) and len(info.dims) >= 3:
            n_expert = info.dims[-1]  # dims are listed fastest first
            if n_expert <= 0 or length % n_expert:
                raise ContentError(f"{info.name} cannot be split into {n_expert} experts.")
        tensors.append(
            TensorSpan(
                name=info.name,
                offset=header.data_offset + info.offset,
                length=length,
                n_expert=n_expert,
            )
        )
    tensors.sort(key=lambda s: s.offset)
    length = header.file_length
    if tensors and tensors[-1].offset + tensors[-1].length > length:
        raise ContentError(f"{path.name} is truncated; download it again.")
    return Layout(data_offset=header.data_offset, file_length=length, tensors=tuple(tensors))


# -- the GGUF header, read field by field -----------------------------------------------------
# Only what a layout needs is kept: tensor infos and ``general.alignment``. Every other
# value, the vocabulary above all (49,155 strings, scores and types in a Granite-sized
# model), is skipped by seeking past it, so memory does not grow with the vocabulary.
# gguf-py's GGUFReader builds a numpy view per array element instead (~130 MiB for that
# vocabulary, which made `genba update apply` cost more than the model it updates).

_MAGIC = b"GGUF"
_STRING, _ARRAY = 8, 9
_SCALAR_SIZES = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}
_UINT32 = 4
_MAX_DIMS = 4  # GGML_MAX_DIMS
_MAX_NAME = 1 << 16
_DEFAULT_ALIGNMENT = 32
_U32 = struct.Struct("<I")
_U64 = struct.Struct("<Q")


@dataclass(frozen=True)
class _TensorInfo:
    name: str
    dims: tuple[int, ...]
    ggml_type: int
    offset: int  # relative to the data section


@dataclass(frozen=True)
class _Header:
    data_offset: int
    file_length: int
    tensors: tuple[_TensorInfo, ...]


class _Fields:
    """Little-endian reads from a GGUF file that never go past its end."""

    def __init__(self, fh: BinaryIO, file_length: int) -> None:
        self.fh = fh
        self.file_length = file_length

    def take(self, size: int) -> bytes:
        data = self.fh.read(size)
        if len(data) != size:
            raise ValueError("the header ends early")
        return data

    def u32(self) -> int:
        value: int = _U32.unpack(self.take(4))[0]
        return value

    def u64(self) -> int:
        value: int = _U64.unpack(self.take(8))[0]
        return value

    def skip(self, size: int) -> None:
        if self.fh.tell() + size > self.file_length:
            raise ValueError("a value runs past the end of the file")
        self.fh.seek(size, 1)

    def string(self, limit: int = _MAX_NAME) -> str:
        size = self.u64()
        if size > limit:
            raise ValueError(f"a name of {size} bytes")
        return self.take(size).decode("utf-8")

    def skip_value(self, vtype: int) -> None:
        if vtype in _SCALAR_SIZES:
            self.skip(_SCALAR_SIZES[vtype])
        elif vtype == _STRING:
            self.skip(self.u64())
        elif vtype == _ARRAY:
            item_type, count = self.u32(), self.u64()
            if item_type in _SCALAR_SIZES:
                self.skip(count * _SCALAR_SIZES[item_type])
            else:
                for _ in range(count):  # strings or nested arrays: one length at a time
                    self.skip_value(item_type)
        else:
            raise ValueError(f"unknown value type {vtype}")


def _read_header(fh: BinaryIO, file_length: int) -> _Header:
    fields = _Fields(fh, file_length)
    if fields.take(4) != _MAGIC:
        raise ValueError("no GGUF magic")
    version = fields.u32()
    if version not in (2, 3):
        raise ValueError(f"GGUF version {version} is not supported")
    n_tensors, n_kv = fields.u64(), fields.u64()
    if n_tensors > file_length or n_kv > file_length:
        raise ValueError("impossible counts")
    alignment = _DEFAULT_ALIGNMENT
    for _ in range(n_kv):
        key = fields.string()
        vtype = fields.u32()
        if key == "general.alignment":
            if vtype != _UINT32:
                raise ValueError("general.alignment is not a uint32")
            alignment = fields.u32()
            if alignment <= 0 or alignment & (alignment - 1):
                raise ValueError("general.alignment is not a power of two")
        else:
            fields.skip_value(vtype)
    infos = []
    for _ in range(n_tensors):
        name = fields.string()
        n_dims = fields.u32()
        if not 0 < n_dims <= _MAX_DIMS:
            raise ValueError(f"{name} has {n_dims} dimensions")
        dims = tuple(fields.u64() for _ in range(n_dims))
        infos.append(_TensorInfo(name, dims, fields.u32(), fields.u64()))
    end = fh.tell()
    data_offset = end + (-end) % alignment
    return _Header(data_offset, file_length, tuple(infos))


def _tensor_bytes(info: _TensorInfo) -> int:
    """Bytes of a tensor, from ggml's block table (gguf-py's copy of it)."""
    import gguf  # numpy comes with it: kept out of `genba update status`

    try:
        block, type_size = gguf.GGML_QUANT_SIZES[gguf.GGMLQuantizationType(info.ggml_type)]
    except (ValueError, KeyError) as exc:
        raise ContentError(
            f"{info.name} has a tensor type ({info.ggml_type}) this genba does not know; "
            "update genba."
        ) from exc
    elements = 1
    for dim in info.dims:
        elements *= dim
    return elements * type_size // block
