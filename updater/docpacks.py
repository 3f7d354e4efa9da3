"""Document packs on a PC: which ones to fetch, installing one atomically, and their status.

Policy ``updates.doc_packs`` names the packs a PC follows; the signed release index lists
what is published (:class:`updater.release.DocPackEntry`); :mod:`disk.doc_packs` is the
installed layout (``docpacks/<name>/current.json`` and version folders) in the active
store's :attr:`~disk.store.ModelStore.docpacks_dir`. :func:`install` is called by the
update client under its update lock, inside a TUF session:

1. the signed target must match the index entry (sha256 and length; for a target
   encrypted to the site, the plaintext's, carried in the signed ``custom``);
2. free space for the download and the unpacked documents is checked (:mod:`disk.space`);
3. the archive is downloaded beside the pack (``.genba-part-*``, resumable) and verified
   by TUF against the signed length and sha256 — a tampered archive stops here with
   the same :class:`~updater.errors.TrustError` as a tampered model;
4. it is unpacked by :func:`updater.docpack_archive.extract_archive` into a held temp
   folder (:func:`disk.temps.temp_folder`), renamed to ``<version>-<sha12>``, and only then
   the pointer is replaced atomically;
5. the previous version's folder stays (rollback, and a reader still using it), older
   ones are removed.

A killed run leaves the old pointer and a temp folder (or a complete but unnamed version
folder), which the next run removes. A pack removed from the server or from policy is
*kept* as installed: documents an operator relies on do not vanish because of a
mistake in a policy file or a server, and an admin retracts content by publishing a new
version; ``genba update status`` says that the copy is no longer updated. (The document
index reads only the packs policy follows, so a pack dropped from policy is not searched.)
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from disk.atomic import fsync_folder
from disk.doc_packs import (
    InstalledDocPack,
    installed_doc_packs,
    pack_dir,
    read_doc_pack,
    write_doc_pack_pointer,
)
from disk.pointer import is_bare_name
from disk.temps import (
    TEMP_PREFIX,
    TEMP_SUFFIX,
    hold,
    remove_stale_temp_folders,
    remove_stale_temps,
    temp_folder,
)

from updater import install as model_install
from updater.docpack_archive import MAX_BYTES, MAX_FILES, extract_archive
from updater.errors import ContentError
from updater.files import storage_error
from updater.release import DocPackEntry, Release, valid_pack_name
from updater.sealing import Sealing, open_sealed
from updater.site_keys import identities_for
from updater.trust import TrustSession

_PART = model_install.PART_PREFIX


@dataclass(frozen=True)
class DocPackState:
    """One document pack as a check, an update or ``status`` sees it.

    ``state``: ``installed`` (just now), ``up-to-date``, ``available`` (a check found a
    newer version), ``not-published`` (followed, not on the server), ``not-followed``
    (installed, no longer in policy), ``not-in-bundle``, ``bad-name``, ``unknown``
    (``status`` before any check).
    """

    name: str
    followed: bool
    installed: str | None
    available: str | None
    state: str

    def to_json(self) -> dict[str, Any]:
        """Machine-readable form for ``--json``."""
        return {
            "name": self.name, "followed": self.followed, "installed": self.installed,
            "available": self.available, "state": self.state,
        }  # fmt: skip

    def describe(self) -> str:
        """One line for people."""
        have = self.installed or "not installed"
        what = {
            "installed": f"version {self.installed} installed",
            "up-to-date": f"version {have}, up to date",
            "available": f"{have}; version {self.available} available",
            "not-published": f"{have}; not published on the update server"
            + ("; the installed copy is kept" if self.installed else ""),
            "not-followed": f"version {have}; not followed by policy (updates.doc_packs); "
            "the installed copy is kept",
            "not-in-bundle": f"{have}; not in this bundle",
            "bad-name": "cannot name a document pack (updates.doc_packs)",
            "unknown": f"{have}; not checked yet",
        }[self.state]
        return f"Document pack {self.name}: {what}."


def states(
    root: Path, followed: Sequence[str], published: dict[str, str] | None
) -> list[DocPackState]:
    """The followed and the installed packs against what is ``published`` (name → latest
    version; None when nothing was checked yet), sorted by name."""
    installed = {p.name: p for p in installed_doc_packs(root)}
    out = []
    for name in sorted({*followed, *installed}):
        have = installed[name].version if name in installed else None
        latest = None if published is None else published.get(name)
        if not valid_pack_name(name):
            state = "bad-name"
        elif name not in followed:
            state = "not-followed"
        elif published is None:
            state = "unknown"
        elif latest is None:
            state = "not-published"
        else:
            state = "up-to-date" if latest == have else "available"
        out.append(DocPackState(name, name in followed, have, latest, state))
    return out


def published_versions(release: Release) -> dict[str, str]:
    """Each published document pack's latest version (what ``status`` remembers)."""
    return {name: line[-1].version for name, line in release.docpacks.items() if line}


