"""``genba pilot eval``: a site's questions per N, all experts and a real loopback server.

The tiny model (8 experts, top-2: useful N 2..8) answers locally; the remote is
``llama_cpp.server`` serving the same model on 127.0.0.1. Answers are greedy.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from engine.cli import main
from engine.errors import BadInputError
from engine.paths import Paths
from engine.pilot.energy import SOURCES, EnergyMeter
from engine.pilot.evaluate import Evaluator, allowed_experts, load, save, variants_for
from engine.pilot.questions import Question, load_questions, reference_recall
from engine.pilot.stats import histogram, quantile, wilson
from engine.service import Engine
from engine.settings import defaults
from tests.engine.remote_servers import LlamaServer

QUESTIONS_TOML = """
[[question]]
id = "any"
question = "Say something."
regex = "."

[[question]]
id = "never"
question = "Name the part."
keywords = ["zzqx-never-said"]
"""


def question_file(tmp_path: Path) -> Path:
    path = tmp_path / "site.toml"
    path.write_text(QUESTIONS_TOML, encoding="utf-8")
    return path


def test_question_files_and_scoring(tmp_path: Path) -> None:
    toml_questions = load_questions(question_file(tmp_path))
    assert [q.id for q in toml_questions] == ["any", "never"]
    jsonl = tmp_path / "site.jsonl"
    jsonl.write_text(
        '{"question": "トルクは？", "keywords": ["ＮＭ", "M12"]}\n\n'
        '{"question": "Which valve?", "reference": "締付トルクは40Nmです"}\n', encoding="utf-8")
    first, second = load_questions(jsonl)
    assert (first.id, second.id) == ("q1", "q2")
    assert first.is_correct("m12 のボルトは 40 nm")  # full-width and case folded
    assert not first.is_correct("40 Nm")
    assert second.is_correct("締付トルクは 40 Nm です。") and not second.is_correct("わかりません")
    assert reference_recall("abc", "xx abc") == 1.0
    assert Question("r", "q", regex=r"\b40\s*nm\b").is_correct("Use 40 Nm.")


@pytest.mark.parametrize(("content", "suffix", "message"), [
    ("[[question]]\nquestion = 'x'\n", ".toml", "give 'keywords', 'regex' or 'reference'"),
    ("[[question]]\nquestion = 'x'\nregex = '('\n", ".toml", "bad regex"),
    ('{"question": "x", "keywords": "a"}\nnot json\n', ".jsonl", "line 2 is not JSON"),
    ("", ".jsonl", "no questions"),
    ("question = 1", ".txt", ".toml or .jsonl"),
])
def test_bad_question_files_say_what_is_wrong_in_one_line(
    tmp_path: Path, content: str, suffix: str, message: str
) -> None:
    path = tmp_path / f"bad{suffix}"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(BadInputError, match=message) as caught:
        load_questions(path)
    assert "\n" not in str(caught.value)


def test_statistics() -> None:
    low, high = wilson(0, 10)
    assert low == 0.0 and high == pytest.approx(0.2775, abs=1e-4)
    low, high = wilson(5, 10)
    assert (low, high) == (pytest.approx(0.2366, abs=1e-4), pytest.approx(0.7634, abs=1e-4))
    assert quantile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5 and quantile([], 0.5) is None
    assert histogram([0.1, 0.25, 0.3, 100.0], [0.25, 1.0]) == [2, 1, 1]


def test_eval_runs_each_n_all_experts_and_the_remote_server(
    paths: Paths, tiny_moe_path: Path, llama_server: LlamaServer, tmp_path: Path
) -> None:
    settings = defaults().with_values(
        {"fallback.enabled": True, "fallback.url": llama_server.url}, source="policy:test"
    )
    engine = Engine(paths=paths, settings=settings, model_path=tiny_moe_path, n_threads=1)
    try:
        evaluator = Evaluator(engine, settings, EnergyMeter(10.0), max_tokens=4)
        evaluator.warm_up(None)
        allowed, everything = allowed_experts(engine, settings)
        assert (allowed, everything) == ([2, 3, 4, 5, 6, 7, 8], 8)
        variants = variants_for(allowed, everything, remote=True, only=[2])
        assert [v.name for v in variants] == ["local-N2", "all-experts", "remote"]
        result = evaluator.run(load_questions(question_file(tmp_path)), variants)
    finally:
        engine.close()
    assert [(a.variant, a.experts) for a in result.answers] == [
        ("local-N2", 2), ("local-N2", 2), ("all-experts", 8), ("all-experts", 8),
        ("remote", None), ("remote", None)]
    assert [a.correct for a in result.answers] == [True, False] * 3
    for answer in result.answers:
        assert not answer.error and answer.ttft_s is not None and answer.generated_tokens > 0
        assert answer.energy_source in SOURCES
    for summary in result.variants:
        assert (summary.answers, summary.correct, summary.errors) == (2, 1, 0)
        assert (summary.accuracy_low, summary.accuracy_high) == pytest.approx(wilson(1, 2))
        assert summary.total_p50_s is not None and summary.energy_mean_j is not None
        assert summary.decode_tps_p50 is not None and summary.decode_tps_p50 > 0
    assert not (paths.data_dir / "pilot-metrics.db").exists()  # eval answers are not metrics
    folder = save(result, tmp_path / "run")
    assert load(folder)["variants"][1]["variant"] == "all-experts"
    with (folder / "answers.csv").open(encoding="utf-8") as f:
        assert len(list(csv.DictReader(f))) == 6
    assert "Say something" not in (folder / "eval.json").read_text(encoding="utf-8")


def test_the_cli_saves_its_run_and_a_bad_file_is_one_line(
    tiny_moe_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    code = main(["pilot", "eval", "--questions", str(question_file(tmp_path)), "--json",
                 "--model", str(tiny_moe_path), "--experts", "2", "--max-tokens", "2",
                 "--no-remote", "--threads", "1", "--out", str(out)])
    assert code == 0
    printed = json.loads(capsys.readouterr().out)
    assert [v["variant"] for v in printed["variants"]] == ["local-N2", "all-experts"]
    assert printed["saved_to"] == str(out) and (out / "variants.csv").is_file()
    bad = tmp_path / "bad.toml"
    bad.write_text("[[question]]\nquestion = 'x'\n", encoding="utf-8")
    assert main(["pilot", "eval", "--questions", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("genba: ") and "\n" not in err
