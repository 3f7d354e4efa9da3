"""What a site pack says about itself: the ``genba.pack.*`` metadata of its GGUF.

A site pack (issue 15) is a full model pruned to K of its E experts per layer by
``genba-publish pack`` (:mod:`updater.pack_prune`), which writes ``genba.pack.name``,
``genba.pack.base_sha256`` (the full model it was cut from), ``genba.pack.base_expert_count``
(E) and ``genba.pack.kept_experts`` (JSON: per layer, the base expert behind each pack
expert). The publisher reads it here to put the pack in the right target line and to
diff it from its base; the engine reads the same keys for what it shows
(``engine.models.pack``), since neither package may import the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from updater.errors import BadInputError

NAME_KEY = "genba.pack.name"
BASE_SHA_KEY = "genba.pack.base_sha256"
BASE_EXPERTS_KEY = "genba.pack.base_expert_count"


@dataclass(frozen=True)
class PackMeta:
    """A pack's name, the sha256 of the full model it was cut from, and E of that model."""

    name: str
    base_sha256: str
    base_expert_count: int


def _value(reader: Any, key: str) -> Any:
    field = reader.fields.get(key)
    return None if field is None else field.contents()


def read_pack_meta(path: Path) -> PackMeta | None:
    """The pack metadata of the GGUF at ``path``; None for a full model (no pack name)."""
    import gguf  # heavy import kept out of the client's common paths

    try:
        reader = gguf.GGUFReader(str(path), "r")
    except (ValueError, OSError, IndexError, KeyError) as exc:
        raise BadInputError(f"{path} is not a readable GGUF model ({exc}).") from exc
    try:
        name = _value(reader, NAME_KEY)
        if name is None:
            return None
        base_sha = _value(reader, BASE_SHA_KEY)
        base_experts = _value(reader, BASE_EXPERTS_KEY)
    finally:
        del reader  # the reader memory-maps the file
    return PackMeta(
        name=str(name),
        base_sha256=str(base_sha or "").lower(),
        base_expert_count=int(base_experts or 0),
    )
