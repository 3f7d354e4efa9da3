"""Logging to a rotating file in the user's log folder, with secrets scrubbed.

genba never logs a credential on purpose; the redacting filter is the second
line of defence for text that passes through (an HTTP error that echoes an
``Authorization`` header, a URL with a password in it).
"""

from __future__ import annotations

import logging
import logging.handlers
import re

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


def configure_logging(paths: Paths, level: int = logging.INFO) -> logging.Handler:
    """Send genba's logs to ``paths.log_file`` (rotating); return the handler.

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
    paths.log_dir.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(
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
