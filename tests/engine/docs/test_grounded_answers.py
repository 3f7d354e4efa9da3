"""Grounded answers end to end: a real index of real files, the real engine on llama.cpp.

Issue 17, item 3: the passages found for a question reach the model in its prompt
(counted, so sizing and the route see them), the final event lists them as sources,
``docs.answers = "require"`` answers "not found" without asking the model, ``off``
leaves the prompt alone, and ``genba ask --docs --json`` prints the sources.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest

from engine.docs.index import DocIndex
from engine.docs.model import DocSource
from engine.events import Event, FinalEvent
from engine.local.llama_adapter import Sampling
from engine.paths import Paths
from engine.service import Engine
from engine.settings import Settings, defaults
from engine.tools.tiny_moe import TinyMoESpec, build_tiny_moe
from tests.engine.recording import record_requests

TORQUE = (
    "# Line 3 flange bolts\n\nTighten the M8 flange bolts on line 3 to 25 N·m with the "
    "calibrated torque wrench, in a cross pattern.\n"
)
COOLANT = "# Coolant\n\nChange the coolant of lathe 7 every 500 operating hours.\n"
JAPANESE = "# 検査基準\n\n外径の公差は ±0.02 mm とする。測定はマイクロメーターで行う。\n"


@pytest.fixture
def indexed(paths: Paths, tmp_path: Path) -> Path:
    """Three site documents in a folder, indexed into the PC's document index."""
    folder = tmp_path / "site-docs"
    folder.mkdir()
    (folder / "torque.md").write_text(TORQUE, encoding="utf-8")
    (folder / "coolant.md").write_text(COOLANT, encoding="utf-8")
    (folder / "inspection.md").write_text(JAPANESE, encoding="utf-8")
    DocIndex(paths.docs_index_db).update(
        [DocSource("policy", folder, str(folder))], max_bytes=10 << 20
    )
    return folder


@pytest.fixture(scope="module")
def roomy_moe(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny MoE with a 4096-token context: its byte-level vocabulary makes passages long."""
    path = tmp_path_factory.mktemp("models") / "tiny-moe-4k.gguf"
    return build_tiny_moe(path, TinyMoESpec(context_length=4096))


@pytest.fixture
def engine_for(engine_for: Any, roomy_moe: Path) -> Any:
    """The shared engine maker (tests/engine/conftest.py) on the 4k-context tiny MoE."""
    return lambda settings: engine_for(settings, roomy_moe)


def _answer(engine: Engine, question: str, **kwargs: Any) -> FinalEvent:
    events: list[Event] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            events.extend(engine.stream([{"role": "user", "content": question}], max_tokens=4,
                                        sampling=Sampling(temperature=0.0), **kwargs))
        except BaseException as exc:  # handed to the test
            errors.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(120)
    assert not worker.is_alive()
    if errors:
        raise errors[0]
    final = events[-1]
    assert isinstance(final, FinalEvent)
    return final


def _settings(**values: object) -> Settings:
    return defaults().with_values(values, source="policy:p")


def test_the_passage_reaches_the_model_and_the_answer_names_its_source(
    indexed: Path, engine_for: Any
) -> None:
    engine = engine_for(defaults())
    seen = record_requests(engine)
    final = _answer(engine, "What torque for the M8 flange bolts on line 3?")
    assert final.route == "local" and final.sources
    first = final.sources[0]
    assert first["path"] == str(indexed / "torque.md")
    assert "25 N·m" in str(first["text"])
    prompt = seen[-1][-1]["content"]
    assert "25 N·m" in prompt
    assert prompt.endswith("Question: What torque for the M8 flange bolts on line 3?")
    # The prompt's size counts the passages: more tokens than the bare question.
    assert final.prompt_tokens > engine.count_tokens(
        [{"role": "user", "content": "What torque for the M8 flange bolts on line 3?"}]
    )


def test_a_japanese_question_finds_the_japanese_standard(indexed: Path, engine_for: Any) -> None:
    final = _answer(engine_for(defaults()), "外径の公差は？")
    assert final.sources and final.sources[0]["path"] == str(indexed / "inspection.md")


def test_off_leaves_the_prompt_alone(indexed: Path, engine_for: Any) -> None:
    engine = engine_for(_settings(**{"docs.answers": "off"}))
    seen = record_requests(engine)
    final = _answer(engine, "What torque for the M8 flange bolts on line 3?")
    assert final.sources is None
    assert seen[-1][-1]["content"] == "What torque for the M8 flange bolts on line 3?"


def test_a_caller_may_answer_without_documents_unless_policy_requires_them(
    indexed: Path, engine_for: Any
) -> None:
    assert _answer(engine_for(defaults()), "M8 torque line 3?", docs=False).sources is None
    required = _answer(engine_for(_settings(**{"docs.answers": "require"})), "M8 torque line 3?",
                       docs=False)
    assert required.sources


def test_require_with_nothing_found_says_so_without_asking_the_model(
    indexed: Path, engine_for: Any
) -> None:
    engine = engine_for(_settings(**{"docs.answers": "require"}))
    seen = record_requests(engine)
    final = _answer(engine, "Who won the football world cup in 1998?")
    assert final.route == "refuse" and final.stop_reason == "error"
    assert final.reason_parts == [{"code": "docs.not_found", "params": {}}]
    assert "not found in the site documents" not in final.reason  # the reason says it its way
    assert "nothing about this was found in the site documents" in final.reason
    assert seen == []  # the model was never asked


def test_require_with_no_index_at_all_says_none_are_indexed(paths: Paths, engine_for: Any) -> None:
    final = _answer(engine_for(_settings(**{"docs.answers": "require"})), "M8 torque line 3?")
    assert final.reason_parts == [{"code": "docs.none_indexed", "params": {}}]


def test_a_short_context_gets_fewer_passages(indexed: Path, engine_for: Any) -> None:
    question = "torque coolant line lathe M8 hours"
    roomy = _answer(engine_for(defaults()), question)
    tight = _answer(engine_for(_settings(**{"resources.max_context_tokens": 1100})), question)
    assert roomy.sources is not None and len(roomy.sources) >= 2
    assert tight.sources is not None and 0 < len(tight.sources) < len(roomy.sources)


def test_genba_ask_docs_json_prints_the_sources(
    indexed: Path, cli_paths: Paths, roomy_moe: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from engine.cli import main

    code = main(["ask", "--model", str(roomy_moe), "--max-tokens", "4", "--threads", "1",
                 "--docs", "--json", "What torque for the M8 flange bolts on line 3?"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert out["sources"][0]["path"] == str(indexed / "torque.md")
