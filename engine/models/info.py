"""Model inspection: what a GGUF MoE file holds, read without loading its weights.

Uses gguf-py's memory-mapped reader, so inspecting a 20 GB model touches only
its header pages. Everything genba decides before loading (is it a MoE, may N
be overridden, how many bytes a token reads at each N, how much KV cache a
token of context costs) comes from here, and so does the one validation that
``genba inspect``, ``genba models import``, ``genba doctor``, the current-model
pointer and the engine's load all share.

Invariants: :func:`inspect_model` either returns a complete :class:`ModelInfo`
or raises a :class:`~engine.errors.ModelFileError` subclass; it never lets a
gguf-py or numpy exception escape, and never opens anything but a regular file
(a FIFO would block the reader forever).

llama.cpp aborts the whole process (``GGML_ASSERT``) on some metadata, so a file
that would make it abort is refused here, before it is loaded. The limits are
those of the bundled llama.cpp (llama-cpp-python 0.3.36, ``vendor/llama.cpp``):

* ``block_count`` in 1..LLAMA_MAX_LAYERS (``src/llama-model.cpp:1328``);
* ``nextn_predict_layers`` <= ``block_count`` (``src/llama-model.cpp:1330``);
* ``expert_count`` <= LLAMA_MAX_EXPERTS (``src/llama-model.cpp:1361``);
* ``expert_used_count`` present and, in every layer, in 1..``expert_count``
  (``src/llama-model.cpp:1362,1364``; a 0 in one layer of a per-layer array
  passes those asserts and crashes later with SIGSEGV). genba's load-time
  override of N does not help: N is read by ``get_key_or_arr``
  (``src/llama-model.cpp:1333``), which returns for a missing key before
  looking at overrides and hands an array to ``get_arr``, which never reads
  them (``src/llama-model-loader.cpp:459-481``; only ``get_key``, line 421, does);
* expert groups: fewer groups than experts, dividing them, with 1..groups-1 of
  them used (``src/llama-model.cpp:1365-1369``);
* a per-layer N that differs between layers only for Nemotron-H: every other
  architecture picks the first layer's N experts and sums each layer's own N
  (``src/llama-graph.cpp:1477,2349``), which aborts in ``ggml.c:1797`` when a
  layer asks for more than the first.

A per-layer ``expert_used_count`` array fixes N: llama.cpp applies the file's
values whatever N genba asks for (:attr:`ModelInfo.expert_used_per_layer`).
"""

from __future__ import annotations

import contextlib
import logging
import math
import mmap
import os
import re
import stat
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gguf

from engine.errors import (
    InvalidModelError,
    ModelNotFoundError,
    NotGGUFError,
    NotMoEError,
    TruncatedModelError,
    UnsupportedArchitectureError,
)
from engine.models.useful import UsefulRange, rule_floor, useful_range_of

log = logging.getLogger(__name__)

GGUF_MAGIC = b"GGUF"
LLAMA_MAX_LAYERS = 512  # vendor/llama.cpp/src/llama-hparams.h:11
LLAMA_MAX_EXPERTS = 1024  # vendor/llama.cpp/src/llama-hparams.h:12
# The only architectures whose graph uses each layer's own N (src/models/nemotron-h.cpp).
PER_LAYER_N_ARCHITECTURES = frozenset({"nemotron_h", "nemotron_h_moe"})

_EXPERT_TENSOR = re.compile(r"^blk\.(\d+)\.(ffn_\w+_exps)\.weight$")
_FIX = "Download the model again or use another one (see `genba models list`)."
_RECOPY = "Download or copy the model again."


@dataclass(frozen=True)
class ExpertTensor:
    """A stacked expert tensor: ``n_expert`` equal, contiguous byte blocks."""

    name: str
    layer: int
    type_name: str
    shape: tuple[int, ...]
    data_offset: int
    n_bytes: int
    n_expert: int

    @property
    def bytes_per_expert(self) -> int:
        """Size of one expert's slice (the expert index is the slowest dimension)."""
        return self.n_bytes // self.n_expert

    def expert_range(self, expert: int) -> tuple[int, int]:
        """Absolute ``[start, end)`` byte range of one expert's slice in the file."""
        if not 0 <= expert < self.n_expert:
            raise IndexError(f"expert {expert} outside 0..{self.n_expert - 1}")
        start = self.data_offset + expert * self.bytes_per_expert
        return start, start + self.bytes_per_expert


