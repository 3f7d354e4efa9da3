"""Site keys: the PC's key file (permissions, owner) and OS keyring, the publisher's key ring
(rotation), and decryption failures that TUF cannot see (bytes signed but damaged)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from pyrage import x25519

from tests.engine.remote_servers import memory_keyring
from updater.client import UpdateClient
from updater.config import UpdateConfig
from updater.errors import BadInputError, ContentError, SiteKeyError
from updater.files import sha256_file
from updater.pointer import ModelRef, Pointer, read_pointer, write_pointer
from updater.repository import PublisherRepository
from updater.sealing import Sealing, open_sealed, seal
from updater.site_keys import KEYRING_SERVICE, import_keys, key_file, load_keys, remove_site


@pytest.fixture
def site_repo(published: Path, tmp_path: Path) -> PublisherRepository:
    """The shared repository (1 and 2 in clear) plus a key for site plant-a."""
    root = tmp_path / "repo"
    shutil.copytree(published, root)
    repo = PublisherRepository(root)
    repo.site_keys.new("plant-a")
    return repo


def _pc(tmp_path: Path, repo: PublisherRepository, models: dict[str, Path]) -> UpdateConfig:
    store = tmp_path / "pc" / "models"
    store.mkdir(parents=True)
    shutil.copyfile(models["base"], store / "base-1.gguf")
    ref = ModelRef("base-1.gguf", sha256_file(models["base"]), "1")
    write_pointer(store / "current.json", Pointer(current=ref))
    return UpdateConfig(
        repository_url="",
        trusted_root=repo.metadata_dir / "1.root.json",
        models_dir=store,
        update_dir=tmp_path / "pc" / "updates",
        pointer=store / "current.json",
    )


def _bundle(repo: PublisherRepository, dest: Path) -> Path:
    return repo.export_bundle(dest, encrypt_to=("plant-a",))


def _version(config: UpdateConfig) -> str:
    pointer = read_pointer(config.pointer)
    assert pointer is not None
    return pointer.current.version


def test_publisher_keys_are_private_files_and_never_published(
    site_repo: PublisherRepository, tmp_path: Path
) -> None:
    files = list(site_repo.keys_dir.glob("site-plant-a-*.txt"))
    assert len(files) == 1 and files[0].stat().st_mode & 0o777 == 0o600
    export = tmp_path / "plant-a.key"
    site_repo.site_keys.export_identity("plant-a", export)
    assert export.stat().st_mode & 0o777 == 0o600
    with pytest.raises(BadInputError, match="exists"):
        site_repo.site_keys.export_identity("plant-a", export)
    with pytest.raises(BadInputError, match="not a site name"):
        site_repo.site_keys.new("Plant A")
    listed = site_repo.site_keys.listing()
    assert [(k.site, k.state) for k in listed] == [("plant-a", "current")]
    assert "AGE-SECRET-KEY" not in repr(listed)


def test_key_file_readable_by_others_is_refused(
    site_repo: PublisherRepository, models: dict[str, Path], tmp_path: Path
) -> None:
    # (the bundle leaves out diff 1..2, published in clear: the PC on version 1 falls back
    # to the encrypted full model of version 3)
    site_repo.add_version(models["newer"], "3", ["2"], encrypt_to=("plant-a",))
    usb = _bundle(site_repo, tmp_path / "usb")
    assert not list((usb / "targets" / "diffs").glob("*.1..2.gdiff"))
    config = _pc(tmp_path, site_repo, models)
    site_repo.site_keys.export_identity("plant-a", tmp_path / "a.key")
    import_keys(tmp_path / "a.key", config.update_dir)
    path = key_file(config.update_dir)
    assert path.stat().st_mode & 0o777 == 0o600  # written private

    path.chmod(0o640)
    readable = r"can be read by other accounts \(mode 0640\); run `chmod 600"
    with pytest.raises(SiteKeyError, match=readable):
        UpdateClient(config).import_bundle(usb)
    assert _version(config) == "1"

    path.chmod(0o600)
    os.chown(path, 12345, -1)  # the tests run as root: any other owner is refused
    with pytest.raises(SiteKeyError, match="belongs to another account"):
        UpdateClient(config).import_bundle(usb)
    os.chown(path, os.geteuid(), -1)

    UpdateClient(config).import_bundle(usb)
    assert _version(config) == "3"


def test_symlinked_key_file_is_refused(
    site_repo: PublisherRepository, models: dict[str, Path], tmp_path: Path
) -> None:
    config = _pc(tmp_path, site_repo, models)
    site_repo.site_keys.export_identity("plant-a", tmp_path / "a.key")
    config.update_dir.mkdir(parents=True)
    key_file(config.update_dir).symlink_to(tmp_path / "a.key")
    with pytest.raises(SiteKeyError, match="not a regular file"):
        load_keys(config.update_dir)


def test_key_in_the_os_keyring(
    site_repo: PublisherRepository, models: dict[str, Path], tmp_path: Path
) -> None:
    site_repo.add_version(models["newer"], "3", ["2"], encrypt_to=("plant-a",))
    usb = _bundle(site_repo, tmp_path / "usb")
    config = _pc(tmp_path, site_repo, models)
    site_repo.site_keys.export_identity("plant-a", tmp_path / "a.key")
    with memory_keyring() as ring:
        added, where = import_keys(tmp_path / "a.key", config.update_dir, to_keyring=True)
        assert [k.site for k in added] == ["plant-a"] and "keyring" in where
        assert not key_file(config.update_dir).exists()  # nothing written to a file
        assert [w for _, w in load_keys(config.update_dir)] == ["keyring"]
        UpdateClient(config).import_bundle(usb)
        assert _version(config) == "3"
        assert remove_site("plant-a", config.update_dir) == 1
        assert "AGE-SECRET-KEY" not in ring.secrets[(KEYRING_SERVICE, "identities")]


def test_rotation_keeps_old_pcs_working_until_drop_old(
    site_repo: PublisherRepository, models: dict[str, Path], tmp_path: Path
) -> None:
    site_repo.site_keys.export_identity("plant-a", tmp_path / "old.key")
    site_repo.site_keys.rotate("plant-a")
    assert [k.state for k in site_repo.site_keys.listing()] == ["current", "previous"]
    site_repo.add_version(models["newer"], "3", ["2"], encrypt_to=("plant-a",))
    old_pc = _pc(tmp_path / "old", site_repo, models)
    import_keys(tmp_path / "old.key", old_pc.update_dir)
    UpdateClient(old_pc).import_bundle(_bundle(site_repo, tmp_path / "usb3"))
    assert _version(old_pc) == "3"  # encrypted to the current and the previous key

    site_repo.site_keys.rotate("plant-a", drop_old=True)
    assert [k.state for k in site_repo.site_keys.listing()] == ["current"]
    site_repo.add_version(models["donor"], "4", encrypt_to=("plant-a",))
    late_pc = _pc(tmp_path / "late", site_repo, models)
    import_keys(tmp_path / "old.key", late_pc.update_dir)
    with pytest.raises(SiteKeyError, match="no site key on this PC opens it"):
        UpdateClient(late_pc).import_bundle(_bundle(site_repo, tmp_path / "usb4"))
    assert _version(late_pc) == "1"
    site_repo.site_keys.export_identity("plant-a", tmp_path / "new.key")
    import_keys(tmp_path / "new.key", late_pc.update_dir)
    UpdateClient(late_pc).import_bundle(tmp_path / "usb4")
    assert _version(late_pc) == "4"


def _sealed(tmp_path: Path, plain: bytes) -> tuple[Path, x25519.Identity, Sealing]:
    ident = x25519.Identity.generate()
    src = tmp_path / "plain.bin"
    src.write_bytes(plain)
    sealing = seal(src, tmp_path / "sealed.age", [ident.to_public()], ["plant-a"])
    return tmp_path / "sealed.age", ident, sealing


def test_signed_but_damaged_ciphertext_leaves_nothing(tmp_path: Path) -> None:
    # what TUF cannot catch: the publisher signed a damaged file. Authentication catches it.
    sealed, ident, sealing = _sealed(tmp_path, os.urandom(300_000))
    raw = bytearray(sealed.read_bytes())
    raw[-5000] ^= 1
    sealed.write_bytes(bytes(raw))
    dest = tmp_path / "out" / "model.gguf"
    with pytest.raises(ContentError, match="failed its integrity check"):
        open_sealed(sealed, dest, [ident], sealing)
    assert not dest.parent.exists() or list(dest.parent.iterdir()) == []


def test_plaintext_must_match_the_signed_hash(tmp_path: Path) -> None:
    sealed, ident, sealing = _sealed(tmp_path, b"genba" * 50_000)
    wrong = Sealing(sealing.sites, "0" * 64, sealing.length)
    dest = tmp_path / "out" / "model.gguf"
    with pytest.raises(ContentError, match="does not match its signed hash"):
        open_sealed(sealed, dest, [ident], wrong)
    assert list(dest.parent.iterdir()) == []
    open_sealed(sealed, dest, [ident], sealing)
    assert dest.read_bytes() == b"genba" * 50_000


@pytest.mark.skipif(shutil.which("age") is None, reason="Debian's age CLI is not installed")
def test_the_age_cli_opens_a_sealed_target(
    site_repo: PublisherRepository, models: dict[str, Path], tmp_path: Path
) -> None:
    # the format is standard: an admin can inspect/decrypt with `age -d -i KEYFILE`
    entry = site_repo.add_version(models["newer"], "3", ["2"], encrypt_to=("plant-a",))
    from tuf.api.metadata import Targets

    info = site_repo.load(Targets.type).signed.targets[entry.model]
    site_repo.site_keys.export_identity("plant-a", tmp_path / "a.key")
    out = tmp_path / "out.gguf"
    subprocess.run(
        ["age", "-d", "-i", str(tmp_path / "a.key"), "-o", str(out),
         str(site_repo.target_file(info))],
        check=True,
    )
    assert out.read_bytes() == models["newer"].read_bytes()
    # and a key made by `age-keygen` imports as it is (no site comment: "unnamed")
    subprocess.run(["age-keygen", "-o", str(tmp_path / "k.txt")], check=True, capture_output=True)
    added, _ = import_keys(tmp_path / "k.txt", tmp_path / "pc")
    assert [k.site for k in added] == ["unnamed"]
    assert added[0].public in (tmp_path / "k.txt").read_text()
