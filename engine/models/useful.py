"""A model's useful range of N: the fewest active experts that still give useful answers.

A MoE trained at top-k degrades gracefully a little below k and collapses far
below it (the default model at N = 1 writes "seasonseason…"). So the answer
modes never go below a *floor*, and the floor comes from, in order:

1. the model file: ``genba.experts.useful_min`` (and optionally
   ``genba.experts.useful_default``, the N the publisher recommends), written by
   the default-model build from its own evaluation or by a publisher with
   ``genba models set-range``;
2. else the default rule :func:`rule_floor`: ``max(2, ceil(k / 2))`` for a model
   trained at top-k, never above k nor above the expert count.

Bad values in the file (not a whole number, outside ``1..expert_count``, a
default below the floor) are ignored with a logged warning; they never make a
model unusable, since the rule is always there to fall back on.

:func:`write_useful_range` rewrites a GGUF with the keys set, through the gguf
library and :func:`disk.atomic.staged_file` (temp file beside the target, fsync,
rename), so a reader sees the old file or the new, never half of one.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import gguf
from disk.atomic import staged_file

log = logging.getLogger(__name__)

USEFUL_MIN_KEY = "genba.experts.useful_min"
"""Fewest active experts per token that still answer usefully (uint32)."""
USEFUL_DEFAULT_KEY = "genba.experts.useful_default"
"""The N the publisher recommends when nothing else decides (uint32, optional)."""

FloorSource = Literal["file", "rule"]


@dataclass(frozen=True)
class UsefulRange:
    """The floor of N for one model, where it came from, and an optional recommended N."""

    floor: int
    source: FloorSource
    recommended: int | None = None


def rule_floor(expert_count: int, trained_k: int) -> int:
    """The floor for a model that declares none: ``max(2, ceil(k / 2))``, capped by k and E.

    Why: at half its trained top-k a MoE still mixes several experts per token
    and measured models stay usable (the default model, k = 11: perplexity 1.7×
    at N = 8, 2.4× at N = 6, 3.7× at N = 4, gibberish at N = 1; top-2 models
    lose most at N = 1, which drops mixing altogether). Never above k: a model
    trained at top-1 runs at 1.
    """
    k = max(1, trained_k)
    return max(1, min(max(2, math.ceil(k / 2)), k, max(1, expert_count)))


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _read(fields: dict[str, Any], key: str) -> Any:
    found = fields.get(key)
    if found is None:
        return None
    try:
        return found.contents()
    except (UnicodeDecodeError, ValueError, IndexError):
        return "unreadable"


def useful_range_of(
    fields: dict[str, Any], expert_count: int, trained_k: int, path: Path | str = ""
) -> UsefulRange:
    """The useful range from a GGUF reader's ``fields``; bad entries are logged and ignored."""
    rule = UsefulRange(rule_floor(expert_count, trained_k), "rule")
    raw_min = _read(fields, USEFUL_MIN_KEY)
    if raw_min is None:
        return rule
    if not (_whole(raw_min) and 1 <= raw_min <= expert_count):
        log.warning(
            "%s: ignoring %s = %r (must be a whole number in 1..%d); using the default rule "
            "(floor %d)", path, USEFUL_MIN_KEY, raw_min, expert_count, rule.floor,
        )  # fmt: skip
        return rule
    floor = int(raw_min)
    raw_default = _read(fields, USEFUL_DEFAULT_KEY)
    recommended: int | None = None
    if raw_default is not None:
        if _whole(raw_default) and floor <= raw_default <= expert_count:
            recommended = int(raw_default)
        else:
            log.warning(
                "%s: ignoring %s = %r (must be a whole number in %d..%d)",
                path, USEFUL_DEFAULT_KEY, raw_default, floor, expert_count,
            )  # fmt: skip
    return UsefulRange(floor, "file", recommended)


def check_range(useful_min: int, useful_default: int | None, expert_count: int) -> str | None:
    """Why these values cannot be written for a model with ``expert_count`` experts, or None."""
    if not 1 <= useful_min <= expert_count:
        return f"--useful-min must be between 1 and {expert_count} (the model's experts)."
    if useful_default is not None and not useful_min <= useful_default <= expert_count:
        return f"--useful-default must be between {useful_min} and {expert_count}."
    return None


def write_useful_range(
    source: Path, target: Path, useful_min: int, useful_default: int | None = None
) -> None:
    """Write ``source`` to ``target`` (may be the same file) with the useful-range keys set.

    ``useful_default`` None removes a stale one. Raises ``OSError`` (target
    untouched) when the write fails.
    """
    new: dict[str, tuple[Any, gguf.GGUFValueType]] = {
        USEFUL_MIN_KEY: (useful_min, gguf.GGUFValueType.UINT32)
    }
    if useful_default is not None:
        new[USEFUL_DEFAULT_KEY] = (useful_default, gguf.GGUFValueType.UINT32)
    rewrite_metadata(source, target, new, drop=(USEFUL_MIN_KEY, USEFUL_DEFAULT_KEY))


def rewrite_metadata(
    source: Path,
    target: Path,
    new: dict[str, tuple[Any, gguf.GGUFValueType]],
    drop: tuple[str, ...] = (),
) -> None:
    """Copy a GGUF with keys ``drop`` removed and ``new`` (value, type) added, atomically.

    Every other key and every tensor is copied unchanged (the gguf library's own
    ``gguf_new_metadata`` recipe), so quantized tensors keep their bytes.
    """
    reader = gguf.GGUFReader(source, "r")
    arch = reader.fields["general.architecture"].contents()
    mode = source.stat().st_mode & 0o777
    with staged_file(target) as staged:
        # gguf's writer opens the temp file by name; ``staged`` keeps it marked in use.
        writer = gguf.GGUFWriter(str(staged.path), arch=str(arch))
        for name, field in reader.fields.items():
            if name == "general.architecture" or name.startswith("GGUF.") or name in drop:
                continue
            if name == "general.alignment":
                writer.add_custom_alignment(int(field.contents()))
                continue
            vtype = field.types[0]
            sub = field.types[-1] if vtype == gguf.GGUFValueType.ARRAY else None
            writer.add_key_value(name, field.contents(), vtype, sub_type=sub)
        for key, (value, vtype) in new.items():
            writer.add_key_value(key, value, vtype)
        for tensor in reader.tensors:
            writer.add_tensor_info(
                tensor.name, tensor.data.shape, tensor.data.dtype, tensor.data.nbytes,
                tensor.tensor_type,
            )  # fmt: skip
        writer.write_header_to_file()
        writer.write_kv_data_to_file()
        writer.write_ti_data_to_file()
        for tensor in reader.tensors:
            writer.write_tensor_data(tensor.data, tensor_endianess=reader.endianess)
        writer.close()
        staged.commit(target, mode=mode)
