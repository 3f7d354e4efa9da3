"""``genba-publish pack``: statistics files of the base → a pack with the rule's K and experts;
bad statistics or options → one line and exit code 2, nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from updater.files import sha256_file
from updater.pack_prune import read_pack_info
from updater.publish_cli import main

E, LAYERS = 8, 4


def stats_doc(sha: str, weights: list[list[float]], answers: int = 3) -> dict[str, object]:
    """A statistics file in the ``genba-expert-stats`` format (disk/expert_stats.py)."""
    return {
        "format": "genba-expert-stats",
        "version": 1,
        "model": {"sha256": sha, "name": "tiny", "expert_count": E, "layers": len(weights)},
        "answers": answers,
        "tokens": 100,
        "layers": [
            {"layer": i, "count": [int(10 * x) for x in w], "weight": w}
            for i, w in enumerate(weights)
        ],
        "alert": None,
    }


def write(path: Path, doc: object) -> Path:
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


# Layer 0 is concentrated on experts 6, 1; the others spread differently.
WEIGHTS = [
    [0.0, 3.0, 0.0, 0.0, 0.0, 0.0, 6.0, 1.0],
    [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 4.0],
    [0.0, 0.0, 5.0, 5.0, 0.0, 0.0, 0.0, 0.0],
    [2.0, 0.0, 0.0, 0.0, 8.0, 0.0, 0.0, 0.0],
]


def test_pack_from_two_stats_files(
    tiny_moe_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sha = sha256_file(tiny_moe_path)
    half = [[w / 2 for w in layer] for layer in WEIGHTS]
    files = [write(tmp_path / f"pc{i}.json", stats_doc(sha, half)) for i in (1, 2)]
    out = tmp_path / "plant-a.gguf"
    code = main([
        "pack", "--base", str(tiny_moe_path), "--stats", *map(str, files), "--name", "plant-a",
        "--coverage", "0.9", "--min-k", "2", "--out", str(out),
    ])  # fmt: skip
    text = capsys.readouterr().out
    assert code == 0, text
    # Layer 1 needs 6 experts for 90 % (4 + 5 x 1 of 10) → K = 6 in every layer.
    assert "keeps K = 6 of 8 experts per layer" in text
    assert "statistics of 6 answers" in text
    assert "Size " in text and "vs base" in text
    info = read_pack_info(out)
    assert info is not None
    assert info["name"] == "plant-a" and info["source"] == "stats"
    assert info["base_sha256"] == sha and info["base_expert_count"] == E
    kept = info["kept_experts"]
    assert kept[0] == [0, 1, 2, 3, 6, 7]  # 6, 1, 7 by mass, then zero-mass ties by id
    assert kept[1] == [0, 1, 2, 3, 4, 7]  # 7 first, then five of the equal ones by id
    assert kept[2] == kept[3] == [0, 1, 2, 3, 4, 5]
    assert out.stat().st_size < tiny_moe_path.stat().st_size


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ("other-model", "collected on model"),
        ("missing-layer", "lack MoE layer(s) 3"),
        ("not-json", "not a JSON file"),
        ("min-k", "--min-k must be between 1 and 7"),
        ("no-base", "does not exist"),
    ],
)
def test_bad_input_is_one_line(
    tiny_moe_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], change: str,
    words: str,
) -> None:  # fmt: skip
    sha = sha256_file(tiny_moe_path)
    doc = stats_doc("0" * 64 if change == "other-model" else sha, WEIGHTS)
    if change == "missing-layer":
        doc = stats_doc(sha, WEIGHTS[:3])
    stats = write(tmp_path / "s.json", doc)
    if change == "not-json":
        stats.write_text("{nope", encoding="utf-8")
    base = tmp_path / "absent.gguf" if change == "no-base" else tiny_moe_path
    min_k = "8" if change == "min-k" else "2"
    out = tmp_path / "pack.gguf"
    code = main([
        "pack", "--base", str(base), "--stats", str(stats), "--name", "x", "--min-k", min_k,
        "--out", str(out),
    ])  # fmt: skip
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert words in err and "\n" not in err and "Traceback" not in err
    assert not out.exists()


def test_pack_from_a_site_text_routed_through_the_model(
    tiny_moe_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = tmp_path / "site.txt"
    text.write_text("Spindle speed, feed rate and tool wear. 切削速度と送り。\n" * 20, "utf-8")
    out = tmp_path / "site.gguf"
    code = main([
        "pack", "--base", str(tiny_moe_path), "--text", str(text), "--name", "site",
        "--coverage", "0.5", "--min-k", "2", "--out", str(out),
    ])  # fmt: skip
    captured = capsys.readouterr()
    assert code == 0, captured.err
    info = read_pack_info(out)
    assert info is not None and info["source"] == "text"
    k = len(info["kept_experts"][0])
    assert 2 <= k <= 7 and f"keeps K = {k} of 8" in captured.out
    assert all(len(ids) == k for ids in info["kept_experts"])


def test_missing_text_file_is_one_line(
    tiny_moe_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main([
        "pack", "--base", str(tiny_moe_path), "--text", str(tmp_path / "none.txt"),
        "--name", "x", "--min-k", "2", "--out", str(tmp_path / "p.gguf"),
    ])  # fmt: skip
    err = capsys.readouterr().err.strip()
    assert code == 2 and "none.txt does not exist" in err and "\n" not in err
