"""Writing a small file so that readers see the old bytes or the new, never half.

The bytes go to a temp file in the same folder, are fsynced, then
``os.replace``d over the target; the folder is fsynced too so the rename
survives a power cut (POSIX; Windows has no directory fsync). On any failure
the temp file is removed and the target is untouched. Errors are raised as
``OSError`` for the caller to turn into its own message (full disk, permissions).
Large streamed writes (model files) keep their own loops: they hash and report
progress as they go.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from pathlib import Path


def write_bytes_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically; raise ``OSError`` and leave it as it was."""
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_folder(path.parent)


def fsync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (POSIX only; a no-op on Windows)."""
    if sys.platform == "win32":
        return
    with contextlib.suppress(OSError):
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
