"""``genba update`` with policy ``model.store = "machine"``: the update service's store.

The update service (root or a service account) installs into the machine-wide store and
keeps its TUF state beside it; an operator's process never writes there and says so in one
line. ``apply --when-due`` is what the hourly timer runs: policy decides whether now is due.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from disk.paths import Paths
from tests.updater.testkit import RepoServer
from updater import cli
from updater.cli import _not_due
from updater.config import UpdateConfig
from updater.files import sha256_file
from updater.pointer import ModelRef, Pointer, read_pointer, write_pointer
from updater.repository import PublisherRepository
from updater.scheduler import UpdateScheduler

MACHINE = {"model.store": "machine"}


def _update(argv: list[str], paths: Paths, settings: dict[str, object]) -> int:
    parser = argparse.ArgumentParser(prog="genba")
    cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["update", *argv])
    args.genba_settings = settings
    args.genba_paths = paths
    code: int = args.func(args)
    return code


def _machine_pc(root: Path, base: Path) -> Paths:
    """A PC whose machine store holds version 1 (as the package installs it)."""
    paths = Paths.under(root)
    store = paths.machine_models_dir
    store.mkdir(parents=True)
    shutil.copyfile(base, store / "base-1.gguf")
    write_pointer(store / "current.json", Pointer(ModelRef("base-1.gguf", sha256_file(base), "1")))
    return paths


def _settings(repo: PublisherRepository, server: RepoServer) -> dict[str, object]:
    return {
        **MACHINE,
        "updates.repository_url": server.url,
        "updates.trusted_root": str(repo.metadata_dir / "1.root.json"),
    }


def test_apply_installs_into_the_machine_store_and_keeps_its_state_there(
    repo: PublisherRepository, server: RepoServer, models: dict[str, Path], tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    paths = _machine_pc(tmp_path / "pc", models["base"])
    assert _update(["apply", "--json"], paths, _settings(repo, server)) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["switched"] and out["latest"] == "2"
    pointer = read_pointer(paths.machine_models_dir / "current.json")
    assert pointer is not None and pointer.current.version == "2"
    new_file = paths.machine_models_dir / pointer.current.path
    assert new_file.read_bytes() == models["new"].read_bytes()
    assert (paths.machine_update_dir / "state.json").is_file()
    # The user's folders are not touched: no user store, no user update state.
    assert not paths.models_dir.exists() and not paths.update_dir.exists()
    # The window's status (the same settings) reads the machine state too.
    assert _update(["status", "--json"], paths, _settings(repo, server)) == 0
    assert json.loads(capsys.readouterr().out)["latest_version"] == "2"


def _as_operator(fn: Callable[[], object]) -> object:
    """Run ``fn`` as an unprivileged account (fork + setuid when root), return its result.

    As root, file modes do not stop writes, so the child drops to ``nobody``; it inherits
    the loaded interpreter, so no executable needs to be readable by that account.
    """
    if os.geteuid() != 0:
        return fn()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child process
        code = 1
        try:
            os.close(read)
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            os.write(write, json.dumps(fn()).encode())
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        data = pipe.read()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, "the operator process failed"
    return json.loads(data)


@pytest.fixture
def readonly_pc(models: dict[str, Path]) -> Iterator[Paths]:
    """A machine store this account cannot write (root-owned 0755, or 0555 for a user)."""
    root = Path(tempfile.mkdtemp(prefix="genba-ro-"))
    root.chmod(0o755)
    paths = _machine_pc(root, models["base"])
    for folder in (paths.machine_models_dir, paths.machine_dir):
        folder.chmod(0o555 if os.geteuid() != 0 else 0o755)
    yield paths
    for folder in (paths.machine_dir, paths.machine_models_dir):
        folder.chmod(0o755)
    shutil.rmtree(root)


def test_an_operator_cannot_update_the_machine_store_and_is_told_in_one_line(
    readonly_pc: Paths, capfd: pytest.CaptureFixture[str]
) -> None:
    before = sorted(p.name for p in readonly_pc.machine_dir.rglob("*"))
    settings = {**MACHINE, "updates.repository_url": "http://127.0.0.1:9/"}

    def apply() -> list[object]:
        import contextlib
        import io

        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            code = _update(["apply"], readonly_pc, settings)
        return [code, err.getvalue()]

    code, err = _as_operator(apply)  # type: ignore[misc]
    assert code == 1
    assert str(err).count("\n") == 1 and "Traceback" not in str(err)
    assert "cannot write" in str(err) and "update service" in str(err)
    assert sorted(p.name for p in readonly_pc.machine_dir.rglob("*")) == before


def test_the_window_s_scheduler_leaves_a_read_only_machine_store_to_the_service(
    readonly_pc: Paths,
) -> None:
    config = UpdateConfig.from_settings(MACHINE, readonly_pc)

    def one_check() -> list[str]:
        scheduler = UpdateScheduler(config)
        scheduler._check_once()
        return [scheduler.state.state, scheduler.state.message]

    state, message = _as_operator(one_check)  # type: ignore[misc]
    assert state == "idle" and "update service" in message


def _config(tmp_path: Path, **settings: object) -> UpdateConfig:
    return UpdateConfig.from_settings(settings, Paths.under(tmp_path), environ={})


def test_when_due_follows_policy_window_interval_and_switch(tmp_path: Path) -> None:
    now = datetime(2026, 12, 3, 12, 0).astimezone()
    hour_ago = (now - timedelta(hours=1)).astimezone(UTC).isoformat()
    day_ago = (now - timedelta(hours=25)).astimezone(UTC).isoformat()
    assert _not_due(_config(tmp_path), None, now) is None  # never checked: due
    assert _not_due(_config(tmp_path), day_ago, now) is None
    assert "next check due" in str(_not_due(_config(tmp_path), hour_ago, now))
    hourly = _config(tmp_path, **{"updates.check_interval_h": 1})
    assert _not_due(hourly, hour_ago, now) is None
    night = _config(tmp_path, **{"updates.window": "22:00-05:00"})
    assert "Outside the update window" in str(_not_due(night, None, now))
    assert _not_due(night, None, now.replace(hour=23)) is None
    off = _config(tmp_path, **{"updates.enabled": False})
    assert "off by policy" in str(_not_due(off, None, now))


def test_apply_when_due_skips_a_fresh_check_and_applies_when_due(
    repo: PublisherRepository, server: RepoServer, models: dict[str, Path], tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    paths = _machine_pc(tmp_path / "pc", models["base"])
    settings = _settings(repo, server)
    paths.machine_update_dir.mkdir(parents=True)
    just_now = datetime.now(UTC).isoformat(timespec="seconds")
    (paths.machine_update_dir / "state.json").write_text(json.dumps({"last_check": just_now}))
    assert _update(["apply", "--when-due"], paths, settings) == 0
    assert "next check due" in capsys.readouterr().out
    assert read_pointer(paths.machine_models_dir / "current.json").current.version == "1"  # type: ignore[union-attr]
    long_ago = (datetime.now(UTC) - timedelta(hours=30)).isoformat(timespec="seconds")
    (paths.machine_update_dir / "state.json").write_text(json.dumps({"last_check": long_ago}))
    assert _update(["apply", "--when-due"], paths, settings) == 0
    assert "version 2 is active" in capsys.readouterr().out
    assert read_pointer(paths.machine_models_dir / "current.json").current.version == "2"  # type: ignore[union-attr]
