"""Model inspection: what a GGUF MoE file holds, read without loading its weights.

Uses gguf-py's memory-mapped reader, so inspecting a 20 GB model touches only
its header pages. Everything genba decides before loading (is it a MoE, may N
be overridden, how many bytes a token reads at each N, how much KV cache a
token of context costs) comes from here.

Invariants: :func:`inspect_model` either returns a complete :class:`ModelInfo`
or raises a :class:`~engine.errors.ModelFileError` subclass; it never lets a
gguf-py or numpy exception escape.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gguf

from engine.errors import (
    ModelNotFoundError,
    NotGGUFError,
    NotMoEError,
    TruncatedModelError,
    UnsupportedArchitectureError,
)

GGUF_MAGIC = b"GGUF"
_EXPERT_TENSOR = re.compile(r"^blk\.(\d+)\.(ffn_\w+_exps)\.weight$")
_LAYER_TENSOR = re.compile(r"^blk\.(\d+)\.")


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
    """What genba knows about a model file before loading it."""

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
        return {
            "path": str(self.path),
            "name": self.name,
            "architecture": self.architecture,
            "file_bytes": self.file_bytes,
            "expert_count": self.expert_count,
            "expert_used_count": self.expert_used_count,
            "expert_used_overridable": self.expert_used_overridable,
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


def _field_value(reader: gguf.GGUFReader, key: str) -> Any:
    found = reader.fields.get(key)
    if found is None:
        return None
    return found.contents()


def _check_magic(path: Path) -> int:
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            magic = fh.read(4)
    except FileNotFoundError as exc:
        raise ModelNotFoundError(
            f"Model file {path} does not exist. Check the path, or run `genba models list`."
        ) from exc
    except OSError as exc:
        raise ModelNotFoundError(
            f"Cannot read model file {path}: {exc.strerror}. Check its permissions."
        ) from exc
    if path.is_dir():
        raise ModelNotFoundError(f"{path} is a folder; give the path of a .gguf file inside it.")
    if magic != GGUF_MAGIC:
        raise NotGGUFError(
            f"{path} is not a GGUF model file (it does not start with 'GGUF'). "
            "Use a .gguf file made for llama.cpp."
        )
    return size


def _open_reader(path: Path, size: int) -> gguf.GGUFReader:
    try:
        reader = gguf.GGUFReader(path, "r")
    except (ValueError, IndexError, OSError, KeyError, UnicodeDecodeError) as exc:
        raise TruncatedModelError(
            f"{path} is damaged or incomplete ({exc}). Download or copy the model again."
        ) from exc
    end = max((int(t.data_offset) + int(t.n_bytes) for t in reader.tensors), default=0)
    if end > size:
        raise TruncatedModelError(
            f"{path} is incomplete: its tensors need {end} bytes but the file has {size}. "
            "Download or copy the model again."
        )
    return reader


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


def _require_int(value: Any, what: str, path: Path) -> int:
    if isinstance(value, int):
        return value
    raise TruncatedModelError(f"{path} has no valid '{what}' entry. The file may be damaged.")


def inspect_model(path: Path | str) -> ModelInfo:
    """Read a GGUF file's metadata and tensor layout; raise a ModelFileError if unusable."""
    path = Path(path)
    size = _check_magic(path)
    reader = _open_reader(path, size)
    arch = _field_value(reader, "general.architecture")
    if not isinstance(arch, str):
        raise TruncatedModelError(f"{path} names no architecture. The file may be damaged.")
    if arch not in known_architectures():
        raise UnsupportedArchitectureError(
            f"{path} uses architecture '{arch}', which this genba's llama.cpp does not know. "
            "Update genba or pick a model from `genba models list`."
        )
    n_expert = _field_value(reader, f"{arch}.expert_count") or 0
    experts = _expert_tensors(reader, int(n_expert)) if n_expert else ()
    if not n_expert or not experts:
        raise NotMoEError(
            f"{path} is a dense '{arch}' model with no experts, so genba cannot choose top-N "
            "experts. Use a Mixture-of-Experts GGUF (see `genba models list`)."
        )
    used_field = reader.fields.get(f"{arch}.expert_used_count")
    used_raw = _field_value(reader, f"{arch}.expert_used_count")
    overridable = used_field is not None and gguf.GGUFValueType.ARRAY not in used_field.types
    used = int(max(used_raw)) if isinstance(used_raw, list) else int(used_raw or 0)
    block_count = _require_int(_field_value(reader, f"{arch}.block_count"), "block_count", path)
    head_count = _field_value(reader, f"{arch}.attention.head_count") or 1
    head_count_kv = _field_value(reader, f"{arch}.attention.head_count_kv") or head_count
    if isinstance(head_count, list):
        head_count = max(head_count)
    if isinstance(head_count_kv, list):
        head_count_kv = max(head_count_kv)
    return ModelInfo(
        path=path,
        name=str(_field_value(reader, "general.name") or path.stem),
        architecture=arch,
        file_bytes=size,
        expert_count=int(n_expert),
        expert_used_count=used,
        expert_used_overridable=overridable,
        moe_layers=len({t.layer for t in experts}),
        block_count=block_count,
        context_length=int(_field_value(reader, f"{arch}.context_length") or 0),
        embedding_length=int(_field_value(reader, f"{arch}.embedding_length") or 0),
        head_count=int(head_count),
        head_count_kv=int(head_count_kv),
        has_chat_template=reader.fields.get("tokenizer.chat_template") is not None,
        dense_bytes_per_token=_dense_bytes_per_token(reader),
        expert_tensors=experts,
        metadata={
            k: _field_value(reader, k)
            for k in reader.fields
            if k.startswith("general.") and not k.startswith("general.file")
        },
    )
