"""Document packs (issue 17): published by `genba-publish docs add`, installed by `genba update`.

A real signed repository on disk, served over loopback HTTP; the PC follows packs named by
policy ``updates.doc_packs`` and installs them through the real ``genba update`` CLI:
files identical to the published folder, the previous version kept, a tampered archive
refused like a tampered model, offline bundles, packs not followed never fetched. The
extractor is tested directly on hand-made hostile archives.
"""

from __future__ import annotations

import io
import json
import os
import tarfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import zstandard

from disk.doc_packs import read_doc_pack
from disk.temps import TEMP_PREFIX, TEMP_SUFFIX
from tests.updater.testkit import RepoServer, genba_update, vendor_pc_config
from updater import docpacks, publish_cli
from updater.client import UpdateClient
from updater.config import UpdateConfig
from updater.docpack_archive import build_archive, extract_archive, scan_folder
from updater.errors import BadInputError, ContentError, DiskFullError, SiteKeyError, TrustError
from updater.repository import PublisherRepository
from updater.sealing import MAGIC


def _write_docs(folder: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    return folder


def _tree(folder: Path) -> dict[str, bytes]:
    """Every regular file under ``folder`` by its relative name."""
    files = (p for p in folder.rglob("*") if p.is_file())
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in files}


DOCS_V1 = {
    "line3/flange.md": b"# M8 flange bolts\nTighten the M8 flange bolts on line 3 to 25 N m.\n",
    "安全/ロックアウト手順.txt": "作業前に主電源を切り、ロックアウトする。\n".encode(),
    "manual.pdf": os.urandom(3000),
    "inspection.html": b"<p>Check the weld every 50 parts.</p>",
}


@pytest.fixture
def vendor(tmp_path: Path) -> Path:
    """An empty signed repository under ``vendor/repo`` (created with the real CLI)."""
    root = tmp_path / "vendor"
    assert publish_cli.main(["init", str(root / "repo")]) == 0
    return root


@pytest.fixture
def server(vendor: Path) -> Iterator[RepoServer]:
    srv = RepoServer(vendor / "repo" / "published")
    yield srv
    srv.close()


def _publish(vendor: Path, folder: Path, name: str = "sop", *more: str) -> None:
    argv = ["docs", "add", str(vendor / "repo"), "--name", name, "--folder", str(folder), *more]
    assert publish_cli.main(argv) == 0


def _pc(tmp_path: Path, vendor: Path, url: str, follow: tuple[str, ...]) -> UpdateConfig:
    return vendor_pc_config(tmp_path, vendor, None, url, doc_packs=follow)


def _update(argv: list[str], config: UpdateConfig) -> int:
    """``genba update ARGV`` with the PC's URL and followed packs as effective settings."""
    settings: dict[str, object] = {
        "updates.repository_url": config.repository_url,
        "updates.doc_packs": list(config.doc_packs),
    }
    return genba_update(argv, config, settings)


def _status(
    config: UpdateConfig, capsys: pytest.CaptureFixture[str]
) -> dict[str, dict[str, object]]:
    capsys.readouterr()
    assert _update(["status", "--json"], config) == 0
    rows = json.loads(capsys.readouterr().out)["doc_packs"]
    return {row["name"]: row for row in rows}


