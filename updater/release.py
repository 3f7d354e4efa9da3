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
    packs/<name>/models/<version>/<file>.gguf      a site pack (its own target line)
    packs/<name>/manifests/<version>.json
    packs/<name>/diffs/<from>..<to>.gdiff          from an earlier version of the pack
    packs/<name>/diffs/full-<from>..<to>.gdiff     from a full-model version (the switch)
    docpacks/<name>/<version>/<name>-<version>.tar.zst   a document pack (issue 17)

**Site packs** (issue 15): a pack is a pruned copy of a full model that keeps K of its E
experts per layer. Each pack name is a line of versions of its own, listed under
``"packs"`` (``{name: [version, ...]}``, each with its own serials); a client that follows
a pack (policy ``updates.site_pack``) plans within that line, starting from either an
earlier pack version or the full model it has. A diff names the line of its source:
``"from_pack"`` is absent for a full-model version and the pack's name otherwise. Clients
that know nothing of packs ignore the ``"packs"`` key and keep following the full model,
so the index stays format 1.

**Document packs** (issue 17): a signed archive of a site's documents
(:mod:`updater.docpack_archive`), listed under ``"docpacks"`` (``{name: [entry, ...]}``)
with its version, serial, archive target, sha256 and length, and the file count and
unpacked bytes the client's extractor holds it to. Older clients ignore the key.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from updater.errors import ContentError

RELEASE_PATH = "release.json"
FORMAT = 1
FULL = ""
"""The line name of the full model (a pack's line is its name)."""

_PACK_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


def valid_pack_name(name: str) -> bool:
    """Whether ``name`` can name a pack (it appears in target paths and file names)."""
    return _PACK_NAME.fullmatch(name) is not None


@dataclass(frozen=True)
class DiffRef:
    """A diff that turns version ``source`` into the version that lists it."""

    source: str
    path: str
    length: int
    source_pack: str = FULL
    """The line of ``source``: :data:`FULL` (the full model) or a pack's name."""

    def to_json(self) -> dict[str, Any]:
        """Index form (``from_pack`` only for a pack source)."""
        obj: dict[str, Any] = {"from": self.source, "path": self.path, "length": self.length}
        if self.source_pack:
            obj["from_pack"] = self.source_pack
        return obj

    @classmethod
    def from_json(cls, obj: Any) -> DiffRef:
        """Parse one ``diffs`` item."""
        return cls(str(obj["from"]), str(obj["path"]), int(obj["length"]),
                   str(obj.get("from_pack", FULL)))  # fmt: skip


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
    pack: str = FULL
    """The line this version belongs to: :data:`FULL` or a site pack's name."""

    @property
    def label(self) -> str:
        """The version as people read it: ``3``, or ``machining@2`` for a pack."""
        return f"{self.pack}@{self.version}" if self.pack else self.version

    @property
    def file_name(self) -> str:
        """File name of the model in the client's store (unique per version and line)."""
        if self.pack:
            ext = self.model.rsplit(".", 1)[-1] if "." in self.model else "gguf"
            return f"pack-{self.pack}-{self.version}.{ext}"
        name = self.model.rsplit("/", 1)[-1]
        stem, dot, ext = name.rpartition(".")
        return f"{stem}-{self.version}.{ext}" if dot else f"{name}-{self.version}"


@dataclass(frozen=True)
class DocPackEntry:
    """One published version of a document pack: its archive target and what it unpacks to."""

    name: str
    version: str
    serial: int
    target: str
    sha256: str
    length: int
    """Bytes of the archive (what is downloaded)."""
    files: int
    unpacked: int
    """Bytes of the documents once unpacked (what the disk must hold)."""

    @property
    def label(self) -> str:
        """``manuals@3``: the pack and its version, as people read it."""
        return f"{self.name}@{self.version}"

    def to_json(self) -> dict[str, Any]:
        """Index form (the name is the key of the line)."""
        return {
            "version": self.version, "serial": self.serial, "target": self.target,
            "sha256": self.sha256, "length": self.length, "files": self.files,
            "bytes": self.unpacked,
        }  # fmt: skip

    @classmethod
    def from_json(cls, name: str, obj: Any) -> DocPackEntry:
        """Parse one item of a ``docpacks`` line."""
        return cls(
            name, str(obj["version"]), int(obj["serial"]), str(obj["target"]),
            str(obj["sha256"]), int(obj["length"]), int(obj["files"]), int(obj["bytes"]),
        )  # fmt: skip


