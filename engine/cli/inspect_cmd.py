"""``genba inspect MODEL [--json]``: what a GGUF MoE file holds, without loading it."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from engine.cli.common import print_json
from engine.models.info import ModelInfo, inspect_model


def _human(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.1f} {unit}" if unit != "B" else f"{int(n)} B"
        n /= 1024
    return f"{n:.1f} GiB"  # pragma: no cover


def run(args: argparse.Namespace) -> int:
    """Print the inspection as text or JSON."""
    info = inspect_model(args.model)
    if args.json:
        print_json(info.as_dict())
        return 0
    print(f"{info.name}  ({info.path})")
    print(f"  architecture       {info.architecture}")
    print(f"  file size          {_human(info.file_bytes)}")
    print(f"  experts            {info.expert_count}, {info.expert_used_count} active by default")
    print(f"  N overridable      {_overridable(info)}")
    print(f"  MoE layers         {info.moe_layers} of {info.block_count}")
    print(f"  context length     {info.context_length}")
    print(f"  chat template      {'yes' if info.has_chat_template else 'no'}")
    print("  weights read per generated token:")
    for n, b in info.bytes_per_token_by_n.items():
        if info.expert_used_overridable or n == info.expert_used_count:
            print(f"    N={n:<3} {_human(b)}")
    return 0


def _overridable(info: ModelInfo) -> str:
    """Whether N can be chosen; a per-layer array fixes it (llama.cpp ignores the override)."""
    per_layer = info.expert_used_per_layer
    if per_layer is None:
        return "yes"
    if len(set(per_layer)) == 1:
        return f"no: the file fixes N={per_layer[0]} in every layer"
    return f"no: the file fixes N per layer ({', '.join(map(str, per_layer))})"


def register(subparsers: Any) -> None:
    """Add ``inspect`` to the ``genba`` parser."""
    p = subparsers.add_parser("inspect", help="describe a GGUF MoE model file")
    p.add_argument("model", type=Path, help="path to a .gguf file")
    p.add_argument("--json", action="store_true", help="print JSON for scripts")
    p.set_defaults(func=run)
