"""Policy ``model.store = "machine"``: the engine runs the machine store's current model.

The update service writes the machine-wide store; the engine (an operator's process) only
reads its pointer, picks a new one up between answers exactly as for the user's own store,
and never writes there. ``genba doctor`` says which store is in use and why.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from engine.cli import main
from engine.events import FinalEvent
from engine.local.llama_adapter import Sampling
from engine.paths import Paths
from engine.service import Engine
from engine.settings import Settings, load_settings
from engine.tools.tiny_moe import TinyMoESpec, build_tiny_moe
from updater.pointer import ModelRef, Pointer, write_pointer

QUESTION = [{"role": "user", "content": "Status of line 3?"}]
GREEDY = Sampling(temperature=0.0)


def _ref(path: Path, version: str) -> ModelRef:
    return ModelRef(path.name, hashlib.sha256(path.read_bytes()).hexdigest(), version)


def _machine_policy(paths: Paths, store: str = "machine") -> Settings:
    paths.policy_dir.mkdir(parents=True, exist_ok=True)
    paths.policy_file.write_text(f'[model]\nstore = "{store}"\n', encoding="utf-8")
    settings = load_settings(paths)
    assert not settings.problems and settings.is_locked("model.store")
    return settings


def _snapshot(folder: Path) -> dict[str, int]:
    return {str(p): p.stat().st_mtime_ns for p in sorted(folder.rglob("*"))}


def test_the_engine_runs_and_follows_the_machine_store_s_pointer(
    paths: Paths, tiny_moe_path: Path
) -> None:
    # The operator's own store names another model: policy's machine store wins.
    paths.models_dir.mkdir(parents=True)
    mine = paths.models_dir / "mine.gguf"
    mine.write_bytes(tiny_moe_path.read_bytes())
    write_pointer(paths.current_model_pointer, Pointer(current=_ref(mine, "u1")))
    machine = paths.machine_models_dir
    machine.mkdir(parents=True)
    v1 = machine / "model-v1.gguf"
    v1.write_bytes(tiny_moe_path.read_bytes())
    v2 = build_tiny_moe(machine / "model-v2.gguf", TinyMoESpec(seed=7))
    write_pointer(machine / "current.json", Pointer(current=_ref(v1, "1")))
    settings = _machine_policy(paths)

    engine = Engine(paths=paths, settings=settings, n_threads=2)
    try:
        assert engine.model_info.path == v1
        list(engine.stream(QUESTION, max_tokens=4, sampling=GREEDY))
        # The update service switches the machine pointer; the next answer runs v2.
        write_pointer(machine / "current.json", Pointer(_ref(v2, "2"), previous=_ref(v1, "1")))
        untouched = _snapshot(machine)
        final = list(engine.stream(QUESTION, max_tokens=4, sampling=GREEDY))[-1]
        assert isinstance(final, FinalEvent) and final.route == "local"
        assert engine.model_info.path == v2
        # Policy back to the user's store (a reloaded policy): its pointer from the next answer.
        engine.update_settings(_machine_policy(paths, "user"))
        list(engine.stream(QUESTION, max_tokens=4, sampling=GREEDY))
        assert engine.model_info.path == mine
        assert _snapshot(machine) == untouched  # the engine never wrote the machine store
    finally:
        engine.close()


def test_doctor_shows_the_machine_store_and_why(
    tmp_path: Path, tiny_moe_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The system folders are fixed per OS; point them into this test's folder.
    monkeypatch.setattr("disk.paths._system_policy_dir", lambda: tmp_path / "etc")
    monkeypatch.setattr("disk.paths._system_machine_dir", lambda: tmp_path / "var")
    paths = Paths.default()
    machine = paths.machine_models_dir
    machine.mkdir(parents=True)
    v1 = machine / "model-v1.gguf"
    v1.write_bytes(tiny_moe_path.read_bytes())
    write_pointer(machine / "current.json", Pointer(current=_ref(v1, "7")))
    _machine_policy(paths)

    assert main(["doctor", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    store = report["store"]
    assert store["kind"] == "machine" and store["models_dir"] == str(machine)
    assert store["why"] == 'policy sets model.store = "machine"'
    assert store["current_version"] == "7"
    assert store["user_imports"] == str(paths.models_dir)
    assert report["model"]["path"] == str(v1)

    assert main(["doctor"]) == 0
    text = capsys.readouterr().out
    assert f"in use     machine-wide: {machine}" in text
    assert "current    7; writable" in text
