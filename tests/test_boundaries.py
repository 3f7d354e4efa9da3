"""Package boundaries: engine and updater never import Qt or each other; one llama.cpp importer."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("engine", {"PySide6", "shiboken6", "updater", "desktop"}),
        ("updater", {"PySide6", "shiboken6", "engine", "desktop", "llama_cpp"}),
        ("desktop", {"llama_cpp"}),
    ],
)
def test_package_does_not_import(package: str, forbidden: set[str]) -> None:
    offenders = {
        str(p.relative_to(ROOT)): sorted(_imports(p) & forbidden)
        for p in _modules(package)
        if _imports(p) & forbidden
    }
    assert offenders == {}


def test_only_the_adapter_imports_llama_cpp() -> None:
    importers = [str(p.relative_to(ROOT)) for p in _modules("engine") if "llama_cpp" in _imports(p)]
    assert importers == ["engine/llama_adapter.py"]


def test_importing_the_engine_loads_neither_qt_nor_llama_cpp() -> None:
    code = (
        "import sys, engine.service, engine.cli, engine.model_info; "
        "bad = [m for m in ('PySide6', 'llama_cpp', 'updater') if m in sys.modules]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_ruff_config_bans_cross_imports() -> None:
    engine_rules = (ROOT / "engine" / "ruff.toml").read_text(encoding="utf-8")
    updater_rules = (ROOT / "updater" / "ruff.toml").read_text(encoding="utf-8")
    assert '"PySide6"' in engine_rules and '"updater"' in engine_rules
    assert '"PySide6"' in updater_rules and '"engine"' in updater_rules
