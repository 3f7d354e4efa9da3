"""Encrypted delivery end to end: `genba-publish --encrypt-to`, a USB bundle and a loopback
HTTP repository, the real TUF client, real age encryption (pyrage) on the tiny models.

Order of checks under test: TUF verifies the ciphertext, age decrypts it with the site key,
the plaintext is checked against the signed hash; a missing key, a wrong key or tampered
bytes each stop with one line and install nothing.
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
from pathlib import Path

import pytest

from disk.paths import Paths
from tests.updater.testkit import RepoServer, genba_update, vendor_pc_config
from updater import cli, publish_cli
from updater.client import UpdateClient
from updater.config import UpdateConfig
from updater.errors import TrustError
from updater.files import sha256_file
from updater.pointer import read_pointer
from updater.repository import PublisherRepository
from updater.sealing import MAGIC, Sealing


@pytest.fixture(scope="module")
def vendor(models: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Version 1 in clear; 2 and 3 encrypted for plant-a (3 diffed from the encrypted 2);
    a key file for plant-a and one for plant-b (another site)."""
    root = tmp_path_factory.mktemp("vendor")
    repo = root / "repo"
    run = publish_cli.main
    assert run(["init", str(repo)]) == 0
    assert run(["site-key", "new", str(repo), "plant-a"]) == 0
    assert run(["site-key", "new", str(repo), "plant-b"]) == 0
    assert run(["add", str(repo), str(models["base"]), "--version", "1"]) == 0
    add = ["add", str(repo), "--encrypt-to", "plant-a"]
    assert run([*add, str(models["new"]), "--version", "2", "--diff-from", "1"]) == 0
    assert run([*add, str(models["newer"]), "--version", "3", "--diff-from", "2"]) == 0
    assert run(["site-key", "export", str(repo), "plant-a", str(root / "plant-a.key")]) == 0
    assert run(["site-key", "export", str(repo), "plant-b", str(root / "plant-b.key")]) == 0
    assert run(["bundle", str(repo), str(root / "usb"), "--encrypt-to", "plant-a"]) == 0
    return root


def _error_line(stderr: str) -> str:
    """The one error line (progress lines such as "Looking for model updates" may precede it)."""
    errors = [line for line in stderr.splitlines() if line.startswith("genba update:")]
    assert len(errors) == 1, stderr
    assert stderr.rstrip().endswith(errors[0])
    return errors[0]


def _installed(config: UpdateConfig) -> list[str]:
    return sorted(p.name for p in config.models_dir.iterdir())


def test_bundle_carries_only_ciphertext(vendor: Path, models: dict[str, Path]) -> None:
    usb = vendor / "usb"
    payloads = [p for p in (usb / "targets").rglob("*") if p.is_file()]
    sealed = [p for p in payloads if p.read_bytes().startswith(MAGIC)]
    # 2 encrypted models + 2 encrypted diffs; version 1 (published in clear) is left out
    assert len(sealed) == 4
    assert not list((usb / "targets" / "models").rglob("*base.gguf"))
    clear = {sha256_file(models[k]) for k in ("base", "new", "newer")}
    assert not any(sha256_file(p) in clear for p in payloads)
    # a GGUF's bytes appear nowhere in the bundle (a lost stick reveals no weights)
    weights = models["newer"].read_bytes()[-4096:]
    assert not any(weights in p.read_bytes() for p in payloads)
    assert not list(usb.rglob("*.pem")) and not list(usb.rglob("site-*"))


