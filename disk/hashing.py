"""sha256 of a file, read in bounded chunks (models are gigabytes; memory stays at one chunk)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

CHUNK = 1 << 20  # 1 MiB: large enough for throughput, small enough for bounded memory

#: Called with (bytes hashed so far, file size) after every chunk.
HashProgress = Callable[[int, int], None]


def sha256_file(path: Path, progress: HashProgress | None = None) -> str:
    """Hex sha256 (lower case) of ``path``; ``OSError`` when it cannot be read.

    The caller must make sure ``path`` is a regular file: reading a FIFO would block.
    """
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        total = max(path.stat().st_size, 1)
        done = 0
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
            done += len(chunk)
            if progress is not None:
                progress(done, total)
    return digest.hexdigest()
