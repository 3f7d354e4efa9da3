"""A model's useful range of N: read from the GGUF (or the default rule), written by set-range.

Real files: the tiny MoE fixture (Q8_0 experts, so a quantized model) copied and
rewritten through the gguf library, inspected, run by llama.cpp and shown by doctor.
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path
from typing import Any

import gguf
import numpy as np
import pytest

from engine.cli import main
from engine.models.info import inspect_model
from engine.models.useful import (
    USEFUL_DEFAULT_KEY,
    USEFUL_MIN_KEY,
    rewrite_metadata,
    rule_floor,
)
from engine.paths import Paths
from engine.settings import save_user_setting

U32 = gguf.GGUFValueType.UINT32


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def tiny_copy(tiny_moe_path: Path, tmp_path: Path) -> Path:
    return Path(shutil.copy(tiny_moe_path, tmp_path / "tiny.gguf"))


@pytest.mark.parametrize(
    ("experts", "trained_k", "floor"),
    [(16, 11, 6), (8, 2, 2), (64, 8, 4), (128, 8, 4), (8, 1, 1), (4, 4, 2), (2, 2, 2), (60, 4, 2)],
)
def test_the_default_rule(experts: int, trained_k: int, floor: int) -> None:
    assert rule_floor(experts, trained_k) == floor


def test_a_file_without_the_key_gets_the_rule(tiny_moe_path: Path) -> None:
    useful = inspect_model(tiny_moe_path).useful_range
    assert (useful.floor, useful.source, useful.recommended) == (2, "rule", None)


def test_set_range_writes_the_keys_into_a_quantized_model(
    capsys: pytest.CaptureFixture[str], tiny_copy: Path, tiny_moe_path: Path
) -> None:
    before = inspect_model(tiny_copy)
    assert {t.type_name for t in before.expert_tensors} == {"Q8_0"}
    code, out, err = _run(
        capsys, "models", "set-range", str(tiny_copy), "--useful-min", "3", "--useful-default", "4"
    )
    assert code == 0, err
    assert out.strip() == f"{tiny_copy}: useful minimum N=3, recommended N=4"
    info = inspect_model(tiny_copy)
    useful = info.useful_range
    assert (useful.floor, useful.source, useful.recommended) == (3, "file", 4)
    assert info.as_dict()["useful_min"] == 3
    # Nothing else changed: every tensor keeps its (quantized) bytes.
    old, new = gguf.GGUFReader(tiny_moe_path), gguf.GGUFReader(tiny_copy)
    assert [t.name for t in old.tensors] == [t.name for t in new.tensors]
    for a, b in zip(old.tensors, new.tensors, strict=True):
        assert a.tensor_type == b.tensor_type and np.array_equal(a.data, b.data)
    # Set again without a default: the stale default goes.
    assert _run(capsys, "models", "set-range", str(tiny_copy), "--useful-min", "2")[0] == 0
    assert inspect_model(tiny_copy).useful_range.recommended is None


def test_fast_mode_runs_at_the_file_s_floor(
    capsys: pytest.CaptureFixture[str], tiny_copy: Path
) -> None:
    """End to end: llama.cpp answers at Fast with N = the floor the file declares."""
    rewrite_metadata(tiny_copy, tiny_copy, {USEFUL_MIN_KEY: (5, U32)})
    save_user_setting(Paths.default(), "experts.mode", "fast")
    code, out, err = _run(
        capsys, "ask", "--model", str(tiny_copy), "--max-tokens", "2", "--json", "hi"
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["experts"] == 5
    assert "N=5 by fast mode (useful minimum N=5, set by the model file)" in data["reason"]


@pytest.mark.parametrize(
    ("entries", "expect", "warning"),
    [
        ({USEFUL_MIN_KEY: (0, U32)}, (2, None), "must be a whole number in 1..8"),
        ({USEFUL_MIN_KEY: (9, U32)}, (2, None), "must be a whole number in 1..8"),
        ({USEFUL_MIN_KEY: ("four", gguf.GGUFValueType.STRING)}, (2, None), "'four'"),
        ({USEFUL_MIN_KEY: (1.5, gguf.GGUFValueType.FLOAT32)}, (2, None), "1.5"),
        ({USEFUL_MIN_KEY: (-3, gguf.GGUFValueType.INT32)}, (2, None), "-3"),
        ({USEFUL_MIN_KEY: (4, U32), USEFUL_DEFAULT_KEY: (3, U32)}, (4, None), "4..8"),
        ({USEFUL_MIN_KEY: (4, U32), USEFUL_DEFAULT_KEY: (6, U32)}, (4, 6), None),
    ],
)
def test_bad_values_are_ignored_with_a_warning(
    tiny_copy: Path,
    caplog: pytest.LogCaptureFixture,
    entries: dict[str, tuple[Any, gguf.GGUFValueType]],
    expect: tuple[int, int | None],
    warning: str | None,
) -> None:
    rewrite_metadata(tiny_copy, tiny_copy, entries)
    with caplog.at_level(logging.WARNING, logger="engine.models.useful"):
        useful = inspect_model(tiny_copy).useful_range  # never raises
    assert (useful.floor, useful.recommended) == expect
    assert useful.source == ("rule" if expect[0] == 2 else "file")
    warned = [r.getMessage() for r in caplog.records if r.name == "engine.models.useful"]
    if warning is None:
        assert not warned
    else:
        assert len(warned) == 1 and warning in warned[0]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--useful-min", "9"], "--useful-min must be between 1 and 8"),
        (["--useful-min", "4", "--useful-default", "3"], "--useful-default must be between 4"),
    ],
)
def test_set_range_refuses_bad_values_in_one_line(
    capsys: pytest.CaptureFixture[str], tiny_copy: Path, extra: list[str], message: str
) -> None:
    before = tiny_copy.read_bytes()
    code, _, err = _run(capsys, "models", "set-range", str(tiny_copy), *extra)
    assert code == 2
    assert err.count("\n") == 1 and message in err
    assert tiny_copy.read_bytes() == before


def test_set_range_refuses_a_fraction_or_zero_before_reading_the_file(
    capsys: pytest.CaptureFixture[str], tiny_copy: Path
) -> None:
    for bad, message in (("0", "must be at least 1"), ("2.5", "'2.5' is not a whole number")):
        with pytest.raises(SystemExit) as exit_info:
            main(["models", "set-range", str(tiny_copy), "--useful-min", bad])
        assert exit_info.value.code == 2
        assert message in capsys.readouterr().err


def test_set_range_refuses_a_file_in_the_store(
    capsys: pytest.CaptureFixture[str], tiny_moe_path: Path, tmp_path: Path
) -> None:
    stored = Paths.default().models_dir / "tiny.gguf"
    stored.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(tiny_moe_path, stored)
    code, _, err = _run(capsys, "models", "set-range", str(stored), "--useful-min", "3")
    assert code == 2 and "in genba's model store" in err and "--out" in err
    copy = tmp_path / "published.gguf"
    code, _, err = _run(
        capsys, "models", "set-range", str(stored), "--useful-min", "3", "--out", str(copy)
    )
    assert code == 0, err
    assert inspect_model(copy).useful_range.floor == 3
    assert inspect_model(stored).useful_range.source == "rule"  # the stored file is untouched


def test_doctor_shows_the_floor_and_where_it_came_from(
    capsys: pytest.CaptureFixture[str], tiny_copy: Path
) -> None:
    code, out, _ = _run(capsys, "doctor", "--model", str(tiny_copy))
    assert code == 0
    assert ("floor      N=2, the model's useful minimum N=2 by the default rule "
            "max(2, ceil(k/2)) for a top-2 model") in out
    assert "experts.allow_below_useful is off" in out
    rewrite_metadata(tiny_copy, tiny_copy, {USEFUL_MIN_KEY: (3, U32)})
    save_user_setting(Paths.default(), "experts.allow_below_useful", True)
    code, out, _ = _run(capsys, "doctor", "--json", "--model", str(tiny_copy))
    report = json.loads(out)
    assert (report["model"]["useful_min"], report["model"]["useful_min_source"]) == (3, "file")
    assert (report["policy"]["experts_floor"], report["policy"]["floor_source"]) == (3, "file")
    assert report["typical_query"]["experts"] == 3  # balanced: top-2 default raised to the floor
    assert "(useful minimum N=3, set by the model file)" in report["typical_query"]["reason"]
    code, out, _ = _run(capsys, "doctor", "--model", str(tiny_copy))
    assert "floor      N=3, the model's useful minimum N=3 set by the model file" in out
    assert "may go down to experts.min N=1" in out