@dataclass(frozen=True)
class ModelInfo:
    """What genba knows about a model file before loading it.

    ``expert_used_per_layer`` is set when the file gives N per layer (an array):
    llama.cpp then ignores the ``<arch>.expert_used_count`` load override, so the
    file's N is the only N the model runs at (``expert_used_overridable`` is False
    and ``expert_used_count`` is the largest per-layer value).
    """

    path: Path
    name: str
    architecture: str
    file_bytes: int
    expert_count: int
    expert_used_count: int
    expert_used_overridable: bool
    moe_layers: int
    block_count: int
    context_length: int
    embedding_length: int
    head_count: int
    head_count_kv: int
    has_chat_template: bool
    dense_bytes_per_token: int
    expert_tensors: tuple[ExpertTensor, ...] = field(repr=False)
    metadata: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    expert_used_per_layer: tuple[int, ...] | None = None
    useful: UsefulRange | None = None
    """The floor of N (:mod:`engine.models.useful`); None means the default rule."""

    @property
    def useful_range(self) -> UsefulRange:
        """The model's useful range of N: from the file, else the default rule."""
        if self.useful is not None:
            return self.useful
        return UsefulRange(rule_floor(self.expert_count, self.expert_used_count), "rule")

    @property
    def bytes_per_expert_all_layers(self) -> int:
        """Bytes of one expert summed over every MoE layer and expert tensor."""
        return sum(t.bytes_per_expert for t in self.expert_tensors)

    def bytes_per_token(self, experts: int) -> int:
        """Weight bytes read to generate one token with ``experts`` active per layer."""
        return self.dense_bytes_per_token + experts * self.bytes_per_expert_all_layers

    @property
    def bytes_per_token_by_n(self) -> dict[int, int]:
        """:meth:`bytes_per_token` for every valid N."""
        return {n: self.bytes_per_token(n) for n in range(1, self.expert_count + 1)}

    @property
    def kv_bytes_per_token(self) -> int:
        """KV-cache bytes per token of context (f16 K and V in every layer)."""
        head_dim = self.embedding_length // max(self.head_count, 1)
        return 2 * 2 * self.block_count * self.head_count_kv * head_dim

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (the ``genba inspect --json`` contract)."""
        per_layer = self.expert_used_per_layer
        return {
            "path": str(self.path),
            "name": self.name,
            "architecture": self.architecture,
            "file_bytes": self.file_bytes,
            "expert_count": self.expert_count,
            "expert_used_count": self.expert_used_count,
            "expert_used_overridable": self.expert_used_overridable,
            "expert_used_per_layer": list(per_layer) if per_layer is not None else None,
            "useful_min": self.useful_range.floor,
            "useful_min_source": self.useful_range.source,
            "useful_default": self.useful_range.recommended,
            "moe_layers": self.moe_layers,
            "block_count": self.block_count,
            "context_length": self.context_length,
            "has_chat_template": self.has_chat_template,
            "kv_bytes_per_token": self.kv_bytes_per_token,
            "bytes_per_token": {str(n): b for n, b in self.bytes_per_token_by_n.items()},
            "expert_tensors": [
                {
                    "name": t.name,
                    "type": t.type_name,
                    "bytes_per_expert": t.bytes_per_expert,
                    "expert_ranges": [list(t.expert_range(e)) for e in range(t.n_expert)],
                }
                for t in self.expert_tensors
            ],
        }


def known_architectures() -> frozenset[str]:
    """Architecture names the bundled gguf/llama.cpp generation knows."""
    return frozenset(gguf.MODEL_ARCH_NAMES.values())


# -- the file itself ----------------------------------------------------------------
@contextlib.contextmanager
def _regular_file(path: Path) -> Iterator[int]:
    """An fd of ``path`` opened for reading, only if it is a regular file.

    The type is checked before opening (opening a FIFO without a writer blocks)
    and again on the descriptor, in case the path was swapped in between;
    ``O_NONBLOCK`` keeps even that swap from blocking the open.
    """
    try:
        mode = path.stat().st_mode
        _require_regular(path, mode)
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
        fd = os.open(path, flags)
    except (FileNotFoundError, NotADirectoryError) as exc:
        raise ModelNotFoundError.of("model_file.missing", path=str(path)) from exc
    except OSError as exc:
        raise ModelNotFoundError.of(
            "model_file.unreadable", path=str(path), error=str(exc.strerror or exc)
        ) from exc
    try:
        _require_regular(path, os.fstat(fd).st_mode)
        yield fd
    finally:
        os.close(fd)


def _require_regular(path: Path, mode: int) -> None:
    if stat.S_ISDIR(mode):
        raise ModelNotFoundError.of("model_file.folder", path=str(path))
    if not stat.S_ISREG(mode):
        raise ModelNotFoundError.of("model_file.not_regular", path=str(path))


def _check_magic(fd: int, path: Path, size: int) -> None:
    if size == 0:
        raise TruncatedModelError.of("model_file.empty", path=str(path))
    magic = os.read(fd, 4)  # the fd was just opened: this is the first 4 bytes
    if len(magic) < 4 and GGUF_MAGIC.startswith(magic):
        raise TruncatedModelError.of("model_file.header_cut", path=str(path))
    if magic != GGUF_MAGIC:
        raise NotGGUFError.of("model_file.not_gguf", path=str(path))


# -- the layout, walked with a bounds check on every read ----------------------------
_V = gguf.GGUFValueType
_SCALAR_BYTES: dict[int, int] = {
    _V.UINT8: 1, _V.INT8: 1, _V.BOOL: 1, _V.UINT16: 2, _V.INT16: 2, _V.UINT32: 4,
    _V.INT32: 4, _V.FLOAT32: 4, _V.UINT64: 8, _V.INT64: 8, _V.FLOAT64: 8,
}  # fmt: skip
_MIN_ITEM_BYTES: dict[int, int] = {_V.STRING: 8, _V.ARRAY: 12}
_MAX_ARRAY_DEPTH = 4
_GGML_MAX_DIMS = 4
_DEFAULT_ALIGNMENT = 32


class _Layout:
    """Walks a GGUF's header, metadata and tensor list, checking every read's bounds.

    gguf-py trusts the counts and lengths it reads, so a cut file surfaces as
    whatever numpy raises ("cannot reshape array of size 0..."). Walking the
    structure first turns any cut into one message naming where the file ends.
    """

    def __init__(self, buf: mmap.mmap, path: Path) -> None:
        self.buf, self.path, self.size = buf, path, len(buf)
        self.pos = 0
        self.section = "header"
        self.alignment = _DEFAULT_ALIGNMENT

    def ended(self) -> TruncatedModelError:
        return TruncatedModelError(
            f"{self.path} is incomplete: it ends inside its {self.section} "
            f"(after {self.size:,} bytes). {_RECOPY}"
        )

    def damaged(self, what: str) -> InvalidModelError:
        return InvalidModelError(f"{self.path} is damaged: {what} in its {self.section}. {_RECOPY}")

    def take(self, n: int) -> int:
        if n > self.size - self.pos:
            raise self.ended()
        self.pos += n
        return self.pos - n

    def uint(self, fmt: str) -> int:
        value: int = struct.unpack_from(fmt, self.buf, self.take(struct.calcsize(fmt)))[0]
        return value

    def string_is(self, expected: bytes) -> bool:
        """Read past a string; True if it is ``expected`` (a huge one is never copied)."""
        n = self.uint("<Q")
        start = self.take(n)
        return n == len(expected) and self.buf[start : self.pos] == expected

    def expect(self, count: int, min_bytes: int) -> None:
        """Refuse a count the rest of the file cannot hold (bounds the loops below)."""
        if count * min_bytes > self.size - self.pos:
            raise self.ended()

    def skip_value(self, vtype: int, depth: int = 0) -> None:
        if vtype in _SCALAR_BYTES:
            self.take(_SCALAR_BYTES[vtype])
        elif vtype == _V.STRING:
            self.take(self.uint("<Q"))
        elif vtype == _V.ARRAY and depth < _MAX_ARRAY_DEPTH:
            item, count = self.uint("<I"), self.uint("<Q")
            if item in _SCALAR_BYTES:
                self.take(count * _SCALAR_BYTES[item])
                return
            self.expect(count, _MIN_ITEM_BYTES.get(item, 1))
            for _ in range(count):
                self.skip_value(item, depth + 1)
        else:
            raise self.damaged(f"a value of unknown type {vtype}")  # or arrays nested too deep


def _check_layout(buf: mmap.mmap, path: Path) -> None:
    """Raise TruncatedModelError where ``buf`` ends early, InvalidModelError on nonsense."""
    walk = _Layout(buf, path)
    walk.take(4)  # the magic, checked already
    version = walk.uint("<I")
    n_tensors, n_kv = walk.uint("<Q"), walk.uint("<Q")
    if version not in (2, 3):
        endian = " for big-endian computers" if version & 0xFFFF == 0 else ""
        raise InvalidModelError(
            f"{path} was written in a GGUF version{endian} that llama.cpp here cannot read. "
            "Convert the model again with a current llama.cpp, or use another one."
        )
    walk.section = "metadata"
    walk.expect(n_kv, 13)  # key length, value type and the smallest value
    for _ in range(n_kv):
        is_alignment, vtype = walk.string_is(b"general.alignment"), walk.uint("<I")
        if is_alignment and vtype == _V.UINT32:
            walk.alignment = walk.uint("<I")
        else:
            walk.skip_value(vtype)
    if walk.alignment == 0 or walk.alignment & (walk.alignment - 1):
        raise walk.damaged(f"an alignment of {walk.alignment}")
    walk.section = "tensor list"
    walk.expect(n_tensors, 24)  # name length, dimension count, type and offset
    data_end = max((_tensor_end(walk) for _ in range(n_tensors)), default=0)
    data_start = -(-walk.pos // walk.alignment) * walk.alignment
    if data_end and data_start + data_end > walk.size:  # no tensor data, no padding needed
        raise TruncatedModelError(
            f"{path} is incomplete: its tensor data needs {data_start + data_end:,} bytes "
            f"but the file has {walk.size:,}. {_RECOPY}"
        )


def _tensor_end(walk: _Layout) -> int:
    """Read one tensor's info; return where its data ends (relative to the data section)."""
    walk.skip_value(_V.STRING)  # its name
    n_dims = walk.uint("<I")
    if n_dims > _GGML_MAX_DIMS:
        raise walk.damaged(f"a tensor with {n_dims} dimensions")
    dims = [walk.uint("<Q") for _ in range(n_dims)]
    type_id, offset = walk.uint("<I"), walk.uint("<Q")
    try:
        block, type_bytes = gguf.GGML_QUANT_SIZES[gguf.GGMLQuantizationType(type_id)]
    except (ValueError, KeyError):
        raise walk.damaged(f"a tensor of unknown type {type_id}") from None
    return offset + math.prod(dims) // block * type_bytes


