"""Engine test fixtures: a real ``llama_cpp.server`` on 127.0.0.1, shared by the modules."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from engine.paths import Paths
from engine.service import Engine
from engine.settings import Settings
from tests.engine.remote_servers import LlamaServer


@pytest.fixture(scope="session")
def llama_server(
    tiny_moe_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LlamaServer]:
    """llama-cpp-python's OpenAI-compatible server serving the tiny model (started once)."""
    server = LlamaServer(tiny_moe_path, tmp_path_factory.mktemp("llama-server") / "server.log")
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


@pytest.fixture
def llama_server_url(llama_server: LlamaServer) -> str:
    """The server's ``/v1`` base URL."""
    return llama_server.url


@pytest.fixture
def cli_paths(paths: Paths, monkeypatch: pytest.MonkeyPatch) -> Paths:
    """The CLI's folders, policy included, under this test's tmp dir (never /etc/genba)."""
    monkeypatch.setattr(Paths, "default", classmethod(lambda cls, environ=None: paths))
    paths.policy_dir.mkdir(parents=True, exist_ok=True)
    return paths


@pytest.fixture
def engine_for(paths: Paths, tiny_moe_path: Path) -> Iterator[Callable[..., Engine]]:
    """Engines under these settings on the tiny MoE (or ``model``), closed after the test."""
    made: list[Engine] = []

    def make(settings: Settings, model: Path | None = None) -> Engine:
        engine = Engine(paths=paths, settings=settings, model_path=model or tiny_moe_path,
                        n_threads=1)
        made.append(engine)
        return engine

    yield make
    for engine in made:
        engine.close()
