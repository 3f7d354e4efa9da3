"""Write a *site pack*: a GGUF MoE that keeps only K chosen experts in every MoE layer.

A pack is the base model with, in each MoE layer ``l``, only the experts ``kept[l]``
(ascending ids, the same count K in every layer: llama.cpp reads one
``<arch>.expert_count`` for the whole model, but which K may differ per layer).
Everything else is copied unchanged, byte for byte:

* every *per-expert* tensor of a MoE layer is cut along its slowest dimension, which
  is the expert index: the stacked experts ``blk.N.ffn_{gate,up,down}_exps.*``
  (quantized or not), the router rows ``blk.N.ffn_gate_inp.*`` and the per-expert
  routing bias ``blk.N.exp_probs_b.*`` some architectures have. Because the expert
  is the slowest dimension, expert ``e`` is one contiguous block of whole quant blocks
  (see ``updater/layout.py``), so a kept slice is byte-identical to the base's;
* ``<arch>.expert_count`` becomes K, ``<arch>.expert_used_count`` ``min(old, K)``,
  genba's useful-range keys ``genba.experts.useful_min``/``useful_default`` (written by
  ``engine/models/useful.py``; names copied here because the updater never imports the
  engine) are capped to K;
* provenance keys (a contract with the delivery side, ``updater/pack_*``):
  ``genba.pack.name`` (str), ``genba.pack.base_sha256`` (str),
  ``genba.pack.base_expert_count`` (u32, E), ``genba.pack.kept_experts`` (str: JSON
  list of lists of expert ids, one list per MoE layer in block order),
  ``genba.pack.coverage`` (f32: the routing-mass share the choice aimed at),
  ``genba.pack.source`` (str: ``"stats"`` or ``"text"``).

The file is written tensor by tensor from the base's memory map (at most one
tensor's kept slices in memory; models reach 1 GB+) into a temp file beside
``out`` that is fsynced and renamed over it (:func:`disk.atomic.staged_file`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from disk.atomic import staged_file

from updater.errors import BadInputError, ContentError
from updater.files import sha256_file, storage_error

PACK_NAME_KEY = "genba.pack.name"
PACK_BASE_SHA256_KEY = "genba.pack.base_sha256"
PACK_BASE_EXPERT_COUNT_KEY = "genba.pack.base_expert_count"
PACK_KEPT_KEY = "genba.pack.kept_experts"
PACK_COVERAGE_KEY = "genba.pack.coverage"
PACK_SOURCE_KEY = "genba.pack.source"
PACK_KEYS = (
    PACK_NAME_KEY,
    PACK_BASE_SHA256_KEY,
    PACK_BASE_EXPERT_COUNT_KEY,
    PACK_KEPT_KEY,
    PACK_COVERAGE_KEY,
    PACK_SOURCE_KEY,
)
# The engine's useful-range keys (engine/models/useful.py); capped to K in a pack.
USEFUL_KEYS = ("genba.experts.useful_min", "genba.experts.useful_default")
SOURCES = ("stats", "text")

_BLOCK = re.compile(r"^blk\.(\d+)\.")
_ROUTER = ".ffn_gate_inp."


def _per_expert(name: str) -> bool:
    """Is this block tensor indexed by expert (stacked experts, router, routing bias)?"""
    suffix = name.split(".", 2)[2] if name.count(".") >= 2 else name
    return "_exps." in suffix or suffix.startswith(("ffn_gate_inp.", "exp_probs_b."))


@dataclass(frozen=True)
class PackInfo:
    """What a pack records about itself. ``base_sha256`` empty: computed from the base."""

    name: str
    coverage: float
    source: str = "stats"
    base_sha256: str = ""


@dataclass(frozen=True)
class PackResult:
    """What :func:`prune_gguf` wrote: K of E experts, MoE layer ids, sizes in bytes."""

    kept_count: int
    base_expert_count: int
    moe_layers: tuple[int, ...]
    base_length: int
    length: int


def check_kept(kept: Sequence[Sequence[int]], n_layers: int, n_expert: int) -> list[list[int]]:
    """``kept`` as sorted lists, or ``BadInputError`` saying what is wrong with it.

    Rules: one list per MoE layer; the same count K (1..E) in every layer (llama.cpp
    has one expert count per model); ids in ``0..E-1``, no duplicates.
    """
    if len(kept) != n_layers:
        raise BadInputError(
            f"The expert choice lists {len(kept)} layers but the model has {n_layers} MoE "
            "layers; give one list of expert ids per MoE layer."
        )
    if n_layers == 0:
        raise BadInputError("This model has no MoE layers; there is nothing to prune.")
    out: list[list[int]] = []
    sizes = {len(ids) for ids in kept}
    if len(sizes) != 1:
        raise BadInputError(
            f"Every layer must keep the same number of experts (llama.cpp needs one expert "
            f"count), but the choice keeps {sorted(sizes)}; pick K experts in each layer."
        )
    for layer, ids in enumerate(kept):
        values = [int(i) for i in ids]
        if not values:
            raise BadInputError(f"Layer {layer} keeps no experts; keep at least one.")
        bad = [i for i in values if not 0 <= i < n_expert]
        if bad:
            raise BadInputError(
                f"Layer {layer} keeps expert {bad[0]}, but the model has experts 0..{n_expert - 1}."
            )
        if len(set(values)) != len(values):
            raise BadInputError(f"Layer {layer} lists an expert twice ({values}); list each once.")
        out.append(sorted(values))
    return out


def _field_value(field: Any) -> Any:
    return field.contents()


def _check_info(info: PackInfo) -> None:
    if info.source not in SOURCES:
        raise BadInputError(
            f"Pack source must be one of {', '.join(SOURCES)}, not {info.source!r}."
        )
    if not 0.0 < info.coverage <= 1.0:
        raise BadInputError(f"Coverage must be in (0, 1], not {info.coverage}.")
    if not info.name.strip():
        raise BadInputError("Give the pack a name (the site it is for).")


def _open(path: Path) -> Any:
    import gguf  # heavy import kept out of the light CLI paths

    try:
        return gguf.GGUFReader(str(path), "r")
    except (ValueError, OSError, IndexError, KeyError) as exc:
        raise ContentError(f"{path.name} is not a readable GGUF model ({exc}).") from exc


def moe_layers_of(reader: Any) -> list[int]:
    """Block numbers that have a router (``blk.N.ffn_gate_inp.*``), ascending."""
    return sorted(
        {
            int(m.group(1))
            for t in reader.tensors
            if (m := _BLOCK.match(t.name)) and _ROUTER in t.name
        }
    )


def _new_values(
    fields: Any, arch: str, *, n_expert: int, chosen: list[list[int]], info: PackInfo
) -> dict[str, tuple[Any, Any]]:
    """Metadata keys the pack sets (value, GGUF type): counts, capped N keys, provenance."""
    import gguf

    k = len(chosen[0])
    used_key = f"{arch}.expert_used_count"
    new: dict[str, tuple[Any, Any]] = {
        f"{arch}.expert_count": (k, gguf.GGUFValueType.UINT32),
        PACK_NAME_KEY: (info.name, gguf.GGUFValueType.STRING),
        PACK_BASE_SHA256_KEY: (info.base_sha256, gguf.GGUFValueType.STRING),
        PACK_BASE_EXPERT_COUNT_KEY: (n_expert, gguf.GGUFValueType.UINT32),
        PACK_KEPT_KEY: (json.dumps(chosen, separators=(",", ":")), gguf.GGUFValueType.STRING),
        PACK_COVERAGE_KEY: (float(info.coverage), gguf.GGUFValueType.FLOAT32),
        PACK_SOURCE_KEY: (info.source, gguf.GGUFValueType.STRING),
    }
    for key in (used_key, *USEFUL_KEYS):
        if key in fields:
            value = _field_value(fields[key])
            if isinstance(value, int) and not isinstance(value, bool):
                new[key] = (min(value, k), fields[key].types[0])
    return new


def _plan(
    reader: Any, by_block: dict[int, list[int]], n_expert: int
) -> list[tuple[Any, list[int] | None]]:
    """Each tensor with the expert ids to keep (None: copy whole), shapes checked."""
    plan: list[tuple[Any, list[int] | None]] = []
    for tensor in reader.tensors:
        m = _BLOCK.match(tensor.name)
        ids = by_block.get(int(m.group(1))) if m and _per_expert(tensor.name) else None
        if ids is not None and (tensor.data.ndim < 1 or tensor.data.shape[0] != n_expert):
            raise ContentError(
                f"{tensor.name} should have {n_expert} experts as its slowest dimension "
                f"but has shape {list(tensor.shape)}; this model cannot be cut into a pack."
            )
        plan.append((tensor, ids))
    return plan


def prune_gguf(base: Path, out: Path, kept: Sequence[Sequence[int]], info: PackInfo) -> PackResult:
    """Write ``out``: ``base`` keeping experts ``kept[i]`` in the i-th MoE layer (block order).

    Raises ``BadInputError`` for a bad choice or pack info, ``ContentError`` when the
    base is not a GGUF MoE this can cut, ``StorageError`` when writing fails (``out``
    is then untouched).
    """
    _check_info(info)
    reader = _open(base)
    try:
        arch = str(_field_value(reader.fields["general.architecture"]))
        if f"{arch}.expert_count" not in reader.fields:
            raise ContentError(f"{base.name} is not a Mixture-of-Experts model (no expert count).")
        n_expert = int(_field_value(reader.fields[f"{arch}.expert_count"]))
        layers = moe_layers_of(reader)
        chosen = check_kept(kept, len(layers), n_expert)
        if not info.base_sha256:
            info = replace(info, base_sha256=sha256_file(base))
        new = _new_values(reader.fields, arch, n_expert=n_expert, chosen=chosen, info=info)
        plan = _plan(reader, dict(zip(layers, chosen, strict=True)), n_expert)
        try:
            _write(reader, arch, new=new, plan=plan, n_expert=n_expert, base=base, out=out)
        except OSError as exc:
            raise storage_error(exc, f"writing the pack {out.name}") from exc
    finally:
        del reader
    return PackResult(
        kept_count=len(chosen[0]),
        base_expert_count=n_expert,
        moe_layers=tuple(layers),
        base_length=base.stat().st_size,
        length=out.stat().st_size,
    )


def _write(
    reader: Any,
    arch: str,
    *,
    new: dict[str, tuple[Any, Any]],
    plan: list[tuple[Any, list[int] | None]],
    n_expert: int,
    base: Path,
    out: Path,
) -> None:
    """Stream the pack into a temp file beside ``out``, then rename it over ``out``."""
    import gguf

    mode = base.stat().st_mode & 0o777
    with staged_file(out) as staged:
        writer = gguf.GGUFWriter(str(staged.path), arch=arch)
        for name, field in reader.fields.items():
            if name == "general.architecture" or name.startswith("GGUF.") or name in new:
                continue
            if name in PACK_KEYS:  # a pack cut from a pack: the new provenance replaces it
                continue
            if name == "general.alignment":
                writer.add_custom_alignment(int(_field_value(field)))
                continue
            vtype = field.types[0]
            sub = field.types[-1] if vtype == gguf.GGUFValueType.ARRAY else None
            writer.add_key_value(name, _field_value(field), vtype, sub_type=sub)
        for key, (value, vtype) in new.items():
            writer.add_key_value(key, value, vtype)
        for tensor, ids in plan:
            shape = tuple(tensor.data.shape)
            nbytes = int(tensor.data.nbytes)
            if ids is not None:
                shape = (len(ids), *shape[1:])
                nbytes = nbytes // n_expert * len(ids)
            writer.add_tensor_info(
                tensor.name, shape, tensor.data.dtype, nbytes, tensor.tensor_type
            )
        writer.write_header_to_file()
        writer.write_kv_data_to_file()
        writer.write_ti_data_to_file()
        for tensor, ids in plan:
            # Fancy indexing copies only the kept experts of this one tensor.
            data = tensor.data if ids is None else tensor.data[ids]
            writer.write_tensor_data(data, tensor_endianess=reader.endianess)
        writer.close()
        staged.commit(out, mode=mode)


def base_shape(path: Path) -> tuple[int, list[int]]:
    """``(E, MoE block numbers)`` of a GGUF MoE; ``ContentError`` if it is not one."""
    reader = _open(path)
    try:
        arch = str(_field_value(reader.fields["general.architecture"]))
        if f"{arch}.expert_count" not in reader.fields:
            raise ContentError(f"{path.name} is not a Mixture-of-Experts model (no expert count).")
        return int(_field_value(reader.fields[f"{arch}.expert_count"])), moe_layers_of(reader)
    finally:
        del reader


def read_pack_info(path: Path) -> dict[str, Any] | None:
    """The ``genba.pack.*`` keys of a GGUF (kept experts parsed), or None if it is no pack."""
    reader = _open(path)
    try:
        if PACK_NAME_KEY not in reader.fields:
            return None
        found = {
            key.removeprefix("genba.pack."): _field_value(reader.fields[key])
            for key in PACK_KEYS
            if key in reader.fields
        }
    finally:
        del reader
    kept = found.get("kept_experts")
    if isinstance(kept, str):
        found["kept_experts"] = json.loads(kept)
    return found