def test_encrypted_bundle_imports_with_the_key(
    vendor: Path,
    models: dict[str, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    config = vendor_pc_config(tmp_path, vendor, models["base"])
    assert genba_update(["key", "import", str(vendor / "plant-a.key")], config) == 0
    out = capsys.readouterr().out
    assert "plant-a" in out and "AGE-SECRET-KEY" not in out
    assert genba_update(["import", str(vendor / "usb"), "--json"], config) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["switched"] and result["latest"] == "3"
    # the diff chain 1 → 2 → 3 was used, each encrypted diff opened after TUF verified it
    assert [step["diff_from"] for step in result["path"]] == ["1", "2"]
    pointer = read_pointer(config.pointer)
    assert pointer is not None
    assert (config.models_dir / pointer.current.path).read_bytes() == models["newer"].read_bytes()
    # the decrypted diffs do not stay behind
    assert not list(config.update_dir.glob("*.clear"))
    assert "AGE-SECRET-KEY" not in caplog.text + capsys.readouterr().err  # never logged


def test_without_the_key_one_line_and_nothing_installed(
    vendor: Path, models: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = vendor_pc_config(tmp_path, vendor, models["base"])
    assert genba_update(["import", str(vendor / "usb")], config) == 1
    err = _error_line(capsys.readouterr().err)
    assert "This bundle is encrypted for site plant-a; import the site key with " in err
    assert "genba update key import FILE" in err
    assert _installed(config) == ["current.json", "m-1.gguf"]
    # the key is looked up before the download: no encrypted diff was even fetched
    assert not list(config.download_dir.glob("diffs/*"))


def test_wrong_site_key_one_line_and_nothing_installed(
    vendor: Path, models: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = vendor_pc_config(tmp_path, vendor, models["base"])
    assert genba_update(["key", "import", str(vendor / "plant-b.key")], config) == 0
    capsys.readouterr()
    assert genba_update(["import", str(vendor / "usb")], config) == 1
    err = _error_line(capsys.readouterr().err)
    assert "encrypted for site plant-a, but no site key on this PC opens it" in err
    assert _installed(config) == ["current.json", "m-1.gguf"]
    assert not list(config.update_dir.glob("*.clear")) and not list(config.update_dir.glob(".*"))


def test_tampered_ciphertext_is_refused_by_tuf(
    vendor: Path, models: dict[str, Path], tmp_path: Path
) -> None:
    usb = tmp_path / "usb"
    shutil.copytree(vendor / "usb", usb)
    for diff in (usb / "targets" / "diffs").iterdir():
        raw = bytearray(diff.read_bytes())
        raw[-100] ^= 1  # one bit inside the last encrypted chunk
        diff.write_bytes(bytes(raw))
    config = vendor_pc_config(tmp_path, vendor, models["base"])
    assert genba_update(["key", "import", str(vendor / "plant-a.key")], config) == 0
    with pytest.raises(TrustError):
        UpdateClient(config).import_bundle(usb)
    assert _installed(config) == ["current.json", "m-1.gguf"]


def test_full_download_over_http_is_decrypted_after_tuf(
    vendor: Path, models: dict[str, Path], tmp_path: Path
) -> None:
    server = RepoServer(vendor / "repo" / "published")
    try:
        # no model yet: full download
        config = vendor_pc_config(tmp_path, vendor, None, url=server.url)
        assert genba_update(["key", "import", str(vendor / "plant-a.key")], config) == 0
        result = UpdateClient(config).apply()
    finally:
        server.close()
    assert result.steps[-1].diff is None and result.latest is not None
    pointer = read_pointer(config.pointer)
    assert pointer is not None and pointer.current.version == "3"
    assert (config.models_dir / pointer.current.path).read_bytes() == models["newer"].read_bytes()
    assert _installed(config) == ["current.json", "newer-3.gguf"]  # the ciphertext is gone
    assert any(r.startswith("/targets/models/3/") for r in server.requests)


def test_signed_metadata_names_the_sites_and_hashes_the_ciphertext(vendor: Path) -> None:
    repo = PublisherRepository(vendor / "repo")
    entry = repo.release().find(version="3")
    assert entry is not None
    from tuf.api.metadata import Targets

    info = repo.load(Targets.type).signed.targets[entry.model]
    seal = Sealing.of(info.custom)
    assert seal is not None and seal.sites == ("plant-a",)
    assert seal.sha256 == entry.sha256 != info.hashes["sha256"]
    assert sha256_file(repo.target_file(info)) == info.hashes["sha256"]


def test_bundle_for_a_site_refuses_a_clear_latest_version(
    vendor: Path, models: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(vendor / "repo", repo)
    assert publish_cli.main(["add", str(repo), str(models["donor"]), "--version", "4"]) == 0
    capsys.readouterr()
    code = publish_cli.main(["bundle", str(repo), str(tmp_path / "usb"), "--encrypt-to", "plant-a"])
    assert code == 2
    assert "Version 4 is not published encrypted for plant-a" in capsys.readouterr().err
    assert publish_cli.main(["add", str(repo), str(models["donor"]), "--version", "5",
                             "--encrypt-to", "plant-z"]) == 2
    assert "Site plant-z has no key" in capsys.readouterr().err


def test_key_list_and_remove_show_no_secret(
    vendor: Path, models: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = vendor_pc_config(tmp_path, vendor, models["base"])
    assert genba_update(["key", "list"], config) == 0
    assert "No site keys" in capsys.readouterr().out
    for site in ("plant-a", "plant-b"):
        assert genba_update(["key", "import", str(vendor / f"{site}.key")], config) == 0
    assert genba_update(["key", "import", str(vendor / "plant-a.key")], config) == 0
    assert "none new" in capsys.readouterr().out  # importing twice adds nothing
    assert genba_update(["key", "list", "--json"], config) == 0
    captured = capsys.readouterr()
    listed = json.loads(captured.out)["keys"]
    assert [(k["site"], k["in"]) for k in listed] == [("plant-a", "file"), ("plant-b", "file")]
    assert all(k["public"].startswith("age1") for k in listed)
    assert "AGE-SECRET-KEY" not in captured.out + captured.err
    assert genba_update(["key", "remove", "plant-b"], config) == 0
    assert "Removed 1 key(s) of site plant-b" in capsys.readouterr().out
    assert genba_update(["import", str(vendor / "usb")], config) == 0  # plant-a's key still works


def test_key_import_bad_input_and_machine_store(
    vendor: Path, models: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = vendor_pc_config(tmp_path, vendor, models["base"])
    not_a_key = tmp_path / "notes.txt"
    not_a_key.write_text("hello\n")
    assert genba_update(["key", "import", str(not_a_key)], config) == 1
    assert "not an age secret key" in _error_line(capsys.readouterr().err)
    assert genba_update(["key", "import", str(tmp_path / "missing.key")], config) == 2
    assert "Cannot read the key file" in _error_line(capsys.readouterr().err)

    # the update service cannot read a user's keyring: the machine store refuses --keyring
    parser = argparse.ArgumentParser(prog="genba")
    cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["update", "key", "import", str(vendor / "plant-a.key"), "--keyring"])
    args.genba_settings = {"model.store": "machine"}
    args.genba_paths = Paths.under(tmp_path / "home")  # its machine folder is ours: writable
    assert args.func(args) == 2
    assert "cannot read a user's keyring" in _error_line(capsys.readouterr().err)