@dataclass(frozen=True)
class Release:
    """The whole index; ``versions`` sorted by serial, last is the latest."""

    versions: tuple[VersionEntry, ...]
    packs: dict[str, tuple[VersionEntry, ...]] = field(default_factory=dict)
    """Each site pack's own line, sorted by serial (its entries have ``pack`` set)."""
    docpacks: dict[str, tuple[DocPackEntry, ...]] = field(default_factory=dict)
    """Each document pack's versions, sorted by serial."""

    @property
    def latest(self) -> VersionEntry | None:
        """The newest version of the full model, if any."""
        return self.versions[-1] if self.versions else None

    def line(self, pack: str = FULL) -> tuple[VersionEntry, ...]:
        """The versions of the full model (``pack`` empty) or of one pack (maybe none)."""
        return self.packs.get(pack, ()) if pack else self.versions

    def with_entry(self, entry: VersionEntry) -> Release:
        """A copy with ``entry`` appended to its line."""
        if not entry.pack:
            return Release((*self.versions, entry), dict(self.packs), dict(self.docpacks))
        packs = dict(self.packs)
        packs[entry.pack] = (*packs.get(entry.pack, ()), entry)
        return Release(self.versions, packs, dict(self.docpacks))

    def with_docpack(self, entry: DocPackEntry) -> Release:
        """A copy with ``entry`` appended to its document pack's line."""
        docpacks = dict(self.docpacks)
        docpacks[entry.name] = (*docpacks.get(entry.name, ()), entry)
        return Release(self.versions, dict(self.packs), docpacks)

    def latest_docpack(self, name: str) -> DocPackEntry | None:
        """The newest version of document pack ``name``, or None when it is not published."""
        line = self.docpacks.get(name, ())
        return line[-1] if line else None

    def find(self, version: str | None = None, sha256: str | None = None) -> VersionEntry | None:
        """The entry with this version label or model hash."""
        for entry in self.versions:
            if (version is None or entry.version == version) and (
                sha256 is None or entry.sha256 == sha256
            ):
                return entry
        return None

    def to_bytes(self) -> bytes:
        """Serialised JSON (``packs`` only when there is one: older indexes stay as they were)."""
        obj: dict[str, Any] = {
            "format": FORMAT,
            "versions": [_entry_json(v) for v in self.versions],
        }
        if self.packs:
            obj["packs"] = {
                name: [_entry_json(v) for v in line] for name, line in self.packs.items()
            }
        if self.docpacks:
            obj["docpacks"] = {
                name: [d.to_json() for d in line] for name, line in self.docpacks.items()
            }
        return json.dumps(obj, indent=1, sort_keys=True).encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> Release:
        """Parse ``release.json``; ``ContentError`` if malformed."""
        try:
            obj = json.loads(raw)
            if obj["format"] != FORMAT:
                raise ValueError(f"format {obj['format']}")
            versions = _line(obj["versions"], FULL)
            packs = {}
            for name, items in dict(obj.get("packs") or {}).items():
                if not valid_pack_name(str(name)):
                    raise ValueError(f"bad pack name {name!r}")
                packs[str(name)] = _line(items, str(name))
            docpacks = {}
            for name, items in dict(obj.get("docpacks") or {}).items():
                if not valid_pack_name(str(name)):
                    raise ValueError(f"bad document pack name {name!r}")
                line = [DocPackEntry.from_json(str(name), item) for item in items]
                docpacks[str(name)] = tuple(sorted(line, key=lambda d: d.serial))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ContentError(f"The release index is malformed ({exc}).") from exc
        return cls(versions, packs, docpacks)


def _entry_json(v: VersionEntry) -> dict[str, Any]:
    return {
        "version": v.version,
        "serial": v.serial,
        "model": v.model,
        "sha256": v.sha256,
        "length": v.length,
        "manifest": v.manifest,
        "diffs": [d.to_json() for d in v.diffs],
    }


def _line(items: Any, pack: str) -> tuple[VersionEntry, ...]:
    """Parse one line's list of versions, sorted by serial."""
    versions = [
        VersionEntry(
            version=str(v["version"]),
            serial=int(v["serial"]),
            model=str(v["model"]),
            sha256=str(v["sha256"]),
            length=int(v["length"]),
            manifest=str(v["manifest"]),
            diffs=tuple(DiffRef.from_json(d) for d in v["diffs"]),
            pack=pack,
        )
        for v in items
    ]
    return tuple(sorted(versions, key=lambda v: v.serial))


@dataclass(frozen=True)
class Step:
    """One step of an update path: a diff from ``source``, or (``diff`` None) a full download."""

    entry: VersionEntry
    diff: DiffRef | None


def plan_path(release: Release, current_sha256: str | None, pack: str = FULL) -> list[Step]:
    """Cheapest way from the local model to the latest version of a line (empty: there).

    ``pack`` names the line to follow (:data:`FULL`: the full model). Diff chains are
    searched over the versions the release lists (cheapest total diff bytes, Dijkstra on
    a graph of a handful of nodes, in serial order: diffs go forward); a pack line may
    start from a full-model version (the switch to the pack) and pass through later
    full versions. When no chain starts at the local model, or the chain costs more than
    the file itself, the latest full file of the line is downloaded instead.
    """
    line = release.line(pack)
    latest = line[-1] if line else None
    if latest is None or latest.sha256 == current_sha256:
        return []
    nodes = [*(release.versions if pack else ()), *line]
    start = next((e for e in nodes if current_sha256 and e.sha256 == current_sha256), None)
    if start is None or (start.pack == pack and start.serial > latest.serial):
        return [Step(latest, None)]
    best: dict[tuple[str, str], tuple[int, list[Step]]] = {(start.pack, start.version): (0, [])}
    for entry in nodes:  # full versions, then the pack's: a topological order
        for diff in entry.diffs:
            source = (diff.source_pack, diff.source)
            if source in best:
                cost, steps = best[source]
                key = (entry.pack, entry.version)
                candidate = (cost + diff.length, [*steps, Step(entry, diff)])
                if key not in best or candidate[0] < best[key][0]:
                    best[key] = candidate
    goal = (latest.pack, latest.version)
    if goal in best and best[goal][0] < latest.length:
        return best[goal][1]
    return [Step(latest, None)]