# -- metadata values ----------------------------------------------------------------
def _open_reader(path: Path) -> gguf.GGUFReader:
    try:
        return gguf.GGUFReader(path, "r")
    except (ValueError, IndexError, KeyError, OverflowError, OSError) as exc:
        # The layout walk passed, so this is something subtler (a duplicated key or
        # tensor name, text that is not UTF-8). The detail goes to the log for
        # support; the operator gets what to do.
        log.info("gguf-py cannot read %s: %s", path, exc)
        raise InvalidModelError(
            f"{path} is damaged: its metadata cannot be read. {_RECOPY}"
        ) from exc


def _field_value(reader: gguf.GGUFReader, key: str, path: Path) -> Any:
    found = reader.fields.get(key)
    if found is None:
        return None
    try:
        return found.contents()
    except UnicodeDecodeError:
        raise InvalidModelError(
            f"{path} is damaged: its '{key}' entry is not valid text. {_RECOPY}"
        ) from None


def _text(reader: gguf.GGUFReader, key: str) -> Any:
    """A descriptive entry, or None when it is not valid text (llama.cpp never decodes it)."""
    found = reader.fields.get(key)
    try:
        return found.contents() if found is not None else None
    except UnicodeDecodeError:
        log.info("ignoring %s: not valid UTF-8", key)
        return None


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _int_field(
    reader: gguf.GGUFReader,
    key: str,
    path: Path,
    default: int | None = None,
    *,
    per_layer: bool = False,
) -> int:
    """A whole, non-negative entry (llama.cpp reads them as uint32, so -1 would wrap).

    ``per_layer`` accepts an array too and returns its largest value.
    """
    value = _field_value(reader, key, path)
    if value is None and default is not None:
        return default
    if per_layer and isinstance(value, list) and value:
        value = max(value) if all(_whole(v) for v in value) else None
    if _whole(value) and value >= 0:
        return int(value)
    what = "is missing" if key not in reader.fields else "is not a whole number"
    raise InvalidModelError(f"{path} is damaged: its '{key}' entry {what}. {_FIX}")


