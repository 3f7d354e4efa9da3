"""``genba models set-range FILE --useful-min K``: a publisher declares a model's useful N.

Writes ``genba.experts.useful_min`` (and ``--useful-default``,
``genba.experts.useful_default``) into the GGUF with the gguf library, atomically
(:func:`engine.models.useful.write_useful_range`), after checking the file with
``genba inspect``'s validation. Meant for a file before it is published or
imported: a file already in genba's model store is refused, since changing it
would break the sha256 the store verifies (``--out`` writes a copy instead).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from disk.store import store_holding

from engine.errors import BadInputError, ModelStoreError
from engine.paths import Paths


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def run_set_range(args: argparse.Namespace) -> int:
    """Check the file and the values, write the keys, and print what the file now says."""
    from engine.models.info import inspect_model
    from engine.models.useful import check_range, write_useful_range

    source: Path = args.path
    target: Path = args.out or source
    info = inspect_model(source)
    if not info.expert_used_overridable:
        raise BadInputError(
            f"{source} fixes N in every layer (expert_used_count per layer), so no other N "
            "runs and a useful range means nothing for it."
        )
    problem = check_range(args.useful_min, args.useful_default, info.expert_count)
    if problem:
        raise BadInputError(problem)
    store = store_holding(target, getattr(args, "genba_paths", None) or Paths.default())
    if store is not None:
        where = "the machine-wide model store" if store == "machine" else "genba's model store"
        raise BadInputError(
            f"{target} is in {where}; changing it would break its verified "
            "checksum. Write a copy with --out, then `genba models import` it."
        )
    try:
        write_useful_range(source, target, args.useful_min, args.useful_default)
    except OSError as exc:
        raise ModelStoreError(
            f"Could not write {target}: {exc.strerror or exc}. Check the folder's free space "
            "and permissions; the file was left as it was."
        ) from exc
    useful = inspect_model(target).useful_range
    recommended = f", recommended N={useful.recommended}" if useful.recommended else ""
    sys.stdout.write(f"{target}: useful minimum N={useful.floor}{recommended}\n")
    return 0


def register(sub: Any) -> None:
    """Add ``set-range`` to the ``genba models`` subcommands."""
    rng = sub.add_parser(
        "set-range", help="write a model's useful range of N into its GGUF (for publishers)"
    )
    rng.add_argument("path", type=Path, help="the .gguf file (not one in the model store)")
    rng.add_argument(
        "--useful-min", type=_positive, required=True,
        help="fewest active experts that still answer usefully (the answer modes' floor)",
    )  # fmt: skip
    rng.add_argument(
        "--useful-default", type=_positive, default=None,
        help="the N you recommend when nothing else decides (optional)",
    )  # fmt: skip
    rng.add_argument("--out", type=Path, default=None, help="write a copy here instead")
    rng.set_defaults(func=run_set_range)
