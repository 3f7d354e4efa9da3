"""The updater derives offline, proxy and CA from settings exactly as the engine does."""

from __future__ import annotations

from pathlib import Path

import pytest

from disk.paths import Paths
from tests.network_cases import CASES, MISSING, case_id
from updater.config import UpdateConfig


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_offline_follows_the_shared_table(
    case: tuple[object, str | None, bool], tmp_path: Path
) -> None:
    value, env, offline = case
    settings = {} if value is MISSING else {"network.offline": value}
    environ = {} if env is None else {"GENBA_OFFLINE": env}
    cfg = UpdateConfig.from_settings(settings, Paths.under(tmp_path), environ=environ)
    assert cfg.offline is offline


def test_proxy_and_ca_come_from_the_same_keys_as_the_engine(tmp_path: Path) -> None:
    cfg = UpdateConfig.from_settings(
        {"network.proxy": "http://127.0.0.1:3128", "fallback.ca_bundle": "/etc/site-ca.pem"},
        Paths.under(tmp_path), environ={},
    )  # fmt: skip
    assert (cfg.proxy, cfg.ca_bundle) == ("http://127.0.0.1:3128", "/etc/site-ca.pem")