# -- what llama.cpp would abort on ----------------------------------------------------
def _check_block_count(reader: gguf.GGUFReader, arch: str, path: Path) -> int:
    n_layer = _int_field(reader, f"{arch}.block_count", path)
    if not 1 <= n_layer <= LLAMA_MAX_LAYERS:
        raise InvalidModelError(
            f"{path} says the model has {n_layer} layers (block_count); llama.cpp loads "
            f"1 to {LLAMA_MAX_LAYERS}. {_FIX}"
        )
    nextn = _int_field(reader, f"{arch}.nextn_predict_layers", path, default=0)
    if nextn > n_layer:
        raise InvalidModelError(
            f"{path} says {nextn} of its {n_layer} layers predict ahead "
            f"(nextn_predict_layers), more than it has. {_FIX}"
        )
    return n_layer


def _check_expert_count(
    reader: gguf.GGUFReader, arch: str, path: Path, experts: tuple[ExpertTensor, ...]
) -> None:
    n_expert = experts[0].n_expert
    if n_expert > LLAMA_MAX_EXPERTS:
        raise InvalidModelError(
            f"{path} says the model has {n_expert} experts (expert_count); llama.cpp allows "
            f"at most {LLAMA_MAX_EXPERTS}. {_FIX}"
        )
    for t in experts:
        # gguf lists dimensions fastest first: a stack of experts is [in, out, expert].
        held = f"{t.shape[-1]} experts" if len(t.shape) == 3 else "no stack of experts"
        if len(t.shape) != 3 or t.shape[-1] != n_expert:
            raise InvalidModelError(
                f"{path} says the model has {n_expert} experts (expert_count) but its tensor "
                f"{t.name} holds {held}. {_FIX}"
            )
    groups = _int_field(reader, f"{arch}.expert_group_count", path, default=0)
    used = _int_field(reader, f"{arch}.expert_group_used_count", path, default=0)
    if groups >= n_expert or (groups > 1 and (n_expert % groups or not 0 < used < groups)):
        raise InvalidModelError(
            f"{path} groups its {n_expert} experts in {groups} groups and uses {used} of them "
            "(expert_group_count, expert_group_used_count), which llama.cpp cannot run. "
            f"{_FIX}"
        )


