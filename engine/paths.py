"""The engine's paths: the shared :class:`~disk.paths.Paths`, and the engine's own switch.

The folders themselves (and ``GENBA_HOME``) are defined once in the leaf package,
:mod:`disk.paths`, so that the updater takes the same :class:`Paths`; this module keeps
the engine's (and the GUI's) import path.

Environment variables, each read in one place:

``GENBA_HOME``
    Put all *user* folders under one folder (:mod:`disk.paths`).
``GENBA_OFFLINE``
    is read by the shared leaf ``disk/env.py`` (engine and updater must read it alike)
    and turned into the network state by :class:`engine.remote.network.NetworkConfig`.
``GENBA_LLAMA_CPU``
    Forces llama.cpp's CPU backend variant (``haswell``, ``sse42``… or a library
    path) instead of the self-tested choice (:mod:`engine.local.llama_cpu`); read here.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from disk.paths import APP_NAME, Paths

__all__ = ["APP_NAME", "Paths", "forced_cpu_backend"]


def forced_cpu_backend(environ: Mapping[str, str] | None = None) -> str | None:
    """The CPU backend variant ``GENBA_LLAMA_CPU`` forces, if any."""
    env = os.environ if environ is None else environ
    return env.get("GENBA_LLAMA_CPU", "").strip() or None
