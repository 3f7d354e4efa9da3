"""The ``genba`` command line contract: JSON keys, streaming, exit code 2 for bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import gguf
import numpy as np
import pytest

from engine.cli import main


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse errors
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_inspect_json(capsys: pytest.CaptureFixture[str], tiny_moe_path: Path) -> None:
    code, out, _ = _run(capsys, "inspect", str(tiny_moe_path), "--json")
    assert code == 0
    data = json.loads(out)
    assert data["architecture"] == "llama"
    assert data["expert_count"] == 8
    assert data["expert_used_count"] == 2
    assert data["moe_layers"] == 4
    assert data["file_bytes"] == tiny_moe_path.stat().st_size
    assert set(data["bytes_per_token"]) == {str(n) for n in range(1, 9)}


def test_inspect_text(capsys: pytest.CaptureFixture[str], tiny_moe_path: Path) -> None:
    code, out, _ = _run(capsys, "inspect", str(tiny_moe_path))
    assert code == 0
    assert "8, 2 active by default" in out and "N=8" in out


def test_ask_json_prints_one_object(
    capsys: pytest.CaptureFixture[str], tiny_moe_path: Path
) -> None:
    code, out, _ = _run(
        capsys,
        "ask",
        "--model",
        str(tiny_moe_path),
        "--experts",
        "3",
        "--max-tokens",
        "5",
        "--temperature",
        "0",
        "--json",
        "What is a torque wrench?",
    )
    assert code == 0
    data = json.loads(out)  # the whole of stdout is exactly one JSON document
    assert data["route"] == "local"
    assert data["experts"] == 3
    assert "N=3" in data["reason"]
    assert 1 <= data["tokens"] <= 5
    assert data["ttft_s"] > 0
    assert isinstance(data["text"], str)
    assert "routing" not in data


def test_ask_trace_reports_routing(capsys: pytest.CaptureFixture[str], tiny_moe_path: Path) -> None:
    code, out, _ = _run(
        capsys,
        "ask",
        "--model",
        str(tiny_moe_path),
        "--experts",
        "2",
        "--max-tokens",
        "3",
        "--trace",
        "--json",
        "hi",
    )
    assert code == 0
    routing = json.loads(out)["routing"]
    assert len(routing) == 4
    assert all(len(ids) == 2 for layer in routing for ids in layer)


def test_ask_streams_text_to_stdout(
    capsys: pytest.CaptureFixture[str], tiny_moe_path: Path
) -> None:
    code, out, err = _run(
        capsys,
        "ask",
        "--model",
        str(tiny_moe_path),
        "--max-tokens",
        "4",
        "--temperature",
        "0",
        "hi",
    )
    assert code == 0
    assert out.endswith("\n") and len(out) > 1
    assert "local" in err and "N=2" in err


def _dense(path: Path) -> Path:
    writer = gguf.GGUFWriter(str(path), arch="llama")
    writer.add_block_count(1)
    writer.add_tensor("token_embd.weight", np.zeros((4, 8), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["ask", "--model", "{missing}", "hi"], "does not exist"),
        (["ask", "--model", "{tiny}", "--experts", "9", "hi"], "between 1 and 8"),
        (["ask", "--model", "{dense}", "hi"], "no experts"),
        (["inspect", "{text}"], "not a GGUF"),
        (["ask", "--model", "{tiny}", "--experts", "0", "hi"], "at least 1"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    capsys: pytest.CaptureFixture[str],
    tiny_moe_path: Path,
    tmp_path: Path,
    argv: list[str],
    message: str,
) -> None:
    text = tmp_path / "readme.gguf"
    text.write_text("hello")
    values = {
        "missing": str(tmp_path / "missing.gguf"),
        "tiny": str(tiny_moe_path),
        "dense": str(_dense(tmp_path / "dense.gguf")),
        "text": str(text),
    }
    code, _, err = _run(capsys, *[a.format(**values) for a in argv])
    assert code == 2
    assert message in err
    assert "Traceback" not in err
    assert err.strip().count("\n") == 0


def test_console_script_runs(tiny_moe_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "engine.cli", "inspect", str(tiny_moe_path), "--json"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["expert_count"] == 8
