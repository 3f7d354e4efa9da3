"""A site pack published encrypted to its site: followed over HTTP only with the site's key.

Packs (tests/updater/test_packs.py) and encryption (test_encrypt.py) meet here: the pack
and its switch diff are encrypted for ``plant-a``; a PC of that site following the pack
refuses it with one line until the site key is imported, then moves to the pack by the
encrypted diff, every byte verified by TUF before it is decrypted.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.updater.testkit import RepoServer, genba_update, vendor_pc_config
from updater import publish_cli
from updater.client import UpdateClient
from updater.errors import SiteKeyError
from updater.files import sha256_file
from updater.pack_prune import PackInfo, prune_gguf
from updater.pointer import read_pointer
from updater.sealing import MAGIC

KEPT = [[0, 2, 3, 5], [1, 2, 3, 4], [0, 1, 6, 7], [2, 3, 4, 5]]


@pytest.fixture(scope="module")
def vendor(models: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("sealed-pack")
    repo, pack = root / "repo", root / "machining-1.gguf"
    prune_gguf(models["base"], pack, KEPT, PackInfo(name="machining", coverage=0.9, source="text"))
    run = publish_cli.main
    assert run(["init", str(repo)]) == 0
    assert run(["site-key", "new", str(repo), "plant-a"]) == 0
    assert run(["add", str(repo), str(models["base"]), "--version", "1"]) == 0
    add = ["add", str(repo), str(pack), "--pack", "machining", "--version", "1"]
    assert run([*add, "--encrypt-to", "plant-a"]) == 0
    assert run(["site-key", "export", str(repo), "plant-a", str(root / "plant-a.key")]) == 0
    return root


def test_an_encrypted_pack_needs_the_site_key_then_arrives_by_its_encrypted_diff(
    vendor: Path, models: dict[str, Path], tmp_path: Path
) -> None:
    published = vendor / "repo" / "published"
    packs = published / "targets" / "packs" / "machining"
    pack_files = [p for p in packs.rglob("*") if p.is_file() and "manifests" not in p.parts]
    assert len(pack_files) == 2  # the pack and its switch diff (manifests stay readable)
    assert all(p.read_bytes().startswith(MAGIC) for p in pack_files)
    server = RepoServer(published)
    try:
        config = vendor_pc_config(
            tmp_path, vendor, models["base"], server.url, site_pack="machining"
        )
        with pytest.raises(SiteKeyError) as refused:
            UpdateClient(config).apply()
        assert "plant-a" in str(refused.value) and "key import" in str(refused.value)
        assert "\n" not in str(refused.value)
        assert read_pointer(config.pointer).current.version == "1"  # type: ignore[union-attr]

        assert genba_update(["key", "import", str(vendor / "plant-a.key")], config) == 0
        UpdateClient(config).apply()
        pointer = read_pointer(config.pointer)
        assert pointer is not None and pointer.current.version == "machining@1"
        built = config.models_dir / pointer.current.path
        expected = tmp_path / "expected.gguf"
        prune_gguf(
            models["base"], expected, KEPT, PackInfo(name="machining", coverage=0.9, source="text")
        )
        assert sha256_file(built) == sha256_file(expected) == pointer.current.sha256
        assert any(p.endswith(".gdiff") for p in server.requests)  # by the switch diff
        assert not any("/models/" in p for p in server.requests)  # never a whole model
        assert not list(config.update_dir.glob("*.clear"))  # no decrypted leftovers
    finally:
        server.close()
