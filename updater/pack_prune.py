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

The file is streamed from the base (:mod:`updater.gguf_stream`: metadata records copied
as raw bytes, tensor data in chunks, so memory stays a few MiB whatever the model and
vocabulary size) into a temp file beside ``out`` that is fsynced and renamed over it
(:func:`disk.atomic.staged_file`).
"""

from __future__ import annotations

import json
import re
import struct
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from disk.atomic import staged_file

from updater.errors import BadInputError, ContentError
from updater.files import sha256_file, storage_error
from updater.gguf_stream import FLOAT32, STRING, UINT32, Header, read_header, write_cut

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


def _check_info(info: PackInfo) -> None:
    if info.source not in SOURCES:
        raise BadInputError(
            f"Pack source must be one of {', '.join(SOURCES)}, not {info.source!r}."
        )
    if not 0.0 < info.coverage <= 1.0:
        raise BadInputError(f"Coverage must be in (0, 1], not {info.coverage}.")
    if not info.name.strip():
        raise BadInputError("Give the pack a name (the site it is for).")


def _header(path: Path) -> Header:
    try:
        return read_header(path)
    except (ValueError, OSError, UnicodeDecodeError, KeyError, struct.error) as exc:
        raise ContentError(f"{path.name} is not a readable GGUF model ({exc}).") from exc


def _moe_shape(header: Header, path: Path) -> tuple[str, int, list[int]]:
    """``(arch, E, MoE block numbers)``; ``ContentError`` if the file is no MoE."""
    values = header.values()
    arch = str(values.get("general.architecture"))
    count = values.get(f"{arch}.expert_count")
    if not isinstance(count, int) or count < 1:
        raise ContentError(f"{path.name} is not a Mixture-of-Experts model (no expert count).")
    layers = sorted(
        {
            int(m.group(1))
            for t in header.tensors
            if (m := _BLOCK.match(t.name)) and _ROUTER in t.name
        }
    )
    return arch, count, layers


def _new_values(
    header: Header, arch: str, *, n_expert: int, chosen: list[list[int]], info: PackInfo
) -> dict[str, tuple[int, Any]]:
    """Records the pack sets (GGUF type, value): counts, capped N keys, provenance."""
    k = len(chosen[0])
    new: dict[str, tuple[int, Any]] = {
        f"{arch}.expert_count": (UINT32, k),
        PACK_NAME_KEY: (STRING, info.name),
        PACK_BASE_SHA256_KEY: (STRING, info.base_sha256),
        PACK_BASE_EXPERT_COUNT_KEY: (UINT32, n_expert),
        PACK_KEPT_KEY: (STRING, json.dumps(chosen, separators=(",", ":"))),
        PACK_COVERAGE_KEY: (FLOAT32, float(info.coverage)),
        PACK_SOURCE_KEY: (STRING, info.source),
    }
    for record in header.records:
        value = record.value
        if record.key == f"{arch}.expert_count":  # keeps its own integer type
            new[record.key] = (record.vtype, k)
        elif (
            record.key in (f"{arch}.expert_used_count", *USEFUL_KEYS)
            and isinstance(value, int)
            and not isinstance(value, bool)
        ):
            new[record.key] = (record.vtype, min(value, k))
    return new


def _cuts(header: Header, by_block: dict[int, list[int]], n_expert: int) -> dict[str, list[int]]:
    """Per-expert tensors of the MoE layers → the expert ids they keep (shapes checked)."""
    cuts: dict[str, list[int]] = {}
    for t in header.tensors:
        m = _BLOCK.match(t.name)
        ids = by_block.get(int(m.group(1))) if m and _per_expert(t.name) else None
        if ids is None:
            continue
        if t.dims[-1] != n_expert or t.length % n_expert:
            raise ContentError(
                f"{t.name} should have {n_expert} experts as its slowest dimension "
                f"but has shape {list(t.dims)}; this model cannot be cut into a pack."
            )
        cuts[t.name] = ids
    return cuts


def prune_gguf(base: Path, out: Path, kept: Sequence[Sequence[int]], info: PackInfo) -> PackResult:
    """Write ``out``: ``base`` keeping experts ``kept[i]`` in the i-th MoE layer (block order).

    Raises ``BadInputError`` for a bad choice or pack info, ``ContentError`` when the
    base is not a GGUF MoE this can cut, ``StorageError`` when writing fails (``out``
    is then untouched).
    """
    _check_info(info)
    header = _header(base)
    arch, n_expert, layers = _moe_shape(header, base)
    chosen = check_kept(kept, len(layers), n_expert)
    if not info.base_sha256:
        info = replace(info, base_sha256=sha256_file(base))
    new = _new_values(header, arch, n_expert=n_expert, chosen=chosen, info=info)
    cuts = _cuts(header, dict(zip(layers, chosen, strict=True)), n_expert)
    mode = base.stat().st_mode & 0o777
    try:
        with staged_file(out) as staged:
            write_cut(base, header, staged.file, set_values=new, drop=PACK_KEYS, cuts=cuts)
            staged.commit(out, mode=mode)
    except OSError as exc:
        raise storage_error(exc, f"writing the pack {out.name}") from exc
    return PackResult(
        kept_count=len(chosen[0]),
        base_expert_count=n_expert,
        moe_layers=tuple(layers),
        base_length=base.stat().st_size,
        length=out.stat().st_size,
    )


def base_shape(path: Path) -> tuple[int, list[int]]:
    """``(E, MoE block numbers)`` of a GGUF MoE; ``ContentError`` if it is not one."""
    _arch, count, layers = _moe_shape(_header(path), path)
    return count, layers


def read_pack_info(path: Path) -> dict[str, Any] | None:
    """The ``genba.pack.*`` keys of a GGUF (kept experts parsed), or None if it is no pack."""
    values = _header(path).values()
    if PACK_NAME_KEY not in values:
        return None
    found = {key.removeprefix("genba.pack."): values[key] for key in PACK_KEYS if key in values}
    kept = found.get("kept_experts")
    if isinstance(kept, str):
        found["kept_experts"] = json.loads(kept)
    return found
