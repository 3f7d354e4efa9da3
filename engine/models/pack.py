"""Whether a model is a site pack, and what the operator is told about it.

A site pack (issue 15) is a full model pruned by ``genba-publish pack`` to the K experts
per layer one site uses, out of the base model's E. Its GGUF says so in ``genba.pack.*``
metadata (written by the publisher's pruner, read by the updater's publisher too:
``updater.pack_meta``; the two packages may not import each other). ``genba models
list`` and the window's status area show "site pack <name> (K of E experts)".
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.models.info import ModelInfo

NAME_KEY = "genba.pack.name"
"""GGUF key (text): the pack's name, the one policy's ``updates.site_pack`` follows."""

BASE_EXPERTS_KEY = "genba.pack.base_expert_count"
"""GGUF key (u32): E, the expert count of the full model the pack was cut from."""


@dataclass(frozen=True)
class SitePack:
    """A pack's name, K (experts it keeps per layer) and E (the full model's)."""

    name: str
    kept: int
    base_experts: int

    def label(self) -> str:
        """The English line: ``site pack machining (8 of 16 experts)``."""
        return f"site pack {self.name} ({self.kept} of {self.base_experts} experts)"


def site_pack(info: ModelInfo) -> SitePack | None:
    """The pack ``info`` describes, or None for a full model (or unusable pack metadata)."""
    name = info.metadata.get(NAME_KEY)
    base = info.metadata.get(BASE_EXPERTS_KEY)
    if not isinstance(name, str) or not name.strip():
        return None
    if isinstance(base, bool) or not isinstance(base, int) or base < info.expert_count:
        base = info.expert_count  # a pack never keeps more experts than its base had
    return SitePack(name=name.strip(), kept=info.expert_count, base_experts=base)
