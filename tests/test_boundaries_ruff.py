"""The lint rule behind the package boundaries really fires: ruff is run on offending code.

``tests/test_boundaries.py`` checks the code as it is and what the ruff files list; this
checks that ruff, reading the checkout's own configuration (``pyproject.toml`` and each
package's ``ruff.toml``), reports an import that crosses a boundary. The probe source is
piped in under a file name inside the package (``--stdin-filename``), so nothing is
written into the checkout.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _banned_imports(filename: str, source: str) -> set[str]:
    """Modules whose import ruff reports as banned (TID251) in ``source`` at ``filename``."""
    proc = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--select", "TID251",
         "--output-format", "json", "--stdin-filename", filename, "-"],
        input=source, capture_output=True, text=True, cwd=ROOT, timeout=60, check=False,
    )  # fmt: skip
    assert proc.returncode in (0, 1), proc.stderr  # 2 would be a broken configuration
    found = json.loads(proc.stdout)
    assert {d["code"] for d in found} <= {"TID251"}
    return {d["message"].split("`")[1].split(".")[0] for d in found}


_QT = {"PySide6", "shiboken6"}


@pytest.mark.parametrize(
    ("filename", "imports", "banned"),
    [
        ("engine/probe.py", ["PySide6.QtCore", "shiboken6", "updater.client", "desktop"],
         {*_QT, "updater", "desktop"}),
        ("engine/cli/probe.py", ["updater", "PySide6"], {"updater", "PySide6"}),  # subfolders too
        ("engine/probe.py", ["llama_cpp"], {"llama_cpp"}),
        ("engine/local/llama_adapter.py", ["llama_cpp"], set()),  # the one module allowed
        ("updater/probe.py", ["PySide6.QtWidgets", "shiboken6", "engine.service", "desktop"],
         {*_QT, "engine", "desktop"}),
        ("updater/probe.py", ["llama_cpp"], {"llama_cpp"}),
        ("desktop/probe.py", ["llama_cpp"], {"llama_cpp"}),
        ("desktop/probe.py", ["PySide6.QtWidgets", "engine.service", "updater.client"], set()),
    ],
)  # fmt: skip
def test_ruff_reports_imports_across_a_boundary(
    filename: str, imports: list[str], banned: set[str]
) -> None:
    source = "".join(f"import {name}\n" for name in imports)
    assert _banned_imports(filename, source) == banned


@pytest.mark.parametrize("package", ["engine", "updater"])
def test_ruff_accepts_a_package_importing_itself(package: str) -> None:
    source = f"import json\nimport {package}\nfrom {package} import errors\n"
    assert _banned_imports(f"{package}/probe.py", source) == set()
