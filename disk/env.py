"""The environment switches that engine and updater must read the same way.

``GENBA_OFFLINE``
    Forces offline mode on top of the ``network.offline`` policy. Unset, empty,
    ``0``/``false``/``no``/``off`` (any case, blanks ignored) leave it alone; any other
    value (``1``, ``true``, a typo) forces it: a switch nobody can read fails closed.

``GENBA_HOME`` belongs to the folders (:mod:`disk.paths`); ``GENBA_LLAMA_CPU``, which
only the engine uses, is read in ``engine/paths.py``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

_FALSE_WORDS = frozenset({"", "0", "false", "no", "off"})


def offline_forced_by_env(environ: Mapping[str, str] | None = None) -> bool:
    """True when ``GENBA_OFFLINE`` asks for offline mode or holds a value nobody can read.

    ``environ`` defaults to ``os.environ``.
    """
    env = os.environ if environ is None else environ
    return env.get("GENBA_OFFLINE", "").strip().lower() not in _FALSE_WORDS
