"""When the window re-indexes: a document pack installed by the updater, one run at a time."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from desktop.docs_indexer import DocsIndexer
from disk.doc_packs import InstalledDocPack, write_doc_pack_pointer
from engine.docs.index import DocIndex
from engine.docs.model import DocSource, IndexProgress, IndexReport
from engine.paths import Paths
from engine.settings import load_settings
from tests.engine.settings.helpers import write_policy


class InProcess:
    """A runner on the real index, in this process (the child process is the job's own test)."""

    def __init__(self) -> None:
        self.runs: list[list[str]] = []
        self.gate = threading.Event()
        self.gate.set()

    def __call__(self, paths: Paths, sources: list[DocSource], **kw: Any) -> IndexReport:
        self.gate.wait(30)
        self.runs.append([s.label for s in sources])
        return DocIndex(paths.docs_index_db).update(sources, **kw)


def _install_pack(root: Path, version: str) -> None:
    folder = root / "line3" / f"line3-{version}"
    folder.mkdir(parents=True)
    (folder / "sop.md").write_text(f"# SOP {version}\n\nTorque 25 N·m.\n", encoding="utf-8")
    write_doc_pack_pointer(root, InstalledDocPack("line3", version, folder, "ab" * 32))


def test_a_pack_installed_by_the_updater_is_indexed_without_a_settings_change(
    qtbot: Any, tmp_path: Path
) -> None:
    paths = Paths.under(tmp_path / "app")
    write_policy(paths, 'updates.doc_packs = ["line3"]\n')
    runner = InProcess()
    indexer = DocsIndexer(paths, runner=runner, check_ms=3_600_000)
    indexer.apply_settings(load_settings(paths))
    with qtbot.waitSignal(indexer.finished, timeout=10_000) as first:
        indexer.start()
    # No pack installed yet and no index: nothing to run a child process for.
    assert runner.runs == [] and first.args[0].documents == []
    # The updater installs version 1, later version 2: each is found by the periodic check.
    docpacks = paths.models_dir.parent / "docpacks"
    for version in ("1", "2"):
        _install_pack(docpacks, version)
        with qtbot.waitSignal(indexer.finished, timeout=10_000) as done:
            indexer.check_sources()
        assert runner.runs[-1] == [f"line3 {version}"]
        assert done.args[0].indexed == 1
    assert DocIndex(paths.docs_index_db).search("torque")[0].title == "SOP 2"
    # Nothing changed: the check starts no run.
    count = len(runner.runs)
    indexer.check_sources()
    qtbot.waitUntil(lambda: not indexer._checking, timeout=10_000)
    assert len(runner.runs) == count
    indexer.stop()


def test_requests_during_a_run_make_one_more_run(qtbot: Any, tmp_path: Path) -> None:
    paths = Paths.under(tmp_path / "app")
    runner = InProcess()
    runner.gate.clear()  # the first run waits
    indexer = DocsIndexer(paths, runner=runner, check_ms=3_600_000)
    indexer.apply_settings(load_settings(paths))
    paths.docs_index_db.parent.mkdir(parents=True, exist_ok=True)
    DocIndex(paths.docs_index_db).update([], max_bytes=1)  # an index: runs even with no sources
    progress: list[IndexProgress] = []
    indexer.progressed.connect(progress.append)
    indexer.start()
    for _ in range(3):
        indexer.request()  # while the first run waits: kept as one
    finished: list[object] = []
    indexer.finished.connect(finished.append)
    runner.gate.set()
    qtbot.waitUntil(lambda: len(finished) == 2, timeout=10_000)
    qtbot.wait(200)  # room for a wrong third run to start
    assert len(runner.runs) == 2 and len(finished) == 2
    indexer.stop()


def test_the_same_folders_are_updated_again_after_a_while(qtbot: Any, tmp_path: Path) -> None:
    paths = Paths.under(tmp_path / "app")
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.md").write_text("# A\n\nOld torque 20 N·m.\n", encoding="utf-8")
    write_policy(paths, f"[docs]\nfolders = [{str(folder)!r}]\n".replace("'", '"'))
    runner = InProcess()
    indexer = DocsIndexer(paths, runner=runner, check_ms=3_600_000, rescan_s=0)
    indexer.apply_settings(load_settings(paths))
    with qtbot.waitSignal(indexer.finished, timeout=10_000):
        indexer.start()
    (folder / "b.md").write_text("# B\n\nCoolant every 500 hours.\n", encoding="utf-8")
    with qtbot.waitSignal(indexer.finished, timeout=10_000) as done:
        indexer.check_sources()  # same sources, but the rescan time has come
    assert len(runner.runs) == 2 and done.args[0].indexed == 2
    indexer.stop()
