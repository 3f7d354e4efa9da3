"""The window's "Apply now": a verified update waits (auto-apply off) and the operator switches.

Real parts: a signed TUF repository served on 127.0.0.1, the updater's scheduler thread,
the window on the real engine. The switch moves the pointer off the GUI thread; the
engine answers the next question with the new model. Policy can keep the button away.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from engine.paths import Paths
from engine.tools.tiny_moe import TinyMoESpec, build_tiny_moe
from tests.updater.testkit import CHANGED, RepoServer, derive_model
from updater.pointer import ModelRef, Pointer, read_pointer, write_pointer
from updater.repository import PublisherRepository

NEW_NAME = "genba tiny test MoE, retrained experts"


@pytest.fixture
def served(tmp_path: Path, app_paths: Paths) -> Iterator[tuple[RepoServer, PublisherRepository]]:
    """Versions 1 and 2 (by diff) published and served; the operator's store holds version 1."""
    made = tmp_path / "made"
    made.mkdir()
    base = build_tiny_moe(made / "base.gguf")
    donor = build_tiny_moe(made / "donor.gguf", TinyMoESpec(seed=7))
    new = derive_model(base, donor, made / "new.gguf", CHANGED, new_name=NEW_NAME)
    repo = PublisherRepository.create(tmp_path / "repo")
    repo.add_version(base, "1")
    repo.add_version(new, "2", diff_from=["1"])
    store = app_paths.models_dir
    store.mkdir(parents=True)
    (store / "base-1.gguf").write_bytes(base.read_bytes())
    sha = hashlib.sha256(base.read_bytes()).hexdigest()
    write_pointer(app_paths.current_model_pointer, Pointer(ModelRef("base-1.gguf", sha, "1")))
    server = RepoServer(repo.root / "published")
    yield server, repo
    server.close()


def _policy(paths: Paths, server: RepoServer, repo: PublisherRepository, **extra: str) -> None:
    lines = [
        "[updates]",
        f'repository_url = "{server.url}"',
        f'trusted_root = "{(repo.metadata_dir / "1.root.json").as_posix()}"',
        "auto_apply = false",
        *(f"{key} = {value}" for key, value in extra.items()),
    ]
    paths.policy_dir.mkdir(parents=True, exist_ok=True)
    paths.policy_file.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _version(paths: Paths) -> str:
    pointer = read_pointer(paths.current_model_pointer)
    assert pointer is not None
    return pointer.current.version


def test_the_operator_applies_a_ready_update_and_the_next_answer_uses_it(
    qtbot: Any, make_window: Callable[..., Any], app_paths: Paths, served: Any
) -> None:
    from PySide6.QtCore import Qt

    server, repo = served
    _policy(app_paths, server, repo)
    window = make_window(model=None, updates=True)
    status = window.status
    assert NEW_NAME not in status.model_label.full_text()
    window.updates.check_now()
    qtbot.waitUntil(status.apply_update_button.isVisible, timeout=60_000)
    assert status.update_label.text() == "Model update 2 is ready"
    assert _version(app_paths) == "1"  # verified and built, not switched: auto_apply is off

    qtbot.mouseClick(status.apply_update_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _version(app_paths) == "2", timeout=30_000)
    qtbot.waitUntil(lambda: status.update_label.text().startswith("New model ready"))
    assert not status.apply_update_button.isVisible()

    # The engine reads the pointer between answers: the next answer runs version 2.
    with qtbot.waitSignal(window.answer_completed, timeout=60_000):
        assert window.send("Status of line 3?")
    qtbot.waitUntil(lambda: NEW_NAME in status.model_label.full_text(), timeout=10_000)


def test_policy_can_leave_the_switch_to_it(
    qtbot: Any, make_window: Callable[..., Any], app_paths: Paths, served: Any
) -> None:
    server, repo = served
    _policy(app_paths, server, repo, operator_apply="false")
    window = make_window(model=None, updates=True)
    window.updates.check_now()
    status = window.status
    qtbot.waitUntil(lambda: "IT will switch" in status.update_label.text(), timeout=60_000)
    assert not status.apply_update_button.isVisible()
    window.updates.apply_now()  # not offered, so not done (e.g. a stale click)
    qtbot.wait(300)
    assert _version(app_paths) == "1"
