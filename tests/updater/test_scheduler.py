"""The background scheduler: window, backoff, silence when offline, events to the GUI."""

from __future__ import annotations

import queue
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from disk.doc_packs import read_doc_pack
from tests.updater.testkit import RepoServer
from updater.client import UpdateClient
from updater.config import UpdateConfig
from updater.pointer import read_pointer
from updater.repository import PublisherRepository
from updater.scheduler import (
    SchedulerEvent,
    UpdateScheduler,
    backoff_seconds,
    seconds_until_window,
)

NOON = datetime(2026, 11, 27, 12, 0)


@pytest.mark.parametrize(
    ("window", "now", "expected_h"),
    [
        ("", NOON, 0),
        ("08:00-17:00", NOON, 0),
        ("22:00-05:00", NOON, 10),
        ("22:00-05:00", NOON.replace(hour=23), 0),
        ("22:00-05:00", NOON.replace(hour=3), 0),
        ("22:00-05:00", NOON.replace(hour=5), 17),
        ("13:00-14:00", NOON, 1),
    ],
)
def test_window(window: str, now: datetime, expected_h: float) -> None:
    assert seconds_until_window(window, now) == expected_h * 3600


def test_backoff_doubles_up_to_interval() -> None:
    assert [backoff_seconds(n, 3600) for n in range(1, 6)] == [300, 600, 1200, 2400, 3600]


def _events_until(q: queue.Queue[SchedulerEvent], final: set[str]) -> list[SchedulerEvent]:
    seen: list[SchedulerEvent] = []
    while True:
        event = q.get(timeout=60)  # a hang fails the test instead of blocking CI
        seen.append(event)
        if event.state in final:
            return seen


def _run(config: UpdateConfig, final: set[str], **kw: object) -> list[SchedulerEvent]:
    q: queue.Queue[SchedulerEvent] = queue.Queue()
    sched = UpdateScheduler(config, q.put, first_delay_s=0, **kw)  # type: ignore[arg-type]
    sched.start()
    try:
        return _events_until(q, final)
    finally:
        sched.stop()


def test_applies_in_background_with_progress(config: UpdateConfig, server: RepoServer) -> None:
    events = _run(config, {"applied", "failed", "offline"})
    states = [e.state for e in events]
    assert states[0] == "checking" and states[-2:] == ["ready", "applied"]
    progress = [e for e in events if e.state == "downloading"]
    assert progress and progress[-1].done == progress[-1].total > 0
    assert read_pointer(config.pointer).current.version == "2"  # type: ignore[union-attr]


def test_without_auto_apply_stops_at_ready(config: UpdateConfig, server: RepoServer) -> None:
    events = _run(replace(config, auto_apply=False), {"ready", "applied", "failed"})
    assert events[-1].state == "ready" and events[-1].version == "2"
    assert read_pointer(config.pointer).current.version == "1"  # type: ignore[union-attr]


def test_offline_is_silent_with_backoff(config: UpdateConfig) -> None:
    events = _run(replace(config, offline=True), {"offline", "failed"}, clock=lambda: NOON)
    assert [e.state for e in events] == ["offline"]
    assert events[0].next_check == NOON + timedelta(seconds=300)


def test_bad_signature_is_a_failure(
    config: UpdateConfig, repo: PublisherRepository, server: RepoServer
) -> None:
    repo.refresh(timestamp_expires=datetime.now().astimezone() - timedelta(minutes=5))
    events = _run(config, {"failed", "applied", "offline"})
    assert events[-1].state == "failed" and "Expired" in events[-1].message


def test_outside_window_does_nothing(config: UpdateConfig) -> None:
    made: list[object] = []

    def factory(ev: object) -> UpdateClient:
        made.append(ev)
        return UpdateClient(config)

    events = _run(
        replace(config, window="22:00-05:00"),
        {"idle"},
        clock=lambda: NOON,
        client_factory=factory,
    )
    assert events[-1].next_check == NOON.replace(hour=22)
    assert made == []


def _apply_ready(config: UpdateConfig, **kw: object) -> list[SchedulerEvent]:
    """Press "Apply now" on a scheduler whose first check is an hour away; its events."""
    q: queue.Queue[SchedulerEvent] = queue.Queue()
    sched = UpdateScheduler(config, q.put, first_delay_s=3600, **kw)  # type: ignore[arg-type]
    sched.start()
    try:
        sched.apply_ready()
        return _events_until(q, {"applied", "failed", "busy"})
    finally:
        sched.stop()


def test_apply_ready_switches_to_the_verified_update_outside_the_window(
    config: UpdateConfig, server: RepoServer
) -> None:
    staged = UpdateClient(replace(config, auto_apply=False))
    staged.apply(switch=False)  # an earlier check built and verified version 2
    server.close()  # the switch needs no network
    # Outside the window (and the first check an hour away): only the operator's request runs.
    events = _apply_ready(replace(config, window="22:00-05:00"), clock=lambda: NOON)
    assert events[-1].state == "applied" and events[-1].version == "2"
    assert read_pointer(config.pointer).current.version == "2"  # type: ignore[union-attr]


def test_apply_ready_with_nothing_waiting_says_so(config: UpdateConfig) -> None:
    events = _apply_ready(config)
    assert events[-1].state == "failed" and "No verified model update" in events[-1].message
    assert read_pointer(config.pointer).current.version == "1"  # type: ignore[union-attr]


def test_apply_ready_while_another_process_updates_is_busy(config: UpdateConfig) -> None:
    import filelock

    config.update_dir.mkdir(parents=True, exist_ok=True)
    with filelock.FileLock(config.lock_file):
        events = _apply_ready(config)
    assert events[-1].state == "busy"


def test_document_packs_install_in_the_background_and_keep_apply_now(
    config: UpdateConfig, repo: PublisherRepository, server: RepoServer, tmp_path: Path
) -> None:
    """The window's scheduler shares the client: a followed document pack is installed
    on its check, silently, and a model waiting for "Apply now" keeps its state."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "sop.md").write_text("# SOP\n\nLock out the press first.\n", encoding="utf-8")
    repo.add_docpack(docs, "sop")
    following = replace(config, auto_apply=False, doc_packs=("sop",))
    q: queue.Queue[SchedulerEvent] = queue.Queue()
    sched = UpdateScheduler(following, q.put, first_delay_s=0)
    sched.start()
    try:
        events = _events_until(q, {"ready", "applied", "failed"})
    finally:
        sched.stop()  # joins the thread: its check, document packs included, is over
    assert events[-1].state == "ready" and sched.state.state == "ready"
    assert q.empty()  # nothing after "ready": the pack's install shows no state
    pack = read_doc_pack(following.docpacks_dir, "sop")
    assert pack is not None and (pack.folder / "sop.md").read_text(encoding="utf-8").endswith(
        "Lock out the press first.\n"
    )
