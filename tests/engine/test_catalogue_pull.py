"""``genba models pull|import|list`` against a loopback imitation of the Hugging Face Hub."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from disk.temps import is_temp_name
from engine.cli import main
from engine.errors import BadInputError, DownloadError, ModelFileError
from engine.models.catalogue import CatalogueEntry
from engine.models.store import import_model, list_models, pull_model
from engine.paths import Paths
from engine.remote.network import NetworkConfig
from tests.engine.hub_server import HubState, hub_server

REPO = "org/tiny-moe-GGUF"
FILE = "tiny-moe.gguf"
OFFLINE = NetworkConfig(offline=True, offline_why="offline mode is on (network.offline)")


@pytest.fixture
def hub(tiny_moe_path: Path) -> Iterator[tuple[str, HubState]]:
    with hub_server() as (endpoint, state):
        state.add(REPO, FILE, tiny_moe_path.read_bytes())
        yield endpoint, state


@pytest.fixture
def entry(tiny_moe_path: Path, hub: tuple[str, HubState]) -> CatalogueEntry:
    data = tiny_moe_path.read_bytes()
    return CatalogueEntry(
        name="tiny", title="Tiny test MoE", repo=REPO, filename=FILE,
        revision=hub[1].commit, sha256=hashlib.sha256(data).hexdigest(), size=len(data),
        license="Apache-2.0", architecture="llama", expert_count=8, expert_used_count=2,
        expert_share=0.9,
    )  # fmt: skip


def _gets(state: HubState) -> list[str | None]:
    return [rng for method, _path, rng in state.requests if method == "GET"]


def test_pull_verifies_and_records_the_model(
    paths: Paths, entry: CatalogueEntry, hub: tuple[str, HubState], tiny_moe_path: Path
) -> None:
    seen: list[tuple[str, float]] = []
    model = pull_model(
        paths, entry, endpoint=hub[0], progress=lambda s, f: seen.append((s, f)), settings=None
    )
    assert model.path == paths.models_dir / FILE
    assert model.path.read_bytes() == tiny_moe_path.read_bytes()
    assert model.sha256 == entry.sha256 and model.origin == "catalogue:tiny"
    assert (model.architecture, model.expert_count) == ("llama", 8)
    assert ("downloading", 1.0) in seen and ("verifying", 1.0) in seen
    assert [m.path.name for m in list_models(paths)] == [FILE]
    assert not (paths.models_dir / ".partial" / "tiny").exists()
    gets = len(_gets(hub[1]))
    again = pull_model(paths, entry, endpoint=hub[0], settings=None)
    assert again.path == model.path  # already there
    assert len(_gets(hub[1])) == gets
    with pytest.raises(BadInputError, match="already has a different"):
        pull_model(paths, replace(entry, sha256="1" * 64), endpoint=hub[0], settings=None)


def test_a_cut_download_resumes_on_the_next_pull(
    paths: Paths,
    entry: CatalogueEntry,
    hub: tuple[str, HubState],
    tiny_moe_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from huggingface_hub import constants

    # huggingface-hub writes 10 MB chunks; the tiny model is 1 MB, so use small ones.
    monkeypatch.setattr(constants, "DOWNLOAD_CHUNK_SIZE", 64 * 1024)
    _, state = hub
    state.script = ["cut", "500"]  # drop mid-body, then fail the automatic retry
    with pytest.raises(DownloadError, match="resume"):
        pull_model(paths, entry, endpoint=hub[0], settings=None)
    assert not (paths.models_dir / FILE).exists()
    model = pull_model(paths, entry, endpoint=hub[0], settings=None)
    assert model.path.read_bytes() == tiny_moe_path.read_bytes()
    resumed = [r for r in _gets(state) if r]
    assert resumed and int(resumed[-1].split("=")[1].split("-")[0]) > 0


def test_a_hash_mismatch_is_refused_and_deleted(
    paths: Paths, entry: CatalogueEntry, hub: tuple[str, HubState]
) -> None:
    wrong = replace(entry, sha256="0" * 64)
    with pytest.raises(DownloadError, match="does not match its pinned sha256"):
        pull_model(paths, wrong, endpoint=hub[0], settings=None)
    assert list_models(paths) == []
    assert not list((paths.models_dir / ".partial").rglob("*.gguf"))


def test_a_size_mismatch_stops_before_downloading(
    paths: Paths, entry: CatalogueEntry, hub: tuple[str, HubState]
) -> None:
    hub[1].announce_size = entry.size * 100
    with pytest.raises(DownloadError, match="catalogue expects"):
        pull_model(paths, entry, endpoint=hub[0], settings=None)
    assert _gets(hub[1]) == []


def test_unpinned_entries_need_consent_and_offline_blocks_everything(
    paths: Paths, entry: CatalogueEntry, hub: tuple[str, HubState]
) -> None:
    loose = replace(entry, revision="main", sha256="")
    with pytest.raises(BadInputError, match="--allow-unpinned"):
        pull_model(paths, loose, endpoint=hub[0], settings=None)
    with pytest.raises(DownloadError, match="offline"):
        pull_model(paths, entry, endpoint=hub[0], network=OFFLINE, settings=None)
    assert hub[1].requests == []


def test_a_file_that_is_not_a_moe_never_enters_the_store(
    paths: Paths, entry: CatalogueEntry, hub: tuple[str, HubState]
) -> None:
    junk = b"not a gguf file" * 100
    hub[1].add(REPO, "junk.gguf", junk)
    bad = replace(
        entry, filename="junk.gguf", sha256=hashlib.sha256(junk).hexdigest(), size=len(junk)
    )
    with pytest.raises(ModelFileError):
        pull_model(paths, bad, endpoint=hub[0], settings=None)
    assert not (paths.models_dir / "junk.gguf").exists()


def test_import_validates_copies_and_refuses_duplicates(
    paths: Paths, tiny_moe_path: Path, tmp_path: Path
) -> None:
    model = import_model(paths, tiny_moe_path, settings=None)
    assert model.path.read_bytes() == tiny_moe_path.read_bytes()
    assert model.origin == "import"
    assert model.sha256 == hashlib.sha256(tiny_moe_path.read_bytes()).hexdigest()
    with pytest.raises(BadInputError, match="already has"):
        import_model(paths, tiny_moe_path, settings=None)
    junk = tmp_path / "junk.gguf"
    junk.write_bytes(b"nope" * 10)
    with pytest.raises(ModelFileError):
        import_model(paths, junk, settings=None)
    assert not (paths.models_dir / "junk.gguf").exists()
    assert not [p for p in paths.models_dir.iterdir() if is_temp_name(p.name)]


def test_cli_pull_import_and_list(
    isolated_home: Path,
    tiny_moe_path: Path,
    hub: tuple[str, HubState],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The shipped catalogue's granite entry, served (unpinned, from "main") by the fake Hub.
    endpoint, state = hub
    granite = (
        "bartowski/granite-3.1-1b-a400m-instruct-GGUF",
        "granite-3.1-1b-a400m-instruct-Q4_K_M.gguf",
    )
    state.add(*granite, tiny_moe_path.read_bytes(), revision="main")
    assert main(["models", "pull", "granite-3.1-1b-a400m", "--endpoint", endpoint]) == 2
    code = main(
        ["models", "pull", "granite-3.1-1b-a400m", "--endpoint", endpoint,
         "--allow-unpinned", "--quiet"]
    )  # fmt: skip
    out = capsys.readouterr()
    assert code == 0 and "pin this in the catalogue" in out.err
    assert main(["models", "pull", "no-such-model"]) == 2
    junk = tmp_path / "junk.gguf"
    junk.write_bytes(b"junk")
    assert main(["models", "import", str(junk), "--quiet"]) == 2
    other = tmp_path / "other-moe.gguf"
    other.write_bytes(tiny_moe_path.read_bytes())
    assert main(["models", "import", str(other), "--quiet"]) == 0
    capsys.readouterr()
    assert main(["models", "list", "--json"]) == 0
    listing = json.loads(capsys.readouterr().out)
    assert listing["default_model"]["built"] is False
    names = {m["name"]: m["origin"] for m in listing["installed"]}
    assert names == {granite[1]: "catalogue:granite-3.1-1b-a400m", "other-moe.gguf": "import"}
    assert any(e["name"] == "qwen3-30b-a3b" for e in listing["catalogue"])


def test_cli_pull_respects_offline_mode(
    isolated_home: Path,
    hub: tuple[str, HubState],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("GENBA_OFFLINE", "1")
    code = main(
        ["models", "pull", "granite-3.1-1b-a400m", "--endpoint", hub[0], "--allow-unpinned"]
    )
    assert code == 1
    assert "offline" in capsys.readouterr().err
    assert hub[1].requests == []
