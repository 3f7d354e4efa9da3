"""Reading a small input file without ever hanging on it: the one rule for files people name.

Operators and administrators name files (policy, pointers, statistics, site texts, question
sets); a path may be a FIFO, a device or a folder by mistake. Opening a FIFO for reading
waits for a writer, forever, so the file is opened with ``O_NONBLOCK`` and refused by
``fstat`` unless it is a regular file; a file larger than ``limit`` is refused by its size
before a byte is read, and the read stops one byte past ``limit`` (a file that grows
meanwhile). Callers turn :class:`FileReadError` into their own one-line error.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Literal

ReadFailure = Literal["missing", "open", "not-regular", "too-large", "read"]


class FileReadError(Exception):
    """Why ``path`` could not be read; ``str()`` is a short sentence naming the file."""

    def __init__(self, kind: ReadFailure, message: str) -> None:
        super().__init__(message)
        self.kind: ReadFailure = kind


def _size(limit: int) -> str:
    return f"{limit >> 20} MiB" if limit >= 1 << 20 else f"{limit >> 10} KiB"


def read_regular_file(path: Path, limit: int) -> bytes:
    """The bytes of ``path`` when it is a regular file of at most ``limit`` bytes."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError as exc:
        raise FileReadError("missing", f"{path} does not exist") from exc
    except OSError as exc:
        raise FileReadError("open", f"cannot open {path} ({exc.strerror or exc})") from exc
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise FileReadError("not-regular", f"{path} is not a regular file")
        if info.st_size > limit:  # refused before a byte is read (a 500 MB "document")
            raise FileReadError("too-large", f"{path} is larger than {_size(limit)}")
        chunks: list[bytes] = []
        size = 0
        while size <= limit and (chunk := os.read(fd, min(1 << 20, limit + 1 - size))):
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise FileReadError("read", f"cannot read {path} ({exc.strerror or exc})") from exc
    finally:
        os.close(fd)
    if size > limit:
        raise FileReadError("too-large", f"{path} is larger than {_size(limit)}")
    return b"".join(chunks)
