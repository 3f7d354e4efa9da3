"""The one rule for which model store is active (policy ``model.store``), and where stores live."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from disk.paths import Paths
from disk.store import active_store, store_holding


@pytest.mark.parametrize(
    ("setting", "kind", "why"),
    [
        (None, "user", 'model.store = "user" (the default)'),
        ("user", "user", 'model.store = "user" (the default)'),
        ("machine", "machine", 'policy sets model.store = "machine"'),
        ("Machine", "user", "is not a store"),
        (True, "user", "is not a store"),
    ],
)
def test_the_store_rule_table(tmp_path: Path, setting: object, kind: str, why: str) -> None:
    paths = Paths.under(tmp_path)
    store = active_store(setting, paths)
    assert store.kind == kind
    assert why in store.why
    if kind == "machine":
        assert store.models_dir == tmp_path / "machine" / "models"
        assert store.update_dir == tmp_path / "machine" / "updates"
    else:
        assert (store.models_dir, store.update_dir) == (paths.models_dir, paths.update_dir)
    assert store.pointer == store.models_dir / "current.json"


def test_the_machine_folder_cannot_be_moved_by_genba_home(tmp_path: Path) -> None:
    paths = Paths.default({"GENBA_HOME": str(tmp_path)})
    assert paths.data_dir == tmp_path / "data"
    expected = Path("/var/lib/genba") if sys.platform != "win32" else paths.policy_dir
    assert paths.machine_dir == expected
    assert paths.machine_models_dir == expected / "models"


def test_a_store_folder_that_does_not_exist_yet_is_writable_if_its_parent_is(
    tmp_path: Path,
) -> None:
    store = active_store("machine", Paths.under(tmp_path))
    assert not store.models_dir.exists()
    assert store.writable()
    assert "update service" in store.read_only_message("Updating the model")


def test_store_holding_knows_both_stores_active_or_not(tmp_path: Path) -> None:
    paths = Paths.under(tmp_path)
    for folder in (paths.models_dir, paths.machine_models_dir):
        folder.mkdir(parents=True)
    assert store_holding(paths.models_dir / "a.gguf", paths) == "user"
    assert store_holding(paths.machine_models_dir / "sub" / "a.gguf", paths) == "machine"
    assert store_holding(tmp_path / "elsewhere" / "a.gguf", paths) is None
    # A path that only leads into a store through a link is still in it.
    (tmp_path / "link").symlink_to(paths.machine_models_dir)
    assert store_holding(tmp_path / "link" / "a.gguf", paths) == "machine"
