"""The expert-statistics file format: round trip, merge, and every kind of bad file."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from disk.expert_stats import (
    ExpertStats,
    ExpertStatsError,
    LayerLoad,
    LoadAlert,
    StatsModel,
    merge_expert_stats,
    read_expert_stats,
    write_expert_stats,
)

SHA = "ab" * 32


def _stats(counts: list[list[int]], *, answers: int = 2, tokens: int = 10,
           sha: str = SHA, alert: LoadAlert | None = None) -> ExpertStats:
    layers = tuple(
        LayerLoad(i, tuple(c), tuple(float(x) / 4 for x in c)) for i, c in enumerate(counts)
    )
    return ExpertStats(StatsModel(sha, "tiny", len(counts[0]), len(layers)), answers, tokens,
                       layers, alert)


def test_round_trip_keeps_every_number(tmp_path: Path) -> None:
    stats = _stats([[3, 1, 0, 0], [0, 2, 2, 0]], alert=LoadAlert("gini", 0.5, 0.61, True))
    path = tmp_path / "stats.json"
    write_expert_stats(path, stats)
    assert read_expert_stats(path) == stats
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["format"] == "genba-expert-stats" and doc["version"] == 1
    assert doc["layers"][1] == {"layer": 1, "count": [0, 2, 2, 0], "weight": [0.0, 0.5, 0.5, 0.0]}
    assert doc["alert"] == {"metric": "gini", "threshold": 0.5, "value": 0.61, "raised": True}
    # Nothing machine-specific: the same statistics give the same bytes anywhere.
    again = tmp_path / "again.json"
    write_expert_stats(again, stats)
    assert again.read_bytes() == path.read_bytes()


def test_merge_sums_counts_weights_answers_and_tokens() -> None:
    a = _stats([[3, 1, 0, 0], [0, 2, 2, 0]], answers=2, tokens=10,
               alert=LoadAlert("gini", 0.5, 0.9, True))
    b = _stats([[1, 1, 1, 1], [4, 0, 0, 0]], answers=1, tokens=4)
    merged = merge_expert_stats([a, b])
    assert merged.answers == 3 and merged.tokens == 14
    assert [ly.count for ly in merged.layers] == [(4, 2, 1, 1), (4, 2, 2, 0)]
    assert [ly.weight for ly in merged.layers] == [(1.0, 0.5, 0.25, 0.25), (1.0, 0.5, 0.5, 0.0)]
    assert merged.alert is None  # judged again by whoever reads the sum


def test_merge_refuses_different_models() -> None:
    with pytest.raises(ExpertStatsError, match="different models"):
        merge_expert_stats([_stats([[1, 0]]), _stats([[1, 0]], sha="cd" * 32)])
    with pytest.raises(ExpertStatsError, match="no statistics"):
        merge_expert_stats([])


def _good() -> dict[str, object]:
    return _stats([[3, 1, 0, 0]]).to_json()


def _broken(change: str) -> object:
    doc: dict[str, object] = _good()
    layer = doc["layers"][0]  # type: ignore[index]
    model = doc["model"]
    if change == "format":
        doc["format"] = "something-else"
    elif change == "version":
        doc["version"] = 2
    elif change == "sha":
        model["sha256"] = "xyz"  # type: ignore[index]
    elif change == "count-length":
        layer["count"] = [1, 2]
    elif change == "negative-count":
        layer["count"] = [1, -2, 0, 0]
    elif change == "float-count":
        layer["count"] = [1.5, 0, 0, 0]
    elif change == "bool-count":
        layer["count"] = [True, 0, 0, 0]
    elif change == "nan-weight":
        layer["weight"] = [float("nan"), 0, 0, 0]
    elif change == "layer-count":
        model["layers"] = 3  # type: ignore[index]
    elif change == "alert":
        doc["alert"] = {"metric": "gini", "threshold": 0.5, "value": 0.1, "raised": "yes"}
    elif change == "list":
        return [doc]
    return doc


@pytest.mark.parametrize("change", [
    "format", "version", "sha", "count-length", "negative-count", "float-count", "bool-count",
    "nan-weight", "layer-count", "alert", "list",
])
def test_a_bad_file_is_one_line_naming_the_file(tmp_path: Path, change: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(_broken(change)), encoding="utf-8")
    with pytest.raises(ExpertStatsError) as caught:
        read_expert_stats(path)
    message = str(caught.value)
    assert str(path) in message and "\n" not in message


def test_not_json_missing_and_not_regular(tmp_path: Path) -> None:
    garbage = tmp_path / "model.gguf"
    garbage.write_bytes(b"GGUF\x03\x00\x00\x00\xff\xfe")
    with pytest.raises(ExpertStatsError, match="not a JSON file"):
        read_expert_stats(garbage)
    with pytest.raises(ExpertStatsError, match="does not exist"):
        read_expert_stats(tmp_path / "missing.json")
    with pytest.raises(ExpertStatsError, match="not a regular file"):
        read_expert_stats(tmp_path)
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    with pytest.raises(ExpertStatsError, match="not a regular file"):
        read_expert_stats(fifo)  # refused without waiting for a writer
