"""The updater-to-engine contract: a new current-model pointer is picked up between answers only.

The two packages never import each other; they meet through ``models/current.json``.
This test drives both sides through that file: the updater's writer, the engine's reader.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from engine.events import FinalEvent, TokenEvent
from engine.local.llama_adapter import Sampling
from engine.paths import Paths
from engine.service import Engine
from engine.settings import defaults
from engine.tools.tiny_moe import TinyMoESpec, build_tiny_moe
from updater.pointer import ModelRef, Pointer, write_pointer

QUESTION = [{"role": "user", "content": "Status of line 3?"}]
GREEDY = Sampling(temperature=0.0)


def _ref(path: Path, version: str) -> ModelRef:
    return ModelRef(path.name, hashlib.sha256(path.read_bytes()).hexdigest(), version)


def test_new_model_is_used_from_the_next_answer_never_mid_answer(
    paths: Paths, tiny_moe_path: Path
) -> None:
    paths.models_dir.mkdir(parents=True)
    v1 = paths.models_dir / "model-v1.gguf"
    v1.write_bytes(tiny_moe_path.read_bytes())
    v2 = build_tiny_moe(paths.models_dir / "model-v2.gguf", TinyMoESpec(seed=7))
    write_pointer(paths.current_model_pointer, Pointer(current=_ref(v1, "1")))

    engine = Engine(paths=paths, settings=defaults(), n_threads=2)
    try:
        assert engine.model_info.path == v1
        stream = engine.stream(QUESTION, max_tokens=24, sampling=GREEDY)
        first = next(e for e in stream if isinstance(e, TokenEvent))
        assert first.text
        # The updater switches the pointer while the answer is still running.
        write_pointer(
            paths.current_model_pointer,
            Pointer(current=_ref(v2, "2"), previous=_ref(v1, "1")),
        )
        rest = list(stream)
        assert isinstance(rest[-1], FinalEvent)
        assert engine.model_info.path == v1  # the running answer finished on v1

        final_v2 = list(engine.stream(QUESTION, max_tokens=24, sampling=GREEDY))[-1]
        assert engine.model_info.path == v2
        assert isinstance(final_v2, FinalEvent) and final_v2.route == "local"

        # Rollback: the pointer names v1 again and the next answer uses it.
        write_pointer(paths.current_model_pointer, Pointer(current=_ref(v1, "1")))
        list(engine.stream(QUESTION, max_tokens=4, sampling=GREEDY))
        assert engine.model_info.path == v1
    finally:
        engine.close()


def test_a_damaged_pointer_keeps_the_running_model(paths: Paths, tiny_moe_path: Path) -> None:
    paths.models_dir.mkdir(parents=True)
    v1 = paths.models_dir / "model-v1.gguf"
    v1.write_bytes(tiny_moe_path.read_bytes())
    write_pointer(paths.current_model_pointer, Pointer(current=_ref(v1, "1")))
    engine = Engine(paths=paths, settings=defaults(), n_threads=2)
    try:
        paths.current_model_pointer.write_text("{ not json")
        final = list(engine.stream(QUESTION, max_tokens=4, sampling=GREEDY))[-1]
        assert isinstance(final, FinalEvent) and final.route == "local"
        assert engine.model_info.path == v1
    finally:
        engine.close()