def test_publish_then_update_installs_each_version_and_keeps_the_previous(
    vendor: Path, server: RepoServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    docs = _write_docs(tmp_path / "docs", DOCS_V1)
    _publish(vendor, docs, "sop", "--version", "1")
    config = _pc(tmp_path, vendor, server.url, ("sop",))
    root = config.docpacks_dir

    assert _update(["apply"], config) == 0
    v1 = read_doc_pack(root, "sop")
    assert v1 is not None and v1.version == "1"
    assert _tree(v1.folder) == DOCS_V1
    assert _status(config, capsys)["sop"] == {
        "name": "sop", "followed": True, "installed": "1", "available": "1", "state": "up-to-date"
    }  # fmt: skip

    (docs / "manual.pdf").write_bytes(os.urandom(2000))
    (docs / "line3" / "new.txt").write_bytes(b"Torque wrench calibration: every 6 months.\n")
    _publish(vendor, docs, "sop", "--version", "2")
    assert _status(config, capsys)["sop"]["state"] == "up-to-date"  # no check since
    assert _update(["check"], config) == 0
    assert _status(config, capsys)["sop"]["state"] == "available"
    assert _update(["apply"], config) == 0
    v2 = read_doc_pack(root, "sop")
    assert v2 is not None and v2.version == "2" and v2.folder != v1.folder
    assert _tree(v2.folder) == _tree(docs)
    assert _tree(v1.folder) == DOCS_V1  # the previous version stays for rollback

    _publish(vendor, docs, "sop")  # --version defaults to the next number
    assert _update(["apply"], config) == 0
    v3 = read_doc_pack(root, "sop")
    assert v3 is not None and v3.version == "3"
    assert not v1.folder.exists() and v2.folder.is_dir()  # only current and previous
    assert _update(["apply"], config) == 0  # up to date: nothing fetched again
    archives = [r for r in server.requests if r.startswith("/targets/docpacks/")]
    assert len(archives) == 3
    leftovers = [p.name for p in (root / "sop").iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_the_archive_is_deterministic(tmp_path: Path) -> None:
    docs = _write_docs(tmp_path / "docs", DOCS_V1)
    first = build_archive(docs, tmp_path / "a.tar.zst")
    for path in docs.rglob("*"):  # other times and modes: the same bytes
        os.utime(path, (1_700_000_000, 1_700_000_000))
        if path.is_file():
            path.chmod(0o600)
    second = build_archive(docs, tmp_path / "b.tar.zst")
    assert first == second
    assert (tmp_path / "a.tar.zst").read_bytes() == (tmp_path / "b.tar.zst").read_bytes()
    assert (first.files, first.unpacked) == (4, sum(len(v) for v in DOCS_V1.values()))


def test_a_tampered_archive_is_refused_like_a_tampered_model(
    vendor: Path, server: RepoServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    docs = _write_docs(tmp_path / "docs", DOCS_V1)
    _publish(vendor, docs, "sop", "--version", "1")
    config = _pc(tmp_path, vendor, server.url, ("sop",))
    assert _update(["apply"], config) == 0
    (docs / "line3" / "flange.md").write_bytes(b"Tighten to 99 N m.\n")
    _publish(vendor, docs, "sop", "--version", "2")

    repo = PublisherRepository(vendor / "repo")
    info = repo.load("targets").signed.targets["docpacks/sop/2/sop-2.tar.zst"]
    stored = repo.target_file(info)
    tampered = bytearray(stored.read_bytes())
    tampered[len(tampered) // 2] ^= 0x55
    url = "/" + stored.relative_to(vendor / "repo" / "published").as_posix()
    server.overrides[url] = bytes(tampered)

    capsys.readouterr()
    assert _update(["apply"], config) == 1
    error = capsys.readouterr().err.splitlines()[-1]  # after the progress lines
    assert error.startswith("genba update: Update rejected: the signed metadata failed verif")
    assert "docpacks/sop/2/sop-2.tar.zst (LengthOrHashMismatchError" in error
    with pytest.raises(TrustError, match="LengthOrHashMismatchError"):  # the model's error
        UpdateClient(config).apply()
    installed = read_doc_pack(config.docpacks_dir, "sop")
    assert installed is not None and installed.version == "1"
    assert (installed.folder / "line3" / "flange.md").read_bytes() == DOCS_V1["line3/flange.md"]
    assert sorted(p.name for p in (config.docpacks_dir / "sop").iterdir()) == sorted(
        ["current.json", installed.folder.name]
    )  # nothing of version 2 was left behind

    server.overrides.clear()
    assert _update(["apply"], config) == 0  # the real archive still installs
    assert read_doc_pack(config.docpacks_dir, "sop").version == "2"  # type: ignore[union-attr]


def _hostile(tmp_path: Path, members: list[tuple[tarfile.TarInfo, bytes]]) -> Path:
    """A zstd-compressed tar with exactly these members (made by hand, not by genba)."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for info, data in members:
            info.size = len(data) if info.isreg() else 0
            tar.addfile(info, io.BytesIO(data) if info.isreg() else None)
    archive = tmp_path / "hostile.tar.zst"
    archive.write_bytes(zstandard.ZstdCompressor().compress(raw.getvalue()))
    return archive


def _member(name: str, kind: bytes = tarfile.REGTYPE, link: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, link
    return info


@pytest.mark.parametrize(
    ("member", "why"),
    [
        (_member("../escaped.txt"), "'..'"),
        (_member("docs/../../escaped.txt"), "'..'"),
        (_member("/tmp/escaped.txt"), "absolute"),
        (_member("link.txt", tarfile.SYMTYPE, "/etc/passwd"), "link, device"),
        (_member("hard.txt", tarfile.LNKTYPE, "ok.txt"), "link, device"),
        (_member("dev.txt", tarfile.CHRTYPE), "link, device"),
        (_member("fifo.txt", tarfile.FIFOTYPE), "link, device"),
        (_member("tool.exe"), "not a document"),
        (_member("a:b.txt"), "Windows cannot hold"),
        (_member("OK.TXT"), "duplicate"),
    ],
)
def test_the_extractor_refuses_hostile_members(
    tmp_path: Path, member: tarfile.TarInfo, why: str
) -> None:
    archive = _hostile(tmp_path, [(_member("ok.txt"), b"fine\n"), (member, b"payload\n")])
    dest = tmp_path / "a" / "b" / "dest"
    dest.mkdir(parents=True)
    with pytest.raises(ContentError, match=why):
        extract_archive(archive, dest, max_files=10, max_bytes=1000)
    assert not list(tmp_path.rglob("escaped.txt"))
    assert not (dest / "link.txt").exists() and not (dest / "hard.txt").exists()


def test_the_extractor_holds_to_the_signed_counts_and_refuses_damage(tmp_path: Path) -> None:
    members = [(_member(f"{i}.txt"), b"x" * 100) for i in range(3)]
    archive = _hostile(tmp_path, members)
    for limits in ({"max_files": 2, "max_bytes": 1000}, {"max_files": 3, "max_bytes": 250}):
        dest = tmp_path / f"d{limits['max_files']}"
        dest.mkdir()
        with pytest.raises(ContentError, match="more files or bytes"):
            extract_archive(archive, dest, **limits)
    truncated = tmp_path / "cut.tar.zst"
    truncated.write_bytes(archive.read_bytes()[:-20])
    (tmp_path / "cut").mkdir()
    with pytest.raises(ContentError, match="damaged"):
        extract_archive(truncated, tmp_path / "cut", max_files=3, max_bytes=300)
    (tmp_path / "ok").mkdir()
    assert extract_archive(archive, tmp_path / "ok", max_files=3, max_bytes=300) == (3, 300)


def test_the_publisher_refuses_links_odd_files_and_names(
    vendor: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    docs = _write_docs(tmp_path / "docs", {"a.md": b"a", ".DS_Store": b"litter"})
    assert [name for name, _, _ in scan_folder(docs)] == ["a.md"]  # OS litter is skipped
    (docs / "link.md").symlink_to(docs / "a.md")
    with pytest.raises(BadInputError, match="is a link"):
        scan_folder(docs)
    (docs / "link.md").unlink()
    for bad, why in (("setup.exe", "not a document"), ("q?.txt", "cannot hold"),
                     ("CON.txt", "device name"), ("A.md", "differ only by case")):  # fmt: skip
        (docs / bad).write_bytes(b"x")
        with pytest.raises(BadInputError, match=why):
            scan_folder(docs)
        (docs / bad).unlink()
    (docs / "setup.exe").write_bytes(b"MZ")
    capsys.readouterr()
    argv = ["docs", "add", str(vendor / "repo"), "--name", "sop", "--folder", str(docs)]
    assert publish_cli.main(argv) == 2
    err = capsys.readouterr().err
    assert "setup.exe" in err and err.count("\n") == 1
    assert PublisherRepository(vendor / "repo").release().docpacks == {}


def test_an_offline_bundle_installs_the_packs_it_carries(
    vendor: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _publish(vendor, _write_docs(tmp_path / "sop", DOCS_V1), "sop")
    _publish(vendor, _write_docs(tmp_path / "other", {"x.txt": b"other site"}), "other")
    bundle = tmp_path / "usb"
    argv = ["bundle", str(vendor / "repo"), str(bundle), "--doc-pack", "sop"]
    assert publish_cli.main(argv) == 0
    assert not list((bundle / "targets" / "docpacks").glob("other/*/*"))  # only what it follows
    # no repository URL and offline: the bundle is the only way in
    config = vendor_pc_config(tmp_path, vendor, None, "", doc_packs=("sop", "other"), offline=True)
    assert _update(["import", str(bundle)], config) == 0
    installed = read_doc_pack(config.docpacks_dir, "sop")
    assert installed is not None and _tree(installed.folder) == DOCS_V1
    assert read_doc_pack(config.docpacks_dir, "other") is None
    assert "Document pack other: not installed; not in this bundle." in capsys.readouterr().out


def test_packs_not_followed_are_not_fetched_and_dropped_ones_are_kept(
    vendor: Path, server: RepoServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _publish(vendor, _write_docs(tmp_path / "sop", DOCS_V1), "sop")
    _publish(vendor, _write_docs(tmp_path / "other", {"x.txt": b"other site"}), "other")
    config = _pc(tmp_path, vendor, server.url, ("sop", "ghost"))
    assert _update(["apply"], config) == 0
    assert not any("/docpacks/other/" in r for r in server.requests)
    assert read_doc_pack(config.docpacks_dir, "other") is None
    rows = _status(config, capsys)
    assert set(rows) == {"sop", "ghost"}
    assert rows["ghost"]["state"] == "not-published"

    dropped = replace(config, doc_packs=())  # policy no longer names it
    assert _status(dropped, capsys)["sop"]["state"] == "not-followed"
    capsys.readouterr()
    assert _update(["status"], dropped) == 0
    assert "not followed by policy (updates.doc_packs); the installed copy is kept" in (
        capsys.readouterr().out
    )
    assert _update(["apply"], dropped) == 0
    assert read_doc_pack(config.docpacks_dir, "sop") is not None  # kept on disk


def test_a_killed_install_leaves_the_old_version_and_is_cleaned_next_run(
    vendor: Path, server: RepoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = _write_docs(tmp_path / "docs", DOCS_V1)
    _publish(vendor, docs, "sop", "--version", "1")
    config = _pc(tmp_path, vendor, server.url, ("sop",))
    UpdateClient(config).apply()
    (docs / "extra.md").write_bytes(b"new\n")
    _publish(vendor, docs, "sop", "--version", "2")
    pack = config.docpacks_dir / "sop"
    stale = pack / f"{TEMP_PREFIX}2.killed{TEMP_SUFFIX}"  # a temp folder of a dead process
    (stale / "sub").mkdir(parents=True)

    def die(*_: object) -> None:
        raise SystemExit("killed between the rename and the pointer")

    monkeypatch.setattr(docpacks, "write_doc_pack_pointer", die)
    with pytest.raises(SystemExit):
        UpdateClient(config).apply()
    monkeypatch.undo()
    assert not stale.exists()  # removed under the update lock at the start of the run
    installed = read_doc_pack(config.docpacks_dir, "sop")
    assert installed is not None and installed.version == "1"  # the old pointer stands
    assert _tree(installed.folder) == DOCS_V1

    UpdateClient(config).apply()  # the next run finishes the job
    installed = read_doc_pack(config.docpacks_dir, "sop")
    assert installed is not None and installed.version == "2"
    assert _tree(installed.folder) == _tree(docs)


def test_a_pack_encrypted_to_its_site_needs_the_site_key(
    vendor: Path, server: RepoServer, tmp_path: Path
) -> None:
    repo = str(vendor / "repo")
    assert publish_cli.main(["site-key", "new", repo, "plant-a"]) == 0
    assert publish_cli.main(["site-key", "export", repo, "plant-a", str(tmp_path / "a.key")]) == 0
    _publish(vendor, _write_docs(tmp_path / "docs", DOCS_V1), "sop", "--encrypt-to", "plant-a")
    stored = list((vendor / "repo" / "published" / "targets" / "docpacks").rglob("*.tar.zst"))
    assert len(stored) == 1 and stored[0].read_bytes().startswith(MAGIC)  # no clear documents
    config = _pc(tmp_path, vendor, server.url, ("sop",))

    with pytest.raises(SiteKeyError, match="plant-a"):
        UpdateClient(config).apply()
    assert not any("/docpacks/" in r for r in server.requests)  # no key: nothing fetched
    assert read_doc_pack(config.docpacks_dir, "sop") is None

    assert genba_update(["key", "import", str(tmp_path / "a.key")], config) == 0
    UpdateClient(config).apply()
    installed = read_doc_pack(config.docpacks_dir, "sop")
    assert installed is not None and _tree(installed.folder) == DOCS_V1
    assert [p.name for p in (config.docpacks_dir / "sop").iterdir() if p.name.startswith(".")] == []


def test_a_published_pack_becomes_searchable_after_genba_update(
    vendor: Path, server: RepoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The issue's "done when": publish → `genba update` (the engine's CLI, policy-driven)
    → the document index finds a sentence only the pack holds, with the pack as source."""
    from engine.cli import main
    from engine.docs.index import DocIndex
    from engine.docs.sources import document_sources
    from engine.paths import Paths
    from engine.settings import load_settings
    from tests.engine.settings.helpers import write_policy

    unique = "The hydraulic press HP-7 must be bled every Tuesday at 06:40."
    files = {**DOCS_V1, "press/hp7.md": f"# HP-7\n\n{unique}\n".encode()}
    docs = _write_docs(tmp_path / "docs", files)
    _publish(vendor, docs, "line3-sop")
    paths = Paths.under(tmp_path / "genba")
    monkeypatch.setattr(Paths, "default", classmethod(lambda cls, environ=None: paths))
    root = vendor / "repo" / "published" / "metadata" / "1.root.json"
    write_policy(paths, (
        f'updates.repository_url = "{server.url}"\nupdates.trusted_root = "{root}"\n'
        'updates.doc_packs = ["line3-sop"]\n'
    ))  # fmt: skip

    assert main(["update", "apply"]) == 0
    settings = load_settings(paths)
    sources = document_sources(settings, paths)
    assert [(s.kind, s.label) for s in sources] == [("pack", "line3-sop 1")]
    index = DocIndex(paths.docs_index_db)
    report = index.update(sources, max_bytes=50 << 20)
    assert (report.added, report.skipped) == (4, 1)  # the random "manual.pdf" is no PDF
    best = index.search("When must the hydraulic press HP-7 be bled?", limit=3)[0]
    assert unique in best.text and best.source == "line3-sop 1"
    assert Path(best.path).is_relative_to(sources[0].folder)
    japanese = index.search("ロックアウト", limit=1)
    assert japanese and japanese[0].source == "line3-sop 1" and "主電源" in japanese[0].text


def test_not_enough_disk_space_stops_before_the_download(
    vendor: Path, server: RepoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    from disk import space

    _publish(vendor, _write_docs(tmp_path / "docs", DOCS_V1), "sop")
    config = _pc(tmp_path, vendor, server.url, ("sop",))
    real = shutil.disk_usage

    def nearly_full(path: str | os.PathLike[str]) -> object:
        return real(path)._replace(free=32 << 20)  # below the 64 MiB margin

    monkeypatch.setattr(space.shutil, "disk_usage", nearly_full)
    with pytest.raises(DiskFullError, match=r"The update needs 64 MiB in .*docpacks.sop"):
        UpdateClient(config).apply()
    assert not any("/docpacks/" in r for r in server.requests)
    assert read_doc_pack(config.docpacks_dir, "sop") is None
