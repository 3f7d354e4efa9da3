"""Writing a file so that readers see the old bytes or the new, never half — even after ``kill -9``.

The one recipe: the bytes go to a temp file in the target's folder (named by
:mod:`disk.temps`, held while it is written), are flushed and fsynced, the temp file is
``os.replace``d over the target, and the folder is fsynced so the rename survives a
power cut (POSIX; Windows has no folder fsync). If anything fails before the rename,
the temp file is deleted and the target is untouched.

Small files use :func:`write_bytes_atomically`. Large streamed files (a model being
copied, built or extracted) use :func:`staged_file`: the caller writes, hashes and
reports progress as it likes, may check the finished temp file, and then calls
:meth:`StagedFile.commit`. Errors are plain ``OSError``; each package turns them into
its own message (full disk, permissions).
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from disk.temps import TEMP_SUFFIX, hold, temp_prefix


@dataclass(frozen=True)
class StagedFile:
    """A temp file beside its target, open for writing; deleted unless committed."""

    file: BinaryIO
    path: Path

    def sync(self) -> None:
        """Flush and fsync what was written so far (before checking the file's content)."""
        self.file.flush()
        os.fsync(self.file.fileno())

    def commit(self, target: Path, mode: int | None = None) -> None:
        """Sync, set ``mode`` (mkstemp makes files 0600), and rename over ``target`` durably."""
        if mode is not None:
            self.path.chmod(mode)
        commit_file(self.file, self.path, target)


@contextlib.contextmanager
def staged_file(target: Path) -> Iterator[StagedFile]:
    """A :class:`StagedFile` for ``target`` (its folder is created); removed on exit unless
    :meth:`StagedFile.commit` moved it to ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(
        prefix=temp_prefix(target.name), suffix=TEMP_SUFFIX, dir=target.parent
    )
    tmp = Path(name)
    try:
        hold(fd)
        with os.fdopen(fd, "w+b") as handle:
            yield StagedFile(handle, tmp)
    finally:
        # After the handle is closed: Windows cannot delete an open file.
        tmp.unlink(missing_ok=True)


def commit_file(handle: BinaryIO, source: Path, target: Path) -> None:
    """Flush and fsync ``handle`` (open on ``source``), rename ``source`` over ``target``,
    and fsync the folder so the rename is durable."""
    handle.flush()
    os.fsync(handle.fileno())
    if sys.platform == "win32":
        handle.close()  # Windows cannot rename a file that is still open
    source.replace(target)
    fsync_folder(target.parent)


def write_bytes_atomically(target: Path, data: bytes) -> None:
    """Replace ``target`` with ``data`` atomically; raise ``OSError`` and leave it as it was."""
    with staged_file(target) as staged:
        staged.file.write(data)
        staged.commit(target)


def fsync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (POSIX only; a no-op on Windows).

    Some file systems refuse fsync on a folder; the rename is still atomic there.
    """
    if sys.platform == "win32":
        return
    with contextlib.suppress(OSError):
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
