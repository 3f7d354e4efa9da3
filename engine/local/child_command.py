"""How genba starts one of its own modules in a child process, from source or frozen.

From source the child is ``python -m MODULE``. A PyInstaller build has no
``python``: its executables accept ``--genba-module MODULE`` as their first
argument (:func:`run_module_if_asked`, called first thing by every entry point)
and run that module instead of their usual ``main``.
"""

from __future__ import annotations

import runpy
import sys
from collections.abc import Sequence

MODULE_FLAG = "--genba-module"


def module_command(module: str, *args: str) -> list[str]:
    """The command line that runs ``module`` (``__main__`` semantics) in a child process."""
    if getattr(sys, "frozen", False):
        return [sys.executable, MODULE_FLAG, module, *args]
    return [sys.executable, "-m", module, *args]


def run_module_if_asked(argv: Sequence[str] | None = None) -> None:
    """In a frozen build, run the module named after ``--genba-module`` and exit."""
    args = list(sys.argv if argv is None else argv)
    if len(args) >= 3 and args[1] == MODULE_FLAG:
        module = args[2]
        if not module.startswith("engine."):  # only genba's own child processes
            raise SystemExit(f"{MODULE_FLAG}: not a genba module: {module}")
        sys.argv = [args[0], *args[3:]]
        runpy.run_module(module, run_name="__main__", alter_sys=True)
        raise SystemExit(0)
