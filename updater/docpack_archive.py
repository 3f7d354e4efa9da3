"""The document-pack archive: built deterministically by the publisher, unpacked safely by PCs.

Format: a POSIX (pax) tar of regular files only, compressed with zstd, file name
``<name>-<version>.tar.zst``. The publisher (:func:`build_archive`) writes members in
sorted order with fixed times (0), modes (0644) and owners (0, no names), so the same
folder always gives the same bytes and the same sha256 (a re-publish of unchanged
documents is recognisably unchanged, and a reviewer can rebuild and compare).

What may go in (:func:`scan_folder`): only document files (:data:`SUFFIXES`), with
names every supported OS can hold (:func:`name_problem`: no ``< > : " / \\ | ? *`` or
control characters, no trailing dot or space, no Windows device names, no two names that
differ only by case), within :data:`MAX_FILES` and :data:`MAX_BYTES`. Links, devices
and other files are refused with one line saying which and what to do; OS litter
(``.DS_Store``, ``Thumbs.db``, ``desktop.ini``, Office's ``~$`` lock files) is skipped.

The PC (:func:`extract_archive`) trusts nothing of this: even after TUF verified the
archive, every member is checked again — regular file or folder only (no links,
devices, FIFOs), a relative portable name with no ``..``, a document suffix, no
duplicates — and the count and total size may not pass what the signed index
announced. A file is created with ``O_EXCL | O_NOFOLLOW`` inside a fresh folder, so
nothing can be written outside it.
"""

from __future__ import annotations

import hashlib
import os
import stat
import tarfile
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import zstandard
from disk.atomic import staged_file

from updater.errors import BadInputError, ContentError

SUFFIXES = frozenset({".pdf", ".docx", ".md", ".markdown", ".txt", ".text", ".html", ".htm"})
"""The document files a pack may hold (what the document index reads)."""
MAX_FILES = 20_000
MAX_BYTES = 2 << 30
"""Unpacked size limit of one pack (2 GiB): a PC must hold two versions beside its model."""
LEVEL = 12
"""zstd level: documents (PDF, DOCX) are mostly compressed already; 12 is fast and small."""
_WINDOW = 1 << 27  # the most memory a malicious frame may make the decompressor take
_CHUNK = 1 << 20
_LITTER = frozenset({".ds_store", "thumbs.db", "desktop.ini"})
_FORBIDDEN = set('<>:"/\\|?*')
_DEVICES = frozenset(
    {"con", "prn", "aux", "nul"}
    | {f"com{i}" for i in range(1, 10)}
    | {f"lpt{i}" for i in range(1, 10)}
)


@dataclass(frozen=True)
class ArchiveInfo:
    """A built archive: its bytes' sha256 and length, and what it unpacks to."""

    sha256: str
    length: int
    files: int
    unpacked: int


def name_problem(relative: str) -> str | None:
    """Why ``relative`` (``/``-separated) is not a portable document path, or None."""
    if not relative or relative.startswith("/") or len(relative.encode()) > 1024:
        return "is empty, absolute or too long"
    problems = (_part_problem(part) for part in relative.split("/"))
    problem = next((p for p in problems if p), None)
    if problem is None and Path(relative).suffix.lower() not in SUFFIXES:
        problem = f"is not a document ({', '.join(sorted(SUFFIXES))})"
    return problem


def _part_problem(part: str) -> str | None:
    """Why one path component is not portable, or None."""
    checks = (
        (part in {"", ".", ".."}, "has an empty, '.' or '..' part"),
        (
            any(c in _FORBIDDEN or ord(c) < 32 or ord(c) == 127 for c in part),
            'has a character Windows cannot hold (< > : " \\ | ? * or a control character)',
        ),
        (part.endswith((".", " ")), "has a part ending in a dot or space"),
        (
            part.split(".", maxsplit=1)[0].lower() in _DEVICES,
            "uses a Windows device name (CON, PRN, AUX, NUL, COM1, LPT1, …)",
        ),
        (len(part.encode()) > 255, "has a part longer than 255 bytes"),
    )
    return next((why for bad, why in checks if bad), None)


def _litter(name: str) -> bool:
    return name.lower() in _LITTER or name.startswith("~$")


def scan_folder(folder: Path) -> list[tuple[str, Path, int]]:
    """The documents of ``folder`` as (archive name, file, size), sorted by name.

    :class:`BadInputError` (one line, what to do) for a link, a device, a file that is no
    document, a name that is not portable, two names differing only by case, an empty
    folder, or more than :data:`MAX_FILES` files or :data:`MAX_BYTES` bytes.
    """
    if not folder.is_dir():
        raise BadInputError(f"{folder} is not a folder; give the folder of the pack's documents.")
    found: list[tuple[str, Path, int]] = []
    seen: dict[str, str] = {}
    total = 0
    for top, dirs, files in os.walk(folder, followlinks=False):
        dirs.sort()
        for name in sorted([*dirs, *files]):
            path = Path(top) / name
            relative = unicodedata.normalize("NFC", path.relative_to(folder).as_posix())
            mode = os.lstat(path).st_mode
            if stat.S_ISLNK(mode):
                raise BadInputError(
                    f"{path} is a link; a document pack holds only real files. "
                    "Copy the file it points to into the folder instead."
                )
            if stat.S_ISDIR(mode) or _litter(name):
                continue
            if not stat.S_ISREG(mode):
                raise BadInputError(f"{path} is not a regular file; remove it from the folder.")
            problem = name_problem(relative)
            if problem:
                raise BadInputError(
                    f"{relative} {problem}; rename or remove it, then publish again."
                )
            folded = relative.casefold()
            if folded in seen:
                raise BadInputError(
                    f"{relative} and {seen[folded]} differ only by case, which Windows cannot "
                    "hold in one folder; rename one of them."
                )
            seen[folded] = relative
            size = path.stat().st_size
            total += size
            found.append((relative, path, size))
            if len(found) > MAX_FILES or total > MAX_BYTES:
                raise BadInputError(
                    f"{folder} holds more than a document pack may ({MAX_FILES} files, "
                    f"{MAX_BYTES >> 20} MiB); split it into several packs."
                )
    if not found:
        raise BadInputError(
            f"{folder} holds no documents ({', '.join(sorted(SUFFIXES))}); nothing to publish."
        )
    return sorted(found)


