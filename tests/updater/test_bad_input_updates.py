"""Bad update input: partial USB bundles, a damaged model under `status --verify`, a lost previous
model. Each gives one clear line and the right exit code (and changes nothing)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from disk.paths import Paths
from tests.updater.test_cli import _genba_update
from updater import publish_cli
from updater.config import UpdateConfig
from updater.files import sha256_file
from updater.pointer import ModelRef, Pointer, read_pointer, write_pointer


@pytest.fixture
def usb(models: dict[str, Path], tmp_path: Path) -> tuple[Path, UpdateConfig]:
    """A vendor bundle on a 'USB stick' and a PC on version 1 that trusts the vendor."""
    repo = tmp_path / "vendor"
    assert publish_cli.main(["init", str(repo)]) == 0
    assert publish_cli.main(["add", str(repo), str(models["base"]), "--version", "1"]) == 0
    assert publish_cli.main(
        ["add", str(repo), str(models["new"]), "--version", "2", "--diff-from", "1"]
    ) == 0
    assert publish_cli.main(["bundle", str(repo), str(tmp_path / "usb")]) == 0
    paths = Paths.under(tmp_path / "client")
    store = paths.models_dir
    store.mkdir(parents=True)
    shutil.copyfile(models["base"], store / "m.gguf")
    write_pointer(store / "current.json",
                  Pointer(ModelRef("m.gguf", sha256_file(models["base"]), "1")))
    config = UpdateConfig(
        repository_url="", trusted_root=repo / "published" / "metadata" / "1.root.json",
        models_dir=store, update_dir=paths.update_dir, pointer=paths.current_model_pointer,
    )
    return tmp_path / "usb", config


def test_a_bundle_missing_its_targets_says_to_copy_it_again(
    usb: tuple[Path, UpdateConfig], capsys: pytest.CaptureFixture[str]
) -> None:
    bundle, config = usb
    for target in (bundle / "targets").rglob("*"):
        if target.is_file():
            target.unlink()
    capsys.readouterr()
    code = _genba_update(["import", str(bundle)], config)
    err = capsys.readouterr().err
    assert code == 2
    assert "is incomplete: it has no targets/" in err
    assert "Copy the whole bundle folder again" in err
    assert "network" not in err and "proxy" not in err
    assert read_pointer(config.pointer).current.version == "1"  # type: ignore[union-attr]


def test_status_verify_exits_1_when_the_model_file_is_damaged(
    usb: tuple[Path, UpdateConfig], capsys: pytest.CaptureFixture[str]
) -> None:
    _, config = usb
    assert _genba_update(["status", "--verify"], config) == 0
    with (config.models_dir / "m.gguf").open("r+b") as f:
        f.seek(-16, 2)
        f.write(b"\x00" * 16)
    capsys.readouterr()
    assert _genba_update(["status", "--verify", "--json"], config) == 1
    assert json.loads(capsys.readouterr().out)["current_intact"] is False


def test_status_does_not_promise_a_rollback_whose_file_is_gone(
    usb: tuple[Path, UpdateConfig], capsys: pytest.CaptureFixture[str]
) -> None:
    bundle, config = usb
    assert _genba_update(["import", str(bundle)], config) == 0
    pointer = read_pointer(config.pointer)
    assert pointer is not None and pointer.previous is not None
    capsys.readouterr()
    assert _genba_update(["status"], config) == 0
    assert "(rollback possible)" in capsys.readouterr().out
    (config.models_dir / pointer.previous.path).unlink()
    assert _genba_update(["status"], config) == 0
    out = capsys.readouterr().out
    assert "rollback is not possible" in out and "(rollback possible)" not in out
    assert _genba_update(["status", "--json"], config) == 0
    assert json.loads(capsys.readouterr().out)["rollback_possible"] is False
