"""The one free-space rule: what an operation writes, plus a fixed margin, must be free first.

The margin (64 MiB) keeps the last bytes of a disk for everything else that writes there
(logs, history, the pointer, the operating system) — a model that fills a disk to the
last byte would leave genba unable to record that it did. Sizes are bytes; messages
say MiB, the unit that is readable for both a 100 MB and a 20 GB model.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from disk.errors import NotEnoughSpaceError

MARGIN = 64 << 20


def require_free_space(folder: Path, needed: int) -> None:
    """Raise :class:`NotEnoughSpaceError` unless ``folder`` has ``needed`` + :data:`MARGIN` free.

    Creates ``folder`` first (the check needs a folder on the right file system).
    ``OSError`` from creating or measuring the folder is raised as it is.
    """
    folder.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(folder).free
    if free < needed + MARGIN:
        raise NotEnoughSpaceError(folder, needed + MARGIN, free)
