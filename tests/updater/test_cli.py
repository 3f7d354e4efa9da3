"""`genba-publish` and `genba update` as an operator and a vendor would run them."""

from __future__ import annotations

import argparse
import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from disk.paths import Paths
from tests.updater.testkit import FakeHub, RepoServer
from updater import cli, publish_cli
from updater.config import UpdateConfig
from updater.files import sha256_file
from updater.pointer import ModelRef, Pointer, read_pointer, write_pointer
from updater.repository import PublisherRepository


def _genba_update(argv: list[str], config: UpdateConfig, **settings: object) -> int:
    parser = argparse.ArgumentParser(prog="genba")
    cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["update", *argv])
    args.genba_settings = {
        "updates.repository_url": config.repository_url,
        "updates.trusted_root": str(config.trusted_root),
        **settings,
    }
    # The engine's CLI hands over its Paths: the config's folders must be laid out like them.
    data_dir = config.models_dir.parent
    args.genba_paths = replace(Paths.under(data_dir.parent), data_dir=data_dir)
    assert (args.genba_paths.update_dir, args.genba_paths.current_model_pointer) == (
        config.update_dir, config.pointer
    )
    code: int = args.func(args)
    return code


def test_publish_bundle_and_import(
    models: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = tmp_path / "vendor"
    assert publish_cli.main(["init", str(repo), "--root-keys", "2", "--root-threshold", "2"]) == 0
    assert publish_cli.main(["add", str(repo), str(models["base"]), "--version", "1"]) == 0
    assert (
        publish_cli.main(
            ["add", str(repo), str(models["new"]), "--version", "2", "--diff-from", "1"]
        )
        == 0
    )
    assert publish_cli.main(["add", str(repo), str(models["new"]), "--version", "2"]) == 2
    assert publish_cli.main(["refresh", str(repo)]) == 0
    assert publish_cli.main(["bundle", str(repo), str(tmp_path / "usb")]) == 0
    assert not list((tmp_path / "usb").rglob("*.pem"))  # private keys never leave keys/
    capsys.readouterr()

    paths = Paths.under(tmp_path / "client")
    store = paths.models_dir
    store.mkdir(parents=True)
    shutil.copyfile(models["base"], store / "m.gguf")
    write_pointer(
        store / "current.json", Pointer(ModelRef("m.gguf", sha256_file(models["base"]), "1"))
    )
    config = UpdateConfig(
        repository_url="",
        trusted_root=repo / "published" / "metadata" / "1.root.json",
        models_dir=store,
        update_dir=paths.update_dir,
        pointer=paths.current_model_pointer,
    )
    code = _genba_update(["import", str(tmp_path / "usb"), "--json"], config)
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["switched"] and out["latest"] == "2"
    pointer = read_pointer(store / "current.json")
    assert pointer is not None
    assert (store / pointer.current.path).read_bytes() == models["new"].read_bytes()

    assert (
        _genba_update(
            ["import", str(tmp_path / "usb")], config, **{"updates.allow_offline_bundles": False}
        )
        == 2
    )
    assert _genba_update(["import", str(tmp_path / "nowhere")], config) == 2


def test_status_check_apply_rollback_json(
    config: UpdateConfig, server: RepoServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _genba_update(["check", "--json"], config) == 0
    check = json.loads(capsys.readouterr().out)
    assert check["available"] and check["path"] == [{"version": "2", "diff_from": "1"}]
    assert read_pointer(config.pointer).current.version == "1"  # type: ignore[union-attr]

    assert _genba_update(["apply", "--download-only"], config) == 0
    assert read_pointer(config.pointer).current.version == "1"  # type: ignore[union-attr]
    assert _genba_update(["apply"], config) == 0
    assert "version 2 is active" in capsys.readouterr().out

    assert _genba_update(["status", "--verify", "--json"], config) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["current"]["version"] == "2" and status["current_intact"]
    assert status["previous"]["version"] == "1"

    assert _genba_update(["rollback"], config) == 0
    assert _genba_update(["rollback"], config) == 0  # back and forth between the two
    assert read_pointer(config.pointer).current.version == "2"  # type: ignore[union-attr]


def test_offline_and_unreachable(config: UpdateConfig, capsys: pytest.CaptureFixture[str]) -> None:
    assert _genba_update(["check", "--json"], config, **{"network.offline": True}) == 1
    assert json.loads(capsys.readouterr().out)["error"] == "offline"
    config2 = UpdateConfig(**{**config.__dict__, "repository_url": "http://127.0.0.1:9/"})
    assert _genba_update(["check"], config2) == 1
    assert "Could not download" in capsys.readouterr().err


def test_upload_to_hub_then_update_from_resolve_urls(
    repo: PublisherRepository, config: UpdateConfig, tmp_path: Path, models: dict[str, Path]
) -> None:
    hub = FakeHub(tmp_path / "hub")
    try:
        code = publish_cli.main(
            ["upload", str(repo.root), "acme/genba-models", "--endpoint", hub.url]
        )
    finally:
        hub.close()
    assert code == 0
    assert [c.split("/api/")[1].split("/")[0] for c in hub.calls] == ["repos", "models", "models"]
    # clients read the repo through the Hub's static /resolve/<revision>/ URLs
    static = RepoServer(tmp_path / "hub")
    try:
        url = f"{static.url}acme/genba-models/resolve/main/"
        _genba_update(["apply"], replace(config, repository_url=url))
    finally:
        static.close()
    pointer = read_pointer(config.pointer)
    assert pointer is not None and pointer.current.version == "2"
    assert (config.models_dir / pointer.current.path).read_bytes() == models["new"].read_bytes()


def test_config_defaults_and_env_offline(tmp_path: Path) -> None:
    paths = Paths.under(tmp_path)
    cfg = UpdateConfig.from_settings({}, paths, environ={})
    assert cfg.models_dir == tmp_path / "data" / "models"
    assert cfg.pointer == paths.current_model_pointer and cfg.update_dir == paths.update_dir
    assert cfg.trusted_root.parts[-3:] == ("assets", "tuf", "root.json")
    assert not cfg.offline and cfg.auto_apply and cfg.check_interval_h == 24
    offline = UpdateConfig.from_settings({}, paths, environ={"GENBA_OFFLINE": "1"})
    assert offline.offline


def test_the_updater_s_default_folders_are_the_engine_s(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Run without the engine's CLI (no folders handed over): the same data folder, not ~/.genba.
    from engine.paths import Paths as EnginePaths
    from updater.cli import _config

    monkeypatch.delenv("GENBA_HOME")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    cfg = _config(argparse.Namespace())
    assert cfg.models_dir == EnginePaths.default().models_dir
    assert cfg.models_dir.is_relative_to(tmp_path / "xdg")


def test_a_broken_pointer_is_one_line_that_says_what_to_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = Paths.under(tmp_path / "client")
    paths.models_dir.mkdir(parents=True)
    paths.current_model_pointer.write_text('{"format": 1, "path": "../x", "sha256": "a", '
                                           '"version": "1"}')  # fmt: skip
    config = UpdateConfig.from_settings({}, paths, environ={})
    assert _genba_update(["status"], config) == 1
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "not a file name" in err and "genba update apply" in err