def needed(release: Release, root: Path, name: str) -> DocPackEntry | None:
    """The entry to install for followed pack ``name``, or None (absent or up to date)."""
    latest = release.latest_docpack(name) if valid_pack_name(name) else None
    if latest is None:
        return None
    have = read_doc_pack(root, name)
    if have is not None and have.version == latest.version and have.sha256 == latest.sha256:
        return None
    return latest


def clean(root: Path) -> None:
    """Remove what killed runs left in every pack folder (temp files and folders).

    Called under the update lock. A version folder that no pointer names and that is not
    the newest complete one is removed by the next :func:`install` of that pack.
    """
    if not root.is_dir():
        return
    for child in sorted(root.iterdir()):
        if child.is_dir() and not child.is_symlink() and is_bare_name(child.name):
            remove_stale_temps(child)
            remove_stale_temp_folders(child)


def install(
    session: TrustSession, entry: DocPackEntry, root: Path, update_dir: Path, what: str
) -> InstalledDocPack:
    """Download, verify, unpack and switch to ``entry`` (see the module's steps)."""
    folder = pack_dir(root, entry.name)
    final_name = f"{entry.version}-{entry.sha256[:12]}"
    if not is_bare_name(final_name) or final_name.startswith("."):
        raise ContentError(f"The document pack version {entry.version!r} is not a valid label.")
    signed = session.info(entry.target)
    seal = Sealing.of(signed.custom)
    sha, length = (seal.sha256, seal.length) if seal else (signed.hashes["sha256"], signed.length)
    if sha != entry.sha256 or length != entry.length:
        raise ContentError(
            f"The release index and the signed document pack {entry.label} disagree; "
            "nothing was installed."
        )
    if entry.files > MAX_FILES or entry.unpacked > MAX_BYTES:
        raise ContentError(f"The document pack {entry.label} is larger than genba accepts.")
    keys = identities_for(seal, update_dir, what=what) if seal else []
    extra = signed.length if seal else 0  # an encrypted download and its plaintext at once
    model_install.ensure_space(folder, signed.length + extra + entry.unpacked)
    part = folder / f"{_PART}{signed.hashes['sha256'][:16]}.tar.zst"
    for stale in folder.glob(f"{_PART}*"):
        if stale != part:
            stale.unlink(missing_ok=True)  # a partial download of a version no longer latest
    session.fetch_resumable(entry.target, part)
    old = read_doc_pack(root, entry.name)
    try:
        if seal is None:
            new = _unpack(part, folder, final_name, entry)
        else:
            clear = folder / f"{TEMP_PREFIX}{entry.version}.clear{TEMP_SUFFIX}"
            open_sealed(part, clear, keys, seal, what=f"document pack {entry.label}")
            try:
                with clear.open("rb") as held:
                    hold(held.fileno())  # a stale-temp cleanup elsewhere leaves it alone
                    new = _unpack(clear, folder, final_name, entry)
            finally:
                clear.unlink(missing_ok=True)
        write_doc_pack_pointer(root, new)
    except OSError as exc:
        raise storage_error(exc, f"installing document pack {entry.label}") from exc
    part.unlink(missing_ok=True)
    _prune(folder, keep={final_name, old.folder.name if old else ""})
    return new


def _unpack(archive: Path, folder: Path, final_name: str, entry: DocPackEntry) -> InstalledDocPack:
    """Unpack into a held temp folder, check the counts, rename it to ``final_name``."""
    final = folder / final_name
    with temp_folder(folder, final_name) as temp:
        files, total = extract_archive(
            archive, temp, max_files=entry.files, max_bytes=entry.unpacked
        )
        if (files, total) != (entry.files, entry.unpacked):
            raise ContentError(
                f"The document pack {entry.label} unpacks to {files} files and {total} bytes, "
                f"not the {entry.files} files and {entry.unpacked} bytes its signed release "
                "entry says; nothing was installed."
            )
        if final.exists():  # complete but never pointed to: a run killed before the switch
            shutil.rmtree(final)
        temp.replace(final)
        fsync_folder(folder)
    return InstalledDocPack(entry.name, entry.version, final, entry.sha256)


def _prune(folder: Path, keep: set[str]) -> None:
    """Remove version folders other than the current and the previous one."""
    for child in folder.iterdir():
        if child.name in keep or child.name.startswith(".") or child.is_symlink():
            continue
        if child.is_dir():
            # On Windows an indexer may have a file open; a leftover goes next time.
            with contextlib.suppress(OSError):
                shutil.rmtree(child)
