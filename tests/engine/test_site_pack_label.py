"""A site pack says what it is: ``genba models list`` shows "site pack <name> (K of E experts)"."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from engine.cli import main
from engine.models.info import inspect_model
from engine.models.pack import site_pack
from engine.paths import Paths
from updater.pack_prune import PackInfo, prune_gguf

KEPT = [[0, 2, 3, 5], [1, 2, 3, 4], [0, 1, 6, 7], [2, 3, 4, 5]]


@pytest.fixture(scope="module")
def pack(tiny_moe_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pack") / "pack-machining-1.gguf"
    prune_gguf(tiny_moe_path, out, KEPT, PackInfo(name="machining", coverage=0.9))
    return out


def test_inspection_reads_the_pack_metadata(pack: Path, tiny_moe_path: Path) -> None:
    found = site_pack(inspect_model(pack))
    assert found is not None
    assert (found.name, found.kept, found.base_experts) == ("machining", 4, 8)
    assert found.label() == "site pack machining (4 of 8 experts)"
    assert site_pack(inspect_model(tiny_moe_path)) is None  # a full model is no pack


def test_models_list_shows_the_pack(
    pack: Path, tiny_moe_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = Paths.default().models_dir
    store.mkdir(parents=True)
    shutil.copyfile(pack, store / pack.name)
    shutil.copyfile(tiny_moe_path, store / "full.gguf")
    assert main(["models", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    pack_line = next(line for line in lines if "pack-machining-1.gguf" in line)
    assert pack_line.endswith("llama, 4 experts, top-2, site pack machining (4 of 8 experts)")
    full_line = next(line for line in lines if "full.gguf" in line)
    assert "site pack" not in full_line
    assert main(["models", "list", "--json"]) == 0
    listed = {m["name"]: m for m in json.loads(capsys.readouterr().out)["installed"]}
    assert listed[pack.name]["site_pack"] == {
        "name": "machining",
        "experts_kept": 4,
        "base_expert_count": 8,
    }
    assert listed["full.gguf"]["site_pack"] is None
