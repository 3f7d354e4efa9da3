"""Installed document packs on disk: the one layout the updater writes and the engine reads.

A document pack is a signed archive of a site's documents (work instructions,
SOPs, manuals) published by IT with ``genba-publish`` and installed by
``genba update`` next to the model store it follows (:attr:`disk.store.ModelStore.docpacks_dir`)::

    docpacks/
      <name>/
        current.json     {"format": 1, "name": ..., "version": ..., "folder": ..., "sha256": ...}
        <folder>/        the pack's files, as published (read-only once installed)
        <older folder>/  the previous version, kept for rollback

``current.json`` is replaced atomically (:mod:`disk.atomic`) after the new folder is
complete, so a reader sees the old version or the new one, never half of one.
``sha256`` is the verified archive's hash (what TUF signed). Names and folders are
bare names (no separators, no ``..``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from disk.atomic import staged_file
from disk.pointer import is_bare_name
from disk.regular_file import FileReadError, read_regular_file

POINTER_NAME = "current.json"
FORMAT = 1


@dataclass(frozen=True)
class InstalledDocPack:
    """One installed document pack: its name, version and the folder holding its files."""

    name: str
    version: str
    folder: Path
    sha256: str

    def to_json(self) -> dict[str, object]:
        """The pointer record (``folder`` as a bare name inside the pack's folder)."""
        return {
            "format": FORMAT, "name": self.name, "version": self.version,
            "folder": self.folder.name, "sha256": self.sha256,
        }  # fmt: skip


def pack_dir(root: Path, name: str) -> Path:
    """The folder of pack ``name`` under ``root`` (ValueError for a name that is not bare)."""
    if not is_bare_name(name):
        raise ValueError(f"not a document pack name: {name!r}")
    return root / name


def read_doc_pack(root: Path, name: str) -> InstalledDocPack | None:
    """The installed version of pack ``name``, or None (absent, unreadable, or its folder gone)."""
    pointer = pack_dir(root, name) / POINTER_NAME
    try:
        data = read_regular_file(pointer, limit=64 * 1024)
        obj = json.loads(data)
        if obj.get("format") != FORMAT or obj.get("name") != name:
            return None
        folder_name, version, sha = str(obj["folder"]), str(obj["version"]), str(obj["sha256"])
    except (FileReadError, ValueError, KeyError, AttributeError, TypeError):
        return None
    if not is_bare_name(folder_name):
        return None
    folder = pointer.parent / folder_name
    if not folder.is_dir():
        return None
    return InstalledDocPack(name, version, folder, sha)


def installed_doc_packs(root: Path) -> list[InstalledDocPack]:
    """Every installed document pack under ``root``, by name (a damaged one is left out)."""
    if not root.is_dir():
        return []
    packs = []
    for child in sorted(root.iterdir()):
        if child.is_dir() and is_bare_name(child.name):
            pack = read_doc_pack(root, child.name)
            if pack is not None:
                packs.append(pack)
    return packs


def write_doc_pack_pointer(root: Path, pack: InstalledDocPack) -> None:
    """Make ``pack`` the installed version (atomic; its folder must already be complete)."""
    target = pack_dir(root, pack.name) / POINTER_NAME
    target.parent.mkdir(parents=True, exist_ok=True)
    with staged_file(target) as staged:
        staged.file.write(json.dumps(pack.to_json(), indent=1).encode() + b"\n")
        staged.commit(target)
