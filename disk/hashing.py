"""sha256 of a file, read in bounded chunks (models are gigabytes; memory stays at one chunk)."""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable
from pathlib import Path

CHUNK = 1 << 20  # 1 MiB: large enough for throughput, small enough for bounded memory

#: Called with (bytes hashed so far, file size) after every chunk.
HashProgress = Callable[[int, int], None]


def sha256_file(path: Path | str, progress: HashProgress | None = None) -> str:
    """Hex sha256 (lower case) of ``path``; ``OSError`` when it cannot be read.

    Anything but a regular file is refused with ``OSError`` before a byte is read: it is
    opened without blocking, so a FIFO in a file's place never hangs the caller.
    """
    digest = hashlib.sha256()
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(f"{path} is not a regular file")
        total = max(info.st_size, 1)
        done = 0
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
            done += len(chunk)
            if progress is not None:
                progress(done, total)
    return digest.hexdigest()
