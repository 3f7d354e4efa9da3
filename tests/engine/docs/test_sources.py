"""Document sources from settings: policy folders, installed packs, personal folders."""

from __future__ import annotations

import json
from pathlib import Path

from disk.doc_packs import InstalledDocPack, write_doc_pack_pointer
from engine.docs.sources import document_sources, missing_folders, missing_packs
from engine.paths import Paths
from engine.settings import load_settings
from engine.settings.loader import merge
from tests.engine.settings.helpers import write_policy, write_user


def _toml(values: dict[str, object]) -> str:
    """Settings as TOML dotted keys (JSON strings, arrays and booleans are valid TOML)."""
    return "".join(f"{key} = {json.dumps(value)}\n" for key, value in values.items())


def _install_pack(root: Path, name: str, version: str) -> Path:
    folder = root / name / f"{name}-{version}"
    folder.mkdir(parents=True)
    (folder / "sop.md").write_text("# SOP\n\ntext\n", encoding="utf-8")
    write_doc_pack_pointer(root, InstalledDocPack(name, version, folder, "ab" * 32))
    return folder


def test_policy_packs_and_personal_folders_in_order(paths: Paths, tmp_path: Path) -> None:
    site, mine = tmp_path / "site", tmp_path / "mine"
    site.mkdir()
    pack = _install_pack(paths.models_dir.parent / "docpacks", "line3", "2026.1")
    _install_pack(paths.models_dir.parent / "docpacks", "not-named", "1")
    write_policy(paths, _toml({
        "docs.folders": [str(site), str(tmp_path / "share-not-mounted")],
        "updates.doc_packs": ["line3", "not-installed"],
    }))  # fmt: skip
    write_user(paths, _toml({"docs.personal_folders": [str(mine), str(site)]}))
    settings = load_settings(paths)
    sources = document_sources(settings, paths)
    assert [(s.kind, s.folder, s.label) for s in sources] == [
        ("policy", site, str(site)),
        ("policy", tmp_path / "share-not-mounted", str(tmp_path / "share-not-mounted")),
        ("pack", pack, "line3 2026.1"),
        ("personal", mine, str(mine)),  # site is already a policy source
    ]
    assert [s.folder for s in missing_folders(sources)] == [
        tmp_path / "share-not-mounted", mine
    ]
    assert missing_packs(settings, paths) == ["not-installed"]


def test_personal_folders_only_when_policy_allows(paths: Paths, tmp_path: Path) -> None:
    write_policy(paths, _toml({"docs.allow_personal": False}))
    write_user(paths, _toml({"docs.personal_folders": [str(tmp_path)]}))
    assert document_sources(load_settings(paths), paths) == []


def test_packs_come_from_the_machine_store_when_policy_says_so(paths: Paths) -> None:
    pack = _install_pack(paths.machine_models_dir.parent / "docpacks", "site", "7")
    write_policy(paths, _toml({"model.store": "machine", "updates.doc_packs": ["site"]}))
    sources = document_sources(load_settings(paths), paths)
    assert [(s.kind, s.folder) for s in sources] == [("pack", pack)]


def test_no_settings_no_sources(paths: Paths) -> None:
    assert document_sources(merge(None, []), paths) == []
