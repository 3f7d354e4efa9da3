"""The release index: the signed list of model versions, their diffs and manifests.

``release.json`` is itself a TUF target, so once TUF has verified it, everything it says
can be trusted; each file it names is still fetched through TUF (length and hash from
the signed targets metadata). ``serial`` orders versions (the version string is only a
label), and a client never moves to a lower serial.

Target paths used by genba repositories::

    release.json
    models/<version>/<file name>.gguf      full model
    manifests/<version>.json               per-expert manifest (updater.manifest)
    diffs/<from>..<to>.gdiff               expert diff (updater.diff)
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from updater.errors import ContentError

RELEASE_PATH = "release.json"
FORMAT = 1


@dataclass(frozen=True)
class DiffRef:
    """A diff that turns version ``source`` into the version that lists it."""

    source: str
    path: str
    length: int


@dataclass(frozen=True)
class VersionEntry:
    """One published model version."""

    version: str
    serial: int
    model: str
    sha256: str
    length: int
    manifest: str
    diffs: tuple[DiffRef, ...] = field(default=())

    @property
    def file_name(self) -> str:
        """File name of the model in the client's store (unique per version)."""
        name = self.model.rsplit("/", 1)[-1]
        stem, dot, ext = name.rpartition(".")
        return f"{stem}-{self.version}.{ext}" if dot else f"{name}-{self.version}"


@dataclass(frozen=True)
class Release:
    """The whole index; ``versions`` sorted by serial, last is the latest."""

    versions: tuple[VersionEntry, ...]

    @property
    def latest(self) -> VersionEntry | None:
        """The newest version, if any."""
        return self.versions[-1] if self.versions else None

    def find(self, version: str | None = None, sha256: str | None = None) -> VersionEntry | None:
        """The entry with this version label or model hash."""
        for entry in self.versions:
            if (version is None or entry.version == version) and (
                sha256 is None or entry.sha256 == sha256
            ):
                return entry
        return None

    def to_bytes(self) -> bytes:
        """Serialised JSON."""
        obj: dict[str, Any] = {
            "format": FORMAT,
            "versions": [
                {
                    "version": v.version,
                    "serial": v.serial,
                    "model": v.model,
                    "sha256": v.sha256,
                    "length": v.length,
                    "manifest": v.manifest,
                    "diffs": [
                        {"from": d.source, "path": d.path, "length": d.length} for d in v.diffs
                    ],
                }
                for v in self.versions
            ],
        }
        return json.dumps(obj, indent=1, sort_keys=True).encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> Release:
        """Parse ``release.json``; ``ContentError`` if malformed."""
        try:
            obj = json.loads(raw)
            if obj["format"] != FORMAT:
                raise ValueError(f"format {obj['format']}")
            versions = tuple(
                VersionEntry(
                    version=str(v["version"]),
                    serial=int(v["serial"]),
                    model=str(v["model"]),
                    sha256=str(v["sha256"]),
                    length=int(v["length"]),
                    manifest=str(v["manifest"]),
                    diffs=tuple(
                        DiffRef(str(d["from"]), str(d["path"]), int(d["length"]))
                        for d in v["diffs"]
                    ),
                )
                for v in obj["versions"]
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise ContentError(f"The release index is malformed ({exc}).") from exc
        return cls(tuple(sorted(versions, key=lambda v: v.serial)))


@dataclass(frozen=True)
class Step:
    """One step of an update path: a diff from ``source``, or (``diff`` None) a full download."""

    entry: VersionEntry
    diff: DiffRef | None


def plan_path(release: Release, current_sha256: str | None) -> list[Step]:
    """Cheapest way from the local model to the latest version (empty: already there).

    Diff chains are searched over the versions the release lists (cheapest total diff
    bytes, Dijkstra on a graph of a handful of nodes); when none starts at the local
    model, the latest full model is downloaded instead.
    """
    latest = release.latest
    if latest is None or latest.sha256 == current_sha256:
        return []
    start = release.find(sha256=current_sha256) if current_sha256 else None
    if start is None or start.serial > latest.serial:
        return [Step(latest, None)]
    best: dict[str, tuple[int, list[Step]]] = {start.version: (0, [])}
    for entry in release.versions:  # serial order is a topological order: diffs go forward
        for diff in entry.diffs:
            if diff.source in best:
                cost, steps = best[diff.source]
                candidate = (cost + diff.length, [*steps, Step(entry, diff)])
                if entry.version not in best or candidate[0] < best[entry.version][0]:
                    best[entry.version] = candidate
    if latest.version in best and best[latest.version][0] < latest.length:
        return best[latest.version][1]
    return [Step(latest, None)]
