"""Logging to a rotating file in the user's log folder, with secrets scrubbed.

genba never logs a credential on purpose; the redacting filter is the second
line of defence for text that passes through (an HTTP error that echoes an
``Authorization`` header, a URL with a password in it).

Logs quote what the operator asked, so on a shared PC they are private: on
POSIX the log files are created (and kept) 0600 and a log folder genba creates
is 0700, whatever the umask. :func:`create_private_folder` is the same rule for
other folders of private data (the history's).
"""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
import os
import re
import sys
from io import TextIOWrapper
from pathlib import Path

from engine.paths import Paths

_SECRET_PATTERNS = (
    re.compile(r"(?i)(authorization:\s*bearer\s+)\S+"),
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]{8,}"),
    re.compile(r"(?i)(api[_-]?key[\"']?\s*[:=]\s*[\"']?)[^\s\"',]+"),
    re.compile(r"(://[^/:@\s]+:)[^@/\s]+(@)"),
)
_MAX_BYTES = 2 * 1024 * 1024
_BACKUPS = 5
_MARK = "_genba_log_file"
_PRIVATE_FILE = 0o600
_PRIVATE_FOLDER = 0o700


def _mask(match: re.Match[str]) -> str:
    tail = match.group(2) if match.lastindex == 2 else ""
    return match.group(1) + "***" + tail


def redact(text: str) -> str:
    """``text`` with anything that looks like a credential replaced by ``***``."""
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(_mask, text)
    return text


class RedactingFilter(logging.Filter):
    """Scrubs credentials from every record before it is written."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message in place; never drops a record."""
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def create_private_folder(folder: Path) -> None:
    """Create ``folder`` and its missing parents readable only by this user (0700 on POSIX).

    Folders that already exist are left as they are: they may be shared on
    purpose (``~/.local/share``). Raises ``OSError`` like :meth:`Path.mkdir`.
    """
    missing = [f for f in (folder, *folder.parents) if not f.exists()]
    for created in reversed(missing):
        with contextlib.suppress(FileExistsError):  # another process was first
            created.mkdir(mode=_PRIVATE_FOLDER)
            if sys.platform != "win32":
                # mkdir's mode passes through the umask, which may also remove our own bits.
                created.chmod(_PRIVATE_FOLDER)


def keep_private(path: Path) -> None:
    """Make an existing file readable only by its owner (POSIX), e.g. one an older genba made."""
    if sys.platform == "win32":
        return
    with contextlib.suppress(OSError):  # missing, or not ours: nothing we may do
        if path.stat().st_mode & 0o777 != _PRIVATE_FILE:
            path.chmod(_PRIVATE_FILE)


def _private_opener(path: str, flags: int) -> int:
    """``open()``'s opener: a file created 0600, and an existing one tightened to 0600."""
    fd = os.open(path, flags, _PRIVATE_FILE)
    if sys.platform != "win32":
        # The umask applies to the mode above only on creation; fchmod fixes both cases.
        with contextlib.suppress(OSError):
            os.fchmod(fd, _PRIVATE_FILE)
    return fd


class _PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating log whose every file (the current one after each rollover too) is 0600."""

    def _open(self) -> TextIOWrapper:
        stream = open(  # noqa: SIM115 - the handler owns the stream and closes it
            self.baseFilename,
            self.mode,
            encoding=self.encoding,
            errors=self.errors,
            opener=_private_opener,
        )
        assert isinstance(stream, TextIOWrapper)  # text mode ("a"): always a TextIOWrapper
        return stream


def configure_logging(paths: Paths, level: int = logging.INFO) -> logging.Handler:
    """Send genba's logs to ``paths.log_file`` (rotating, private); return the handler.

    Idempotent: genba keeps exactly one log file handler on the root logger,
    replacing (and closing) one that points elsewhere.
    """
    root = logging.getLogger()
    target = str(paths.log_file.resolve())
    for existing in list(root.handlers):
        if getattr(existing, _MARK, False):
            if getattr(existing, "baseFilename", None) == target:
                return existing
            root.removeHandler(existing)
            existing.close()
    create_private_folder(paths.log_dir)
    for backup in range(1, _BACKUPS + 1):  # rotated files an older genba left readable
        keep_private(Path(f"{target}.{backup}"))
    handler = _PrivateRotatingFileHandler(
        target, maxBytes=_MAX_BYTES, backupCount=_BACKUPS, encoding="utf-8"
    )
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s")
    )
    handler.addFilter(RedactingFilter())
    setattr(handler, _MARK, True)
    root.addHandler(handler)
    root.setLevel(level)
    return handler
