"""The engine's one network state: built from settings and the environment, failing closed."""

from __future__ import annotations

import json
import socket
from collections.abc import Sequence
from pathlib import Path

import pytest

from engine.cli import main
from engine.paths import Paths
from engine.remote.network import NetworkConfig
from engine.settings import load_settings
from engine.settings.model import Problem
from tests.network_cases import CASES, MISSING, case_id


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value)  # ints and strings are written alike in TOML


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_offline_follows_the_shared_table(
    case: tuple[object, str | None, bool], tmp_path: Path
) -> None:
    """The same rows as the updater's test, written the way an operator writes them."""
    value, env, offline = case
    paths = Paths.under(tmp_path / "genba")
    if value is not MISSING:
        paths.user_settings_file.parent.mkdir(parents=True, exist_ok=True)
        paths.user_settings_file.write_text(
            f"[network]\noffline = {_toml(value)}\n", encoding="utf-8"
        )
    environ = {} if env is None else {"GENBA_OFFLINE": env}
    state = NetworkConfig.from_settings(load_settings(paths), environ=environ)
    assert state.offline is offline
    assert bool(state.offline_why) is offline


def test_policy_proxy_and_ca_are_part_of_the_state(tmp_path: Path) -> None:
    paths = Paths.under(tmp_path / "genba")
    paths.policy_dir.mkdir(parents=True)
    (paths.policy_dir / "policy.toml").write_text(
        '[network]\nproxy = "http://127.0.0.1:3128"\n[fallback]\nca_bundle = "/etc/ca.pem"\n',
        encoding="utf-8",
    )
    state = NetworkConfig.from_settings(load_settings(paths), environ={})
    assert (state.offline, state.proxy, state.ca_bundle) == (
        False, "http://127.0.0.1:3128", "/etc/ca.pem",
    )  # fmt: skip


class _Broken:
    """Settings that fail while the state is worked out."""

    def get_bool(self, key: str) -> bool:
        raise RuntimeError("settings store went away")

    def get_str(self, key: str) -> str:
        return ""

    @property
    def problems(self) -> Sequence[Problem]:
        return ()


def test_an_error_while_working_out_the_state_means_offline() -> None:
    state = NetworkConfig.from_settings(_Broken(), environ={})
    assert state.offline and state.offline_why


def test_without_settings_only_the_environment_counts() -> None:
    assert not NetworkConfig.from_environment({}).offline
    assert NetworkConfig.from_environment({"GENBA_OFFLINE": "perhaps"}).offline


def test_the_updater_gets_the_engines_effective_offline_state(
    isolated_home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A broken network.offline the settings layer drops still stops `genba update`."""
    settings = Paths.default().user_settings_file
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text('[network]\noffline = "yes"\n', encoding="utf-8")
    tried: list[object] = []

    def no_connect(sock: socket.socket, address: object) -> None:
        tried.append(address)
        raise OSError("test: no socket may connect")

    monkeypatch.setattr(socket.socket, "connect", no_connect)
    assert main(["update", "check", "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["error"] == "offline"
    assert tried == []
