"""Package boundaries: engine and updater never import Qt or each other; disk is a leaf both
import (it imports none of them); one llama.cpp importer."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import tomllib
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
        ("disk", {"PySide6", "shiboken6", "engine", "updater", "desktop", "llama_cpp"}),
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
    assert importers == ["engine/local/llama_adapter.py"]


@pytest.mark.parametrize(
    ("modules", "absent"),
    [
        ("engine.service, engine.cli, engine.models.info", ("PySide6", "llama_cpp", "updater")),
        (
            "disk.atomic, disk.temps, disk.pointer, disk.space, disk.hashing, disk.env, "
            "disk.paths, disk.expert_stats",
            ("engine", "updater", "desktop", "PySide6", "llama_cpp"),
        ),
    ],
    ids=["engine loads neither Qt nor llama_cpp", "disk loads no other genba package"],
)
def test_importing_loads_none_of(modules: str, absent: tuple[str, ...]) -> None:
    code = (
        f"import sys, {modules}; "
        f"bad = [m for m in {absent!r} if m in sys.modules]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _standard_library_only(path: Path) -> set[str]:
    allowed = {"disk", "platformdirs"}  # platformdirs: the user folders (disk/paths.py)
    return {name for name in _imports(path) if name not in sys.stdlib_module_names} - allowed


def test_disk_is_a_leaf_of_the_standard_library() -> None:
    # Both engine and updater import disk, so anything disk imports they both carry.
    offenders = {
        str(p.relative_to(ROOT)): sorted(_standard_library_only(p))
        for p in _modules("disk")
        if _standard_library_only(p)
    }
    assert offenders == {}


@pytest.mark.parametrize("package", ["engine", "updater"])
def test_engine_and_updater_use_the_disk_layer(package: str) -> None:
    users = [p for p in _modules(package) if "disk" in _imports(p)]
    assert users, f"{package} does not use the shared disk layer"


def _banned(package: str) -> set[str]:
    rules = tomllib.loads((ROOT / package / "ruff.toml").read_text(encoding="utf-8"))
    return set(rules["lint"]["flake8-tidy-imports"]["banned-api"])


@pytest.mark.parametrize(
    ("package", "must_ban", "must_allow"),
    [
        ("engine", {"PySide6", "shiboken6", "updater", "desktop", "llama_cpp"}, {"disk"}),
        ("updater", {"PySide6", "shiboken6", "engine", "desktop", "llama_cpp"}, {"disk"}),
        ("disk", {"PySide6", "shiboken6", "engine", "updater", "desktop", "llama_cpp"}, set()),
    ],
)
def test_ruff_config_bans_cross_imports(
    package: str, must_ban: set[str], must_allow: set[str]
) -> None:
    banned = _banned(package)
    assert must_ban <= banned
    assert not banned & must_allow


def test_ruff_reports_a_leaf_violation(tmp_path: Path) -> None:
    # The ban must really fire, not only be written down; a copy of the configuration,
    # so that nobody's lint run of the checkout sees the probe.
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "disk").mkdir()
    shutil.copy(ROOT / "disk" / "ruff.toml", tmp_path / "disk" / "ruff.toml")
    probe = tmp_path / "disk" / "probe.py"
    probe.write_text("import engine\n\nprint(engine)\n", encoding="utf-8")
    ruff = Path(sys.executable).with_name("ruff")
    proc = subprocess.run(
        [str(ruff), "check", "--no-cache", "--select", "TID251", str(probe)],
        capture_output=True, text=True, check=False, cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 1 and "disk/ is a leaf" in proc.stdout, proc.stdout + proc.stderr