def _expert_used(
    reader: gguf.GGUFReader, arch: str, path: Path, n_expert: int, n_layer: int
) -> tuple[int, tuple[int, ...] | None]:
    """The file's N, and its per-layer values when it gives them as an array."""
    key = f"{arch}.expert_used_count"
    value = _field_value(reader, key, path)
    if value is None:
        raise InvalidModelError(
            f"{path} does not say how many experts are active per token "
            f"(no expert_used_count). {_FIX}"
        )
    per_layer = tuple(value) if isinstance(value, list) else None
    values = per_layer if per_layer is not None else (value,)
    if not all(_whole(v) for v in values):
        raise InvalidModelError(
            f"{path} is damaged: its '{key}' entry is not a whole number. {_FIX}"
        )
    if per_layer is not None and len(per_layer) != n_layer:
        raise InvalidModelError(
            f"{path} gives active experts for {len(per_layer)} layers (expert_used_count) "
            f"but has {n_layer} layers. {_FIX}"
        )
    for layer, n in enumerate(values):
        if not 1 <= n <= n_expert:
            where = f" in layer {layer}" if per_layer is not None else ""
            raise InvalidModelError(
                f"{path} activates {n} experts per token{where} (expert_used_count) but has "
                f"{n_expert}; it must be between 1 and {n_expert}. {_FIX}"
            )
    if per_layer is not None and len(set(per_layer)) > 1 and arch not in PER_LAYER_N_ARCHITECTURES:
        raise InvalidModelError(
            f"{path} activates a different number of experts in different layers "
            f"({min(per_layer)} to {max(per_layer)}), which llama.cpp runs only for "
            f"Nemotron-H models, not '{arch}'. {_FIX}"
        )
    return max(values), per_layer


# -- inspection ---------------------------------------------------------------------
def _expert_tensors(reader: gguf.GGUFReader, n_expert: int) -> tuple[ExpertTensor, ...]:
    found = []
    for t in reader.tensors:
        m = _EXPERT_TENSOR.match(t.name)
        if m is None:
            continue
        found.append(
            ExpertTensor(
                name=t.name,
                layer=int(m.group(1)),
                type_name=t.tensor_type.name,
                shape=tuple(int(d) for d in t.shape),
                data_offset=int(t.data_offset),
                n_bytes=int(t.n_bytes),
                n_expert=n_expert,
            )
        )
    return tuple(found)


