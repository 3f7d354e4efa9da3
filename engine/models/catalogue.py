"""The model catalogue: real pretrained MoE models a site can pull, pinned by hash.

The catalogue is data (``assets/catalogue.toml``), parsed once into frozen
:class:`CatalogueEntry` values and validated strictly, so a typo fails at load
with the entry's name rather than during a 20 GB download. An entry is *pinned*
when its revision is a 40-hex commit and its sha256 a 64-hex hash; only pinned
entries are pulled without an explicit override. Pure data, no I/O beyond
reading the TOML text it is given.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from typing import Any

from engine.assets import asset_text
from engine.errors import BadInputError, ModelStoreError

_HEX40 = re.compile(r"^[0-9a-f]{40}$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_NAME = re.compile(r"^[a-z0-9][a-z0-9.\-]*$")
_RUNTIME_OVERHEAD_BYTES = 600 * 1024 * 1024  # llama.cpp buffers, KV cache at 4k, Python


@dataclass(frozen=True)
class CatalogueEntry:
    """One downloadable model file."""

    name: str
    title: str
    repo: str
    filename: str
    revision: str
    sha256: str
    size: int
    license: str
    architecture: str
    expert_count: int
    expert_used_count: int
    expert_share: float
    notes: str = ""

    @property
    def pinned(self) -> bool:
        """True when both the revision and the file hash are pinned."""
        return bool(_HEX40.match(self.revision) and _HEX64.match(self.sha256))

    def ram_bytes(self, experts: int) -> int:
        """Estimated RAM for answering with ``experts`` active experts.

        The dense part plus the share of expert weights a token reads, plus the
        runtime. Different tokens pick different experts, so for good speed the
        whole file should still fit in RAM and page cache; this is the floor.
        """
        dense = self.size * (1.0 - self.expert_share)
        experts_part = self.size * self.expert_share * experts / self.expert_count
        return int(dense + experts_part) + _RUNTIME_OVERHEAD_BYTES

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly view (for ``genba models list --json``)."""
        steps = sorted({1, 2, 4, self.expert_used_count, self.expert_count} - {0})
        return {
            "name": self.name,
            "title": self.title,
            "repo": self.repo,
            "filename": self.filename,
            "revision": self.revision,
            "sha256": self.sha256,
            "size": self.size,
            "license": self.license,
            "architecture": self.architecture,
            "expert_count": self.expert_count,
            "expert_used_count": self.expert_used_count,
            "pinned": self.pinned,
            "ram_bytes_by_n": {str(n): self.ram_bytes(n) for n in steps if n <= self.expert_count},
            "notes": self.notes,
        }


def _entry(raw: Any, index: int) -> CatalogueEntry:
    if not isinstance(raw, dict):
        raise ModelStoreError(f"Catalogue entry #{index + 1} is not a table.")
    label = raw.get("name", f"#{index + 1}")
    try:
        entry = CatalogueEntry(
            name=str(raw["name"]),
            title=str(raw["title"]),
            repo=str(raw["repo"]),
            filename=str(raw["filename"]),
            revision=str(raw["revision"]),
            sha256=str(raw.get("sha256", "")).lower(),
            size=int(raw["size"]),
            license=str(raw["license"]),
            architecture=str(raw["architecture"]),
            expert_count=int(raw["expert_count"]),
            expert_used_count=int(raw["expert_used_count"]),
            expert_share=float(raw["expert_share"]),
            notes=str(raw.get("notes", "")),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelStoreError(
            f"Catalogue entry {label} is incomplete or malformed ({exc})."
        ) from exc
    problems = []
    if not _NAME.match(entry.name):
        problems.append("name must be lowercase letters, digits, '.' and '-'")
    if "/" in entry.filename or "\\" in entry.filename or not entry.filename.endswith(".gguf"):
        problems.append("filename must be a plain .gguf file name")
    if entry.sha256 and not _HEX64.match(entry.sha256):
        problems.append("sha256 must be 64 hex digits")
    if not 1 <= entry.expert_used_count <= entry.expert_count:
        problems.append("expert_used_count must be between 1 and expert_count")
    if not 0.0 < entry.expert_share < 1.0 or entry.size <= 0:
        problems.append("size and expert_share must be positive (share below 1)")
    if problems:
        raise ModelStoreError(f"Catalogue entry {label}: " + "; ".join(problems) + ".")
    return entry


def parse_catalogue(text: str) -> tuple[CatalogueEntry, ...]:
    """Parse and validate catalogue TOML text."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ModelStoreError(f"The model catalogue is not valid TOML ({exc}).") from exc
    if data.get("format") != 1:
        raise ModelStoreError("The model catalogue has an unknown format. Update genba.")
    entries = tuple(_entry(raw, i) for i, raw in enumerate(data.get("model", [])))
    names = [e.name for e in entries]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ModelStoreError(f"The model catalogue lists {', '.join(duplicates)} twice.")
    return entries


def load_catalogue() -> tuple[CatalogueEntry, ...]:
    """The catalogue shipped with genba."""
    return parse_catalogue(asset_text("catalogue.toml"))


def find_entry(entries: tuple[CatalogueEntry, ...], name: str) -> CatalogueEntry:
    """The entry called ``name``; a BadInputError listing the known names otherwise."""
    for entry in entries:
        if entry.name == name:
            return entry
    known = ", ".join(e.name for e in entries) or "(none)"
    raise BadInputError(f"No model called {name!r} in the catalogue. Known models: {known}.")