class _HashingWriter:
    """The archive's bytes on their way to disk, hashed and counted once."""

    def __init__(self, sink: IO[bytes]) -> None:
        self.sink = sink
        self.digest = hashlib.sha256()
        self.length = 0

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        self.length += len(data)
        self.sink.write(data)
        return len(data)

    def flush(self) -> None:
        self.sink.flush()


def build_archive(folder: Path, dest: Path, level: int = LEVEL) -> ArchiveInfo:
    """Write the deterministic archive of ``folder``'s documents to ``dest`` (atomically)."""
    documents = scan_folder(folder)
    with staged_file(dest) as staged:
        out = _HashingWriter(staged.file)
        compressor = zstandard.ZstdCompressor(level=level, threads=0)
        with (
            compressor.stream_writer(out, closefd=False) as packed,  # type: ignore[arg-type]
            tarfile.open(fileobj=packed, mode="w|", format=tarfile.PAX_FORMAT) as tar,
        ):
            for relative, path, size in documents:
                info = tarfile.TarInfo(relative)
                info.size, info.mtime, info.mode = size, 0, 0o644
                info.uid = info.gid = 0
                info.uname = info.gname = ""
                with path.open("rb") as fh:
                    tar.addfile(info, fh)
        staged.commit(dest, 0o644)
    unpacked = sum(size for _, _, size in documents)
    return ArchiveInfo(out.digest.hexdigest(), out.length, len(documents), unpacked)


def _members(archive: IO[bytes]) -> Iterator[tuple[tarfile.TarFile, tarfile.TarInfo]]:
    reader = zstandard.ZstdDecompressor(max_window_size=_WINDOW).stream_reader(archive)
    with tarfile.open(fileobj=reader, mode="r|") as tar:
        for member in tar:
            yield tar, member


def extract_archive(
    archive: Path, dest: Path, *, max_files: int, max_bytes: int
) -> tuple[int, int]:
    """Unpack ``archive`` into the empty folder ``dest``; returns (files, bytes).

    :class:`ContentError` (nothing may be used; the caller drops ``dest``) for a link,
    device or FIFO member, an absolute name, ``..``, a name that is not a portable
    document path, a duplicate, more than ``max_files`` files or ``max_bytes`` bytes,
    or an archive that is not a complete zstd-compressed tar.
    """
    files = total = 0
    seen: set[str] = set()
    try:
        with archive.open("rb") as fh:
            for tar, member in _members(fh):
                name = member.name.removeprefix("./").rstrip("/") if member.isdir() else member.name
                if member.isdir():
                    if name and name_problem(name + "/x.txt") is None:
                        continue  # folders are made for the files they hold
                    raise ContentError(f"The document pack has a bad folder name {member.name!r}.")
                if not member.isreg():
                    raise ContentError(
                        f"The document pack holds {member.name!r}, which is a link, device or "
                        "other special file; it was refused and nothing was installed."
                    )
                problem = name_problem(name)
                if problem or name.casefold() in seen:
                    raise ContentError(
                        f"The document pack holds {name!r}, which {problem or 'is a duplicate'}; "
                        "it was refused and nothing was installed."
                    )
                seen.add(name.casefold())
                files += 1
                total += member.size
                if files > max_files or total > max_bytes:
                    raise ContentError(
                        "The document pack unpacks to more files or bytes than its signed "
                        f"release entry says ({max_files} files, {max_bytes} bytes); "
                        "it was refused and nothing was installed."
                    )
                _write_member(tar, member, dest / name)
    except (tarfile.TarError, zstandard.ZstdError, EOFError) as exc:
        raise ContentError(
            f"The document pack archive is damaged ({exc}); nothing was installed."
        ) from exc
    return files, total


def _write_member(tar: tarfile.TarFile, member: tarfile.TarInfo, target: Path) -> None:
    """Create ``target`` (never through a link, never over a file) with the member's bytes."""
    target.parent.mkdir(parents=True, exist_ok=True)
    source = tar.extractfile(member)
    assert source is not None  # a regular member always has a file object
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    flags |= getattr(os, "O_BINARY", 0)
    fd = os.open(target, flags, 0o644)
    with os.fdopen(fd, "wb") as out:
        while chunk := source.read(_CHUNK):
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
