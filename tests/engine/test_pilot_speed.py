"""``genba pilot speed --like NAME``: the per-N curve of a catalogue shape, its file, doctor's line.

Uses the ``tiny-test`` shape (about 1 MB): the real path (build into the cache, the
inference worker, psutil RSS) without building a catalogue-sized model. No timing
assertions: the numbers only have to be there and be positive.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.cli import main
from engine.local.safe_experts import SafeExpertsStore
from engine.paths import Paths
from engine.pilot.speed import cached_model, default_experts
from engine.pilot.speed_file import (
    SpeedResult,
    SpeedRow,
    newest_speed,
    read_speed,
    speed_path,
    summary_line,
    write_speed,
)


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_speed_measures_each_n_writes_the_file_and_doctor_shows_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = _run(capsys, "pilot", "speed", "--like", "tiny-test", "--experts", "1,2,4",
                        "--tokens", "4", "--threads", "1")
    assert code == 0, out
    paths = Paths.default()
    data = json.loads(speed_path(paths.data_dir, "tiny-test").read_text(encoding="utf-8"))
    assert set(data) == {"format", "version", "shape", "threads", "rows", "default_n",
                         "all_experts", "machine"}
    assert (data["format"], data["version"], data["shape"]) == ("genba-pilot-speed", 1,
                                                                "tiny-test")
    assert (data["threads"], data["default_n"], data["all_experts"]) == (1, 2, 4)
    assert [r["n"] for r in data["rows"]] == [1, 2, 4]
    assert all(r["tokens_per_s"] > 0 and r["rss_mib"] > 1 for r in data["rows"])
    assert data["machine"]["cores"] >= 1 and data["machine"]["cpu"]
    # the printed curve, the speed-up of the default N, the anchor and the quality caveat
    lines = out.splitlines()
    assert any(line.split()[:1] == ["4"] and "all experts" in line for line in lines)
    assert any(line.split()[:1] == ["2"] and "default" in line for line in lines)
    assert "default N=2 vs all 4 experts: x" in out
    assert "PR #18029" in out and "+21-48 %" in out
    assert "never answer quality" in out
    assert "building a random-weight tiny-test-shaped model" in out
    # doctor: one line from the newest result, in text and JSON
    result = read_speed(speed_path(paths.data_dir, "tiny-test"))
    code, doctor_out, _ = _run(capsys, "doctor")
    assert f"sizing     {summary_line(result)} (random weights: speed only)" in doctor_out


def test_the_model_is_built_once_and_rebuilt_when_its_hash_changes(tmp_path: Path) -> None:
    said: list[str] = []
    model = cached_model(tmp_path, "tiny-test", say=said.append)
    assert model.is_file() and said == [
        f"building a random-weight tiny-test-shaped model in {model} (once)"]
    said.clear()
    assert cached_model(tmp_path, "tiny-test", say=said.append) == model
    assert said == [f"checking the cached model {model}"]
    with model.open("r+b") as f:  # one flipped byte: the hash no longer matches
        f.seek(-1, 2)
        last = f.read(1)
        f.seek(-1, 2)
        f.write(bytes([last[0] ^ 0xFF]))
    said.clear()
    cached_model(tmp_path, "tiny-test", say=said.append)
    assert said[-1].startswith("building a random-weight tiny-test-shaped model")
    said.clear()
    cached_model(tmp_path, "tiny-test", say=said.append)
    assert said == [f"checking the cached model {model}"]


def test_json_prints_the_file_and_n_above_the_safe_limit_is_skipped(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = _run(capsys, "pilot", "speed", "--like", "tiny-test", "--experts", "2",
                          "--tokens", "2", "--threads", "1", "--json")
    assert code == 0
    assert "measuring tiny-test shape" in err
    path = speed_path(Paths.default().data_dir, "tiny-test")
    assert json.loads(out) == json.loads(path.read_text(encoding="utf-8"))
    # The safe-N probe recorded that every N runs; pretend this build aborts at N=4 (as
    # llama.cpp 0.3.36 does above N=12 on the Granite shape): N=4 is skipped, not crashed
    # into, and the default N is compared with the most experts that ran.
    safe_file = Paths.default().safe_experts_file
    store = SafeExpertsStore(safe_file)
    (key,) = json.loads(safe_file.read_text(encoding="utf-8"))
    store.record_crash(key, 4, "killed by SIGABRT: GGML_ASSERT(obj_new) failed")
    code, out, _ = _run(capsys, "pilot", "speed", "--like", "tiny-test", "--tokens", "2",
                        "--threads", "1", "--rounds", "1")
    assert code == 0
    assert "N=4   not measured: llama.cpp crashes above N=3" in out
    assert "default N=2 vs N=3, the most experts measured (all 4 not measured): x" in out
    assert [r["n"] for r in json.loads(path.read_text(encoding="utf-8"))["rows"]] == [1, 2, 3]


def test_unknown_shape_is_one_line_listing_the_known_ones(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = _run(capsys, "pilot", "speed", "--like", "granite-7b")
    assert code == 2 and out == ""
    assert err.strip().count("\n") == 0
    assert "No model shape called 'granite-7b'" in err
    assert "granite-3.1-1b-a400m" in err and "tiny-test" in err
    assert not (Paths.default().cache_dir / "pilot-speed").exists()
    code, _, err = _run(capsys, "pilot", "speed", "--like", "tiny-test", "--experts", "9")
    assert code == 2
    assert err.strip().count("\n") == 0 and "use 1..4" in err
    assert not (Paths.default().cache_dir / "pilot-speed").exists()


def test_default_steps_cover_one_the_default_and_all() -> None:
    assert default_experts(32, 8) == [1, 2, 4, 8, 16, 32]
    assert default_experts(40, 8) == [1, 2, 4, 8, 16, 32, 40]
    assert default_experts(4, 2) == [1, 2, 4]
    assert default_experts(32, 8, 12) == [1, 2, 4, 8, 12, 16, 32]  # the largest N that runs


def test_speed_file_round_trip_newest_and_malformed(tmp_path: Path) -> None:
    old = SpeedResult("a", 2, (SpeedRow(8, 14.0, 700.0), SpeedRow(32, 8.75, 820.0)), 8, 32,
                      "cpu", 2)
    new = SpeedResult("b", 2, (SpeedRow(8, 10.0, 700.0),), 8, 32, "cpu", 2)
    assert read_speed(write_speed(old, tmp_path)) == old
    assert summary_line(old) == ("a-shaped speed here: 14.0 tok/s at N=8 (×1.60 vs all 32), "
                                 "2 threads")
    assert "×" not in summary_line(new)  # all experts not measured: no speed-up claimed
    write_speed(new, tmp_path)
    assert newest_speed(tmp_path) == new
    speed_path(tmp_path, "b").write_text('{"format": "genba-pilot-speed", "version": 1}')
    assert newest_speed(tmp_path) == old  # the broken newer file is skipped
    speed_path(tmp_path, "a").write_text("not json")
    with pytest.raises(ValueError, match="not JSON"):
        read_speed(speed_path(tmp_path, "a"))
    assert newest_speed(tmp_path) is None
