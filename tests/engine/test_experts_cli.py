"""``genba experts stats|export|score`` and the doctor's line, on the tiny models."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from disk.expert_stats import LayerLoad, merge_expert_stats, read_expert_stats
from engine.cli import main
from engine.expert_load.identity import identify
from engine.expert_load.load import ExpertLoad
from engine.expert_load.store import ExpertLoadStore
from engine.models.info import inspect_model
from engine.paths import Paths
from engine.tools.tiny_moe import TinyMoESpec, build_tiny_moe

# Long enough for two 512-token chunks of the tiny model's byte-level vocabulary.
SITE_TEXT = (
    "Check the spindle runout before each batch. Measure the bore with the gauge, record "
    "the value, and stop the line when it drifts beyond the tolerance on the drawing. "
) * 4


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _one_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


@pytest.fixture(scope="module")
def imbalanced_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny model with a router that favours experts 0 and 5 in every layer."""
    return build_tiny_moe(
        tmp_path_factory.mktemp("imbalanced") / "imbalanced.gguf",
        TinyMoESpec(router_bias=(0, 5)),
    )


def test_score_raises_the_alert_for_an_imbalanced_model_only(
    capsys: pytest.CaptureFixture[str], cli_paths: Paths, tmp_path: Path,
    tiny_moe_path: Path, imbalanced_path: Path,
) -> None:
    text = tmp_path / "site.txt"
    text.write_text(SITE_TEXT, encoding="utf-8")
    results = {}
    for name, model in (("balanced", tiny_moe_path), ("imbalanced", imbalanced_path)):
        out_file = tmp_path / f"{name}.json"
        code, out, _ = _run(capsys, "experts", "score", "--quiet", "--text", str(text),
                            "--out", str(out_file), "--model", str(model), "--threads", "2")
        assert code == 0, out
        results[name] = read_expert_stats(out_file)
    balanced, imbalanced = results["balanced"], results["imbalanced"]
    for stats in (balanced, imbalanced):
        # Every token of the text in every layer (logits_all: the last layer too), 2 chunks.
        assert stats.answers == 2
        assert 512 < stats.tokens <= 2 * 513
        assert [sum(ly.count) for ly in stats.layers] == [2 * stats.tokens] * 4
        assert stats.model.expert_count == 8 and stats.model.layers == 4
    assert balanced.alert is not None and not balanced.alert.raised
    assert imbalanced.alert is not None and imbalanced.alert.raised
    assert imbalanced.alert.value > 0.95 and balanced.alert.value < 0.7
    first = imbalanced.layers[0]
    assert first.count[0] == first.count[5] == imbalanced.tokens  # the favoured pair
    assert first.weight[0] > 0 and first.weight[5] > 0
    assert balanced.model.sha256 != imbalanced.model.sha256


def test_stats_and_export_read_the_collected_numbers(
    capsys: pytest.CaptureFixture[str], cli_paths: Paths, tmp_path: Path, tiny_moe_path: Path,
) -> None:
    store = ExpertLoadStore(cli_paths.expert_load_db)
    model = identify(inspect_model(tiny_moe_path), store, None)
    assert model is not None
    counts = [300, 300, 0, 0, 0, 0, 0, 0]  # 300 tokens, N = 2, always experts 0 and 1
    layers = tuple(LayerLoad(i, tuple(counts), (150.0, 75.0, 0, 0, 0, 0, 0, 0)) for i in (0, 1))
    store.record(model, ExpertLoad(3, 300, layers))
    (cli_paths.policy_dir / "policy.toml").write_text(
        "[experts]\nimbalance_alert = 0.9\n", encoding="utf-8"
    )

    code, out, _ = _run(capsys, "experts", "stats", "--json", "--model", str(tiny_moe_path))
    assert code == 0
    doc = json.loads(out)
    assert (doc["answers"], doc["tokens"], doc["experts_per_token"]) == (3, 300, 2.0)
    layer = doc["layers"][0]
    assert layer["share"] == [0.5, 0.5, 0, 0, 0, 0, 0, 0]
    assert layer["weight_share"] == pytest.approx([2 / 3, 1 / 3, 0, 0, 0, 0, 0, 0])
    assert layer["never_chosen"] == [2, 3, 4, 5, 6, 7]
    assert layer["max_mean"] == 4.0 and layer["normalized_gini"] == 1.0
    assert doc["alert"] == {"metric": "normalized_gini", "threshold": 0.9, "value": 1.0,
                            "raised": True}
    code, out, _ = _run(capsys, "experts", "stats", "--model", model.sha256[:10])
    assert code == 0 and "RAISED" in out and "2,3,4,5,6,7" in out

    export = tmp_path / "site-a.json"
    code, _, _ = _run(capsys, "experts", "export", "--out", str(export),
                      "--model", str(tiny_moe_path))
    assert code == 0
    stats = read_expert_stats(export)
    assert stats.model.sha256 == model.sha256 and stats.layers == layers
    assert stats.alert is not None and stats.alert.raised
    assert str(tmp_path) not in export.read_text(encoding="utf-8")  # nothing of this machine
    merged = merge_expert_stats([stats, stats])
    assert merged.answers == 6 and merged.layers[0].count[0] == 600

    code, out, _ = _run(capsys, "doctor", "--json", "--model", str(tiny_moe_path))
    load = json.loads(out)["expert_load"]
    assert (load["answers"], load["tokens"]) == (3, 300)
    assert load["alert"]["raised"] is True


def test_bad_input_is_one_line(
    capsys: pytest.CaptureFixture[str], cli_paths: Paths, tmp_path: Path, tiny_moe_path: Path,
) -> None:
    code, _, err = _run(capsys, "experts", "export", "--out", str(tmp_path / "x.json"),
                        "--model", str(tiny_moe_path))
    assert code == 1 and "No expert-load statistics" in _one_line(err)
    code, _, err = _run(capsys, "experts", "stats", "--model", "abcdef123")
    assert code == 1 and "No expert-load statistics for model abcdef123" in _one_line(err)
    code, _, err = _run(capsys, "experts", "score", "--text", str(tmp_path / "missing.txt"),
                        "--out", str(tmp_path / "x.json"), "--model", str(tiny_moe_path))
    assert code == 2 and "missing.txt does not exist; check the path." in _one_line(err)
    latin = tmp_path / "latin1.txt"
    latin.write_bytes("Qualitätsprüfung".encode("latin-1"))
    code, _, err = _run(capsys, "experts", "score", "--text", str(latin),
                        "--out", str(tmp_path / "x.json"), "--model", str(tiny_moe_path))
    assert code == 2 and "not UTF-8" in _one_line(err)
    assert not (tmp_path / "x.json").exists()
