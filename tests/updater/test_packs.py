"""Site packs delivered as their own signed target line (issue 15, items 2 and 3).

A publisher repository on disk, served over loopback HTTP; a client whose policy follows
the pack "machining" moves from the full model to pack version 1 and then to version 2,
each time by a signed diff, with every byte hash-checked; a tampered pack is refused; a
pack missing on the server falls back to the full model, or, when policy says "none",
stops with one line.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from tests.updater.testkit import RepoServer
from updater import cli
from updater.client import UpdateClient, UpdateEvent
from updater.config import UpdateConfig
from updater.diff import read_index
from updater.errors import BadInputError, ContentError, PackMissingError
from updater.files import sha256_file
from updater.pack_prune import PackInfo, prune_gguf
from updater.pointer import read_pointer
from updater.release import Release
from updater.repository import PublisherRepository

# Pack v1 keeps 4 of the tiny model's 8 experts per layer (K may differ by layer in
# *which* experts, never in how many); v2 is cut from full version 2 and keeps one other
# expert in layer 2.
KEPT_1 = [[0, 2, 3, 5], [1, 2, 3, 4], [0, 1, 6, 7], [2, 3, 4, 5]]
KEPT_2 = [[0, 2, 3, 5], [1, 2, 3, 4], [0, 1, 5, 7], [2, 3, 4, 5]]


@pytest.fixture(scope="module")
def packs(models: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """``v1`` cut from full version 1 (``base``), ``v2`` from full version 2 (``new``)."""
    root = tmp_path_factory.mktemp("packs")
    info = PackInfo(name="machining", coverage=0.9, source="text")
    v1 = root / "machining-v1.gguf"
    v2 = root / "machining-v2.gguf"
    prune_gguf(models["base"], v1, KEPT_1, info)
    prune_gguf(models["new"], v2, KEPT_2, info)
    return {"v1": v1, "v2": v2}


def _follow(config: UpdateConfig, pack: str = "machining", fallback: str = "full") -> UpdateConfig:
    return replace(config, site_pack=pack, site_pack_fallback=fallback)


def test_full_model_to_pack_to_next_pack_by_signed_diffs(
    config: UpdateConfig, repo: PublisherRepository, server: RepoServer, packs: dict[str, Path]
) -> None:
    entry = repo.add_version(packs["v1"], "1", pack="machining")
    # the switch diff from the full model it was cut from is added by itself
    assert [(d.source_pack, d.source) for d in entry.diffs] == [("", "1")]
    following = _follow(config)

    check = UpdateClient(following).check()
    assert check.pack == "machining" and check.note == ""
    assert [(s.entry.label, s.diff.source if s.diff else None) for s in check.steps] == [
        ("machining@1", "1")
    ]
    # full → pack: the header, the routers' kept rows and nothing else travel
    assert check.download_bytes < packs["v1"].stat().st_size // 20

    events: list[UpdateEvent] = []
    UpdateClient(following, events=events.append).apply()
    pointer = read_pointer(config.pointer)
    assert pointer is not None and pointer.current.version == "machining@1"
    assert pointer.previous is not None and pointer.previous.version == "1"  # kept for rollback
    built = config.models_dir / pointer.current.path
    assert built.read_bytes() == packs["v1"].read_bytes()
    assert sha256_file(built) == pointer.current.sha256
    assert not any("/models/" in p for p in server.requests)  # never the full files
    assert "applied" in [e.state for e in events]

    entry2 = repo.add_version(packs["v2"], "2", diff_from=["1"], pack="machining")
    assert {(d.source_pack, d.source) for d in entry2.diffs} == {("machining", "1"), ("", "2")}
    check = UpdateClient(following).check()
    assert [(s.entry.label, s.diff.source_pack if s.diff else None) for s in check.steps] == [
        ("machining@2", "machining")
    ]
    UpdateClient(following).apply()
    pointer = read_pointer(config.pointer)
    assert pointer is not None and pointer.current.version == "machining@2"
    assert pointer.previous is not None and pointer.previous.version == "machining@1"
    assert (config.models_dir / pointer.current.path).read_bytes() == packs["v2"].read_bytes()
    assert not any("/models/" in p for p in server.requests)

    back = UpdateClient(following).rollback()
    assert back.current.version == "machining@1"

    # a PC that follows nothing keeps the full model line: no pack reaches it
    assert [s.entry.label for s in UpdateClient(config).check().steps] == ["2"]


def test_pack_to_pack_diff_carries_only_the_changed_expert(
    repo: PublisherRepository, packs: dict[str, Path]
) -> None:
    repo.add_version(packs["v1"], "1", pack="machining")
    entry = repo.add_version(packs["v2"], "2", diff_from=["1"], pack="machining")
    targets = repo.load("targets").signed.targets
    by_source = {d.source_pack: d for d in entry.diffs}
    with repo.target_file(targets[by_source["machining"].path]).open("rb") as fh:
        index = read_index(fh)
    literal = {(op.tensor, op.experts) for op in index.ops if op.kind == "literal" and op.tensor}
    # Literal expert slices are exactly: layer 2's newly kept expert 5 (pack slot 2), and
    # the experts full version 2 retrained that the pack keeps (testkit.CHANGED: up #3 of
    # layer 1 = pack slot 2; down #0 and #1 of layer 2 = pack slots 0, 1). All else copies.
    exps = {t for t in literal if "_exps" in str(t[0])}
    assert exps == {
        ("blk.2.ffn_gate_exps.weight", (2, 3)),
        ("blk.2.ffn_up_exps.weight", (2, 3)),
        ("blk.2.ffn_down_exps.weight", (0, 3)),
        ("blk.1.ffn_up_exps.weight", (2, 3)),
    }


def test_full_to_pack_diff_copies_every_expert_slice_from_the_base(
    repo: PublisherRepository, packs: dict[str, Path]
) -> None:
    entry = repo.add_version(packs["v1"], "1", pack="machining")
    targets = repo.load("targets").signed.targets
    with repo.target_file(targets[entry.diffs[0].path]).open("rb") as fh:
        index = read_index(fh)
    literals = [op for op in index.ops if op.kind == "literal"]
    assert {op.tensor for op in literals} <= {None} | {
        f"blk.{n}.ffn_gate_inp.weight" for n in range(4)
    }
    copies = [op for op in index.ops if op.kind == "copy" and op.experts]
    # layer 0 keeps base experts 0, 2, 3, 5: three runs, addressed in the base's numbering
    assert [op.experts for op in copies if op.tensor == "blk.0.ffn_up_exps.weight"] == [
        (0, 1),
        (2, 4),
        (5, 6),
    ]


def test_tampered_pack_is_refused_and_the_model_stays(
    config: UpdateConfig, repo: PublisherRepository, server: RepoServer, packs: dict[str, Path]
) -> None:
    entry = repo.add_version(packs["v1"], "1", pack="machining")
    info = repo.load("targets").signed.targets[entry.diffs[0].path]
    stored = repo.target_file(info)
    raw = bytearray(stored.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    url_path = "/targets/" + str(stored.relative_to(repo.targets_dir))
    server.overrides[url_path] = bytes(raw)
    before = config.pointer.read_bytes()
    with pytest.raises(ContentError):
        UpdateClient(_follow(config)).apply()
    assert config.pointer.read_bytes() == before
    assert not (config.models_dir / entry.file_name).exists()
    assert list(config.models_dir.glob(".genba-*")) == []


def test_missing_pack_falls_back_to_the_full_model_with_one_line(
    config: UpdateConfig, capsys: pytest.CaptureFixture[str]
) -> None:
    events: list[UpdateEvent] = []
    result = UpdateClient(_follow(config, "welding"), events=events.append).apply()
    assert result.pack == "" and "'welding' is not published" in result.note
    assert result.note in [e.message for e in events]
    pointer = read_pointer(config.pointer)
    assert pointer is not None and pointer.current.version == "2"

    strict = _follow(config, "welding", fallback="none")
    with pytest.raises(PackMissingError, match="current model stays"):
        UpdateClient(strict).check()
    code = cli.run(_args(strict, "check"))
    err = capsys.readouterr().err
    assert code == 1
    errors = [line for line in err.splitlines() if line.startswith("genba update:")]
    assert len(errors) == 1 and "updates.site_pack_fallback" in errors[0]


def test_policy_keys_reach_the_config(tmp_path: Path) -> None:
    from disk.paths import Paths

    paths = Paths.under(tmp_path)
    settings = {"updates.site_pack": " machining ", "updates.site_pack_fallback": "none"}
    config = UpdateConfig.from_settings(settings, paths)
    assert (config.site_pack, config.site_pack_fallback) == ("machining", "none")
    default = UpdateConfig.from_settings({}, paths)
    assert (default.site_pack, default.site_pack_fallback) == ("", "full")


def test_publisher_refuses_what_is_not_that_pack(
    repo: PublisherRepository, models: dict[str, Path], packs: dict[str, Path]
) -> None:
    with pytest.raises(BadInputError, match="not a site pack"):
        repo.add_version(models["newer"], "1", pack="machining")
    with pytest.raises(BadInputError, match="is the site pack 'machining', not 'welding'"):
        repo.add_version(packs["v1"], "1", pack="welding")
    with pytest.raises(BadInputError, match="cannot name a pack"):
        repo.add_version(packs["v1"], "1", pack="../x")


def test_release_index_keeps_full_lines_readable_for_older_clients(
    repo: PublisherRepository, packs: dict[str, Path]
) -> None:
    before = json.loads(repo.release().to_bytes())
    repo.add_version(packs["v1"], "1", pack="machining")
    after = json.loads(repo.release().to_bytes())
    assert after["format"] == 1 and after["versions"] == before["versions"]
    line = after["packs"]["machining"]
    assert line[0]["model"].startswith("packs/machining/models/1/")
    assert line[0]["diffs"][0]["path"] == "packs/machining/diffs/full-1..1.gdiff"
    assert "from_pack" not in line[0]["diffs"][0]
    parsed = Release.from_bytes(json.dumps(after).encode())
    assert parsed.line("machining")[0].file_name == "pack-machining-1.gguf"


def _args(config: UpdateConfig, action: str) -> object:
    import argparse

    from disk.paths import Paths

    settings = {
        "updates.repository_url": config.repository_url,
        "updates.trusted_root": str(config.trusted_root),
        "updates.site_pack": config.site_pack,
        "updates.site_pack_fallback": config.site_pack_fallback,
    }
    return argparse.Namespace(
        update_action=action, json=False, genba_settings=settings,
        genba_paths=Paths.under(config.models_dir.parent / "home"),
    )  # fmt: skip


def test_pack_arrives_from_an_offline_bundle_too(
    config: UpdateConfig, repo: PublisherRepository, packs: dict[str, Path], tmp_path: Path
) -> None:
    repo.add_version(packs["v1"], "1", pack="machining")
    usb = repo.export_bundle(tmp_path / "usb")
    offline = replace(_follow(config), repository_url="", offline=True)
    result = UpdateClient(offline).import_bundle(usb)
    assert [s.diff.source if s.diff else None for s in result.steps] == ["1"]
    pointer = read_pointer(config.pointer)
    assert pointer is not None and pointer.current.version == "machining@1"
    assert (config.models_dir / pointer.current.path).read_bytes() == packs["v1"].read_bytes()


def test_genba_publish_add_pack(
    repo: PublisherRepository, packs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    from updater import publish_cli

    args = ["add", str(repo.root), str(packs["v1"]), "--version", "1"]
    assert publish_cli.main([*args, "--pack", "machining"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Published site pack machining version 1 (")
    assert "diffs from full model 1: " in out
    assert publish_cli.main([*args, "--diff-from-full", "1"]) == 2
    assert "--diff-from-full is for packs" in capsys.readouterr().err