def _dense_bytes_per_token(reader: gguf.GGUFReader) -> int:
    names = {t.name for t in reader.tensors}
    tied_output = "output.weight" not in names
    total = 0
    for t in reader.tensors:
        if _EXPERT_TENSOR.match(t.name):
            continue
        if t.name == "token_embd.weight" and not tied_output:
            # An embedding lookup reads a single row per token.
            total += int(t.n_bytes) // max(int(t.shape[-1]), 1)
            continue
        total += int(t.n_bytes)
    return total


def _read(path: Path) -> tuple[gguf.GGUFReader, int]:
    """The parsed file and its size, once the file is known to be a complete GGUF."""
    with _regular_file(path) as fd:
        try:
            size = os.fstat(fd).st_size
            _check_magic(fd, path, size)
            with mmap.mmap(fd, 0, access=mmap.ACCESS_READ) as buf:
                _check_layout(buf, path)
        except OSError as exc:  # a read error, or a file system that cannot map files
            raise ModelNotFoundError.of(
                "model_file.unreadable.copy", path=str(path), error=str(exc.strerror or exc)
            ) from exc
    return _open_reader(path), size


def _architecture(reader: gguf.GGUFReader, path: Path) -> str:
    arch = _field_value(reader, "general.architecture", path)
    if not isinstance(arch, str):
        raise InvalidModelError(f"{path} names no architecture. The file may be damaged.")
    if arch not in known_architectures():
        raise UnsupportedArchitectureError.of(
            "model_file.unknown_architecture", path=str(path), arch=arch
        )
    return arch


#: The site-pack keys kept in ``ModelInfo.metadata`` (engine.models.pack imports this
#: module, so the names are repeated here rather than imported).
_PACK_KEYS = frozenset({
    "genba.pack.name", "genba.pack.base_expert_count", "genba.pack.base_sha256",
    "genba.pack.coverage", "genba.pack.source",
})  # fmt: skip


def inspect_model(path: Path | str) -> ModelInfo:
    """Read a GGUF file's metadata and tensor layout; raise a ModelFileError if unusable.

    Refuses, with one sentence that says what to do, every file llama.cpp would
    abort on (see the module docstring), so the caller can load what it returns.
    """
    path = Path(path)
    reader, size = _read(path)
    arch = _architecture(reader, path)
    n_expert = _int_field(reader, f"{arch}.expert_count", path, default=0)
    experts = _expert_tensors(reader, n_expert) if n_expert > 0 else ()
    if not experts:
        raise NotMoEError.of("model_file.dense", path=str(path), arch=arch)
    block_count = _check_block_count(reader, arch, path)
    _check_expert_count(reader, arch, path, experts)
    used, per_layer = _expert_used(reader, arch, path, n_expert, block_count)
    head_count = _int_field(reader, f"{arch}.attention.head_count", path, default=1, per_layer=True)
    return ModelInfo(
        path=path,
        name=str(_text(reader, "general.name") or path.stem),
        architecture=arch,
        file_bytes=size,
        expert_count=n_expert,
        expert_used_count=used,
        expert_used_overridable=per_layer is None,
        moe_layers=len({t.layer for t in experts}),
        block_count=block_count,
        context_length=_int_field(reader, f"{arch}.context_length", path, default=0),
        embedding_length=_int_field(reader, f"{arch}.embedding_length", path, default=0),
        head_count=head_count,
        head_count_kv=_int_field(
            reader, f"{arch}.attention.head_count_kv", path, default=head_count, per_layer=True
        ),
        has_chat_template=reader.fields.get("tokenizer.chat_template") is not None,
        dense_bytes_per_token=_dense_bytes_per_token(reader),
        expert_tensors=experts,
        metadata={
            k: _text(reader, k)
            for k in reader.fields
            if (k.startswith("general.") and not k.startswith("general.file"))
            or k in ("genba.demo", "genba.build.recipe")  # see engine.models.demo
            or k in _PACK_KEYS  # see engine.models.pack
        },
        expert_used_per_layer=per_layer,
        useful=useful_range_of(reader.fields, n_expert, used, path),
    )
