"""Policy folders holding things that are not files: reported, failed closed, never opened.

A named pipe in ``policy.d`` used to block the loader in ``open()`` for ever, and
with it the window and every command. Each entry below is real (``os.mkfifo``, a
folder, a link to ``/dev/zero``, a bound socket). The calls run on a thread with
a generous hang guard: the assertion is "returns at all", not a timing.
"""

from __future__ import annotations

import contextlib
import functools
import os
import socket
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

from engine.cli import main
from engine.paths import Paths
from engine.settings import SCHEMA, SECURITY_KEYS, Problem, SettingsWatcher, load_settings
from engine.settings.loader import MAX_FILE_BYTES, fingerprint

from .helpers import write_policy, write_user

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file types")

T = TypeVar("T")
HANG_GUARD_S = 60.0  # far above any honest run; only a hang gets near it


def _release(fifos: list[Path]) -> None:
    """Open each pipe's write end once, so a reader stuck in open() gets EOF and ends."""
    for fifo in fifos:
        with contextlib.suppress(OSError):
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))


def promptly(call: Callable[[], T], fifos: list[Path]) -> T:
    """``call()``'s result; fails the test (after unblocking the thread) if it hangs."""
    outcome: list[T] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            outcome.append(call())
        except BaseException as exc:  # handed to the test thread below
            failure.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(HANG_GUARD_S)
    if worker.is_alive():
        _release(fifos)
        worker.join(HANG_GUARD_S)
        pytest.fail(f"still blocked after {HANG_GUARD_S:.0f} s: a policy entry was opened")
    if failure:
        raise failure[0]
    return outcome[0]


@pytest.fixture
def odd_entries(paths: Paths, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Path]]:
    """A policy.d with a pipe, a folder, a link to /dev/zero and a socket, all named *.toml."""
    dropins = paths.policy_dropin_dir
    dropins.mkdir(parents=True)
    entries = {
        "a named pipe (FIFO)": dropins / "10-pipe.toml",
        "a folder": dropins / "20-folder.toml",
        "links to a device": dropins / "30-zero.toml",
        "a socket": dropins / "40-socket.toml",
    }
    os.mkfifo(entries["a named pipe (FIFO)"])
    entries["a folder"].mkdir()
    entries["links to a device"].symlink_to("/dev/zero")
    # Bound by its relative name: a socket path is limited to about 100 bytes.
    monkeypatch.chdir(dropins)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(entries["a socket"].name)
    try:
        yield entries
    finally:
        listener.close()
        _release([entries["a named pipe (FIFO)"]])


def _whole_file_error(problems: tuple[Problem, ...], path: Path) -> Problem:
    # The fail-closed summary (a warning) may name the same file; the error is the report.
    found = [p for p in problems if p.file == str(path) and p.severity == "error"]
    assert len(found) == 1, problems
    return found[0]


def test_non_regular_dropins_are_reported_fail_closed_and_the_rest_applies(
    paths: Paths, odd_entries: dict[str, Path]
) -> None:
    write_policy(paths, "[ui]\nhigh_contrast = true\n", name="50-ok.toml")
    write_user(paths, "[history]\nexport_allowed = true\n")
    fifos = [odd_entries["a named pipe (FIFO)"]]
    settings = promptly(lambda: load_settings(paths), fifos)
    for kind, path in odd_entries.items():
        problem = _whole_file_error(settings.problems, path)
        assert problem.severity == "error" and problem.key is None
        assert kind in problem.message and "remove it" in problem.message, problem
        assert "\n" not in str(problem) and str(path) in str(problem)
    assert settings.fail_closed  # like any broken policy file
    for key in SECURITY_KEYS:
        assert settings.get(key) == SCHEMA[key].restrictive, key
        assert settings.is_locked(key)
    assert settings.get_bool("ui.high_contrast") is True  # the valid drop-in still applies


def test_fingerprints_of_non_regular_entries_never_open_them(
    odd_entries: dict[str, Path],
) -> None:
    fifos = [odd_entries["a named pipe (FIFO)"]]
    for kind, path in odd_entries.items():
        found = promptly(functools.partial(fingerprint, path), fifos)
        assert found is not None and found[0] == str(path), kind
        assert found[3].startswith("<") and found[3].endswith(">"), found


def test_a_policy_file_replaced_by_a_pipe_is_reloaded_and_fails_closed(paths: Paths) -> None:
    write_policy(paths, "[ui]\nhigh_contrast = true\n")
    watcher = SettingsWatcher(paths)
    assert not watcher.current.fail_closed
    paths.policy_file.unlink()
    os.mkfifo(paths.policy_file)
    try:
        fresh = promptly(watcher.poll, [paths.policy_file])
        assert fresh is not None and fresh.fail_closed
        problem = _whole_file_error(fresh.problems, paths.policy_file)
        assert "named pipe" in problem.message and "remove it" in problem.message
        assert promptly(watcher.poll, [paths.policy_file]) is None  # no reload churn
    finally:
        _release([paths.policy_file])


def test_a_pipe_as_the_user_settings_file_is_an_error_but_never_fails_closed(
    paths: Paths,
) -> None:
    paths.user_settings_file.parent.mkdir(parents=True)
    os.mkfifo(paths.user_settings_file)
    try:
        settings = promptly(lambda: load_settings(paths), [paths.user_settings_file])
    finally:
        _release([paths.user_settings_file])
    problem = _whole_file_error(settings.problems, paths.user_settings_file)
    assert problem.severity == "error" and "remove it" in problem.message
    assert not settings.fail_closed


def test_a_huge_sparse_policy_file_is_refused_after_a_bounded_read(paths: Paths) -> None:
    paths.policy_dir.mkdir(parents=True)
    with paths.policy_file.open("wb") as handle:
        handle.truncate(8 * 1024**3)  # 8 GiB of holes: reading it whole would eat the RAM
    settings = promptly(lambda: load_settings(paths), [])
    problem = _whole_file_error(settings.problems, paths.policy_file)
    assert f"larger than {MAX_FILE_BYTES // 1024} KB" in problem.message
    assert settings.fail_closed
    assert promptly(lambda: fingerprint(paths.policy_file), []) is not None


def test_policy_check_of_a_pipe_returns_with_exit_code_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fifo = tmp_path / "policy.toml"
    os.mkfifo(fifo)
    try:
        code = promptly(lambda: main(["policy", "check", str(fifo)]), [fifo])
    finally:
        _release([fifo])
    out = capsys.readouterr().out
    assert code == 1
    assert "named pipe (FIFO), not a settings file; remove it" in out
    assert "Traceback" not in out
