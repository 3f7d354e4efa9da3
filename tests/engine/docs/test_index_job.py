"""The index update in a child process: progress, crashes, kills and cancel."""

from __future__ import annotations

import os
import signal
import sys
import threading
from pathlib import Path

import pytest

from engine.docs.index import DocIndex
from engine.docs.index_job import IndexJobError, run_index_job
from engine.docs.model import DocSource, IndexProgress

MB = 1 << 20
CRASHING = [sys.executable, "-m", "tests.engine.docs.crashing_child", "作業標準書.pdf"]


def test_progress_arrives_and_the_index_is_built(tmp_path: Path, source: DocSource) -> None:
    db = tmp_path / "index.sqlite3"
    seen: list[IndexProgress] = []
    report = run_index_job(db, [source], max_bytes=10 * MB, progress=seen.append)
    assert report.added == 6 and not report.cancelled
    assert [p.done for p in seen] == [0, 1, 2, 3, 4, 5, 6]
    assert {Path(p.current).name for p in seen[:-1]} >= {"line3-instruction.pdf", "safety.md"}
    assert DocIndex(db).search("金型温度")[0].page == 2
    again = run_index_job(db, [source], max_bytes=10 * MB)
    assert again.unchanged == 6


def test_a_file_that_crashes_the_child_is_skipped_and_the_rest_indexed(
    tmp_path: Path, source: DocSource
) -> None:
    db = tmp_path / "index.sqlite3"
    report = run_index_job(db, [source], max_bytes=10 * MB, command=CRASHING)
    assert not report.cancelled
    status = {Path(s.path).name: s for s in DocIndex(db).status()}
    assert len(status) == 6
    assert status["作業標準書.pdf"].state == "skipped"
    assert "crashed the extractor" in status["作業標準書.pdf"].reason
    assert DocIndex(db).search("forklift speed")  # files after the crash were indexed
    # Next time it is not tried again (no crash), until the file changes.
    assert run_index_job(db, [source], max_bytes=10 * MB, command=CRASHING).unchanged == 6


def test_a_child_that_keeps_dying_leaves_a_usable_index(
    tmp_path: Path, source: DocSource
) -> None:
    db = tmp_path / "index.sqlite3"
    with pytest.raises(IndexJobError, match=r"stopped 1 times \(killed by SIGABRT: simulated"):
        run_index_job(db, [source], max_bytes=10 * MB, command=CRASHING, max_restarts=0)
    index = DocIndex(db)
    assert [Path(s.path).name for s in index.status()] == [
        "assembly.docx", "line3-instruction.pdf", "safety.md"
    ]  # sorted walk: the three before 作業標準書.pdf
    assert index.search("flange torque")
    report = run_index_job(db, [source], max_bytes=10 * MB)
    assert (report.added, report.unchanged) == (2, 4)  # 3 + the crashed file, now skipped
    skipped = [Path(s.path).name for s in index.status() if s.state == "skipped"]
    assert skipped == ["作業標準書.pdf"]


def test_a_child_killed_mid_update_is_restarted(tmp_path: Path, source: DocSource) -> None:
    db = tmp_path / "index.sqlite3"
    killed: list[int] = []

    def kill_at_two(p: IndexProgress) -> None:
        if p.done == 2 and not killed:
            pids = _children()
            killed.extend(pids)
            for pid in pids:
                os.kill(pid, signal.SIGKILL)

    report = run_index_job(db, [source], max_bytes=10 * MB, progress=kill_at_two)
    assert killed
    states = [s.state for s in DocIndex(db).status()]
    assert len(states) == 6
    assert states.count("skipped") <= 1  # at most the file it was killed on
    assert report.added + report.unchanged == 6


def test_cancel_stops_after_the_current_document(tmp_path: Path, source: DocSource) -> None:
    db = tmp_path / "index.sqlite3"
    cancel = threading.Event()

    def cancel_at_one(p: IndexProgress) -> None:
        if p.done == 1:
            cancel.set()

    report = run_index_job(db, [source], max_bytes=10 * MB, progress=cancel_at_one,
                           cancel=cancel)  # fmt: skip
    assert report.cancelled
    indexed = DocIndex(db).status()
    assert 1 <= len(indexed) < 6
    assert all(s.state == "indexed" for s in indexed)


def _children() -> list[int]:
    """This process's index-job children (Linux /proc; never another test's worker)."""
    me = str(os.getpid())
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if fields[1] == me and b"engine.docs.index_job" in cmdline:
                found.append(int(entry.name))
    return found
