"""``genba doctor``: the machine, the model's needs at each N, and a typical query's route."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.cli import main
from engine.paths import Paths
from engine.settings import save_user_setting


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_doctor_json_reports_machine_model_and_decision(
    capsys: pytest.CaptureFixture[str], tiny_moe_path: Path
) -> None:
    code, out, _ = _run(capsys, "doctor", "--json", "--model", str(tiny_moe_path))
    assert code == 0
    report = json.loads(out)
    assert report["ok"] is True
    machine = report["machine"]
    assert 0 < machine["available_bytes"] <= machine["total_bytes"]
    assert machine["cpu_count"] >= 1
    model = report["model"]
    assert model["expert_count"] == 8
    rows = model["by_experts"]
    assert [r["experts"] for r in rows] == list(range(1, 9))
    per_token = [r["bytes_per_token"] for r in rows]
    assert per_token == sorted(per_token) and per_token[0] < per_token[-1]
    assert all(r["memory_bytes"] > model["file_bytes"] for r in rows)
    assert model["kv_bytes_per_token"] == 512
    query = report["typical_query"]
    assert query["route"] == "local"
    assert query["experts"] == 2
    assert query["reason"] == "N=2 by balanced mode; resources fine → local"
    assert report["remote"]["available"] is False
    assert report["remote"]["unavailable_why"] == "remote fallback is off"
    assert "usable" in report["keyring"]


def test_doctor_shows_a_query_going_remote_under_a_large_reserve(
    capsys: pytest.CaptureFixture[str], tiny_moe_path: Path
) -> None:
    paths = Paths.default()  # the test's isolated GENBA_HOME
    save_user_setting(paths, "fallback.enabled", True)
    save_user_setting(paths, "fallback.url", "https://llm.example.com/v1")
    save_user_setting(paths, "resources.reserve_ram_mb", 1_048_576)
    code, out, _ = _run(capsys, "doctor", "--json", "--model", str(tiny_moe_path))
    assert code == 0
    report = json.loads(out)
    assert report["remote"]["available"] is True
    query = report["typical_query"]
    assert query["route"] == "remote"
    assert query["reason"].startswith("low memory:")
    assert "reserved → remote" in query["reason"]


def test_doctor_offline_and_long_prompt(
    capsys: pytest.CaptureFixture[str], tiny_moe_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GENBA_OFFLINE", "1")
    save_user_setting(Paths.default(), "fallback.enabled", True)
    save_user_setting(Paths.default(), "fallback.url", "https://llm.example.com/v1")
    code, out, _ = _run(capsys, "doctor", "--json", "--model", str(tiny_moe_path),
                        "--prompt-tokens", "5000")
    assert code == 0
    report = json.loads(out)
    assert report["remote"]["offline"] is True
    assert report["typical_query"]["route"] == "refuse"
    assert "GENBA_OFFLINE" in report["typical_query"]["reason"]


def test_doctor_text_has_every_section(
    capsys: pytest.CaptureFixture[str], tiny_moe_path: Path
) -> None:
    code, out, _ = _run(capsys, "doctor", "--model", str(tiny_moe_path), "--measure")
    assert code == 0
    for heading in ("Machine", "Model", "Remote", "A typical query now"):
        assert f"\n{heading}" in f"\n{out}"
    assert "tokens/s at N=2" in out  # --measure timed real decoding
    assert "→ local, N=" in out


def test_doctor_without_a_model_says_so_and_exits_1(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = _run(capsys, "doctor", "--json")
    assert code == 1
    report = json.loads(out)
    assert report["ok"] is False
    assert "No model is installed" in report["model_error"]
    assert "typical_query" not in report
    assert report["machine"]["available_bytes"] > 0


def test_doctor_runs_llama_cpp_s_self_test_in_the_worker(
    capsys: pytest.CaptureFixture[str], tiny_moe_path: Path
) -> None:
    code, out, _ = _run(capsys, "doctor", "--json", "--model", str(tiny_moe_path))
    assert code == 0
    llama = json.loads(out)["llama_cpp"]
    assert llama["selftest_ok"] is True and llama["selftest_tokens"] > 0
    assert llama["backend"] not in ("", "unknown", "built-in")
    assert isinstance(llama["cpu_features"], list) and llama["cpu"]
    code, out, _ = _run(capsys, "doctor", "--model", str(tiny_moe_path))
    assert code == 0
    assert "self-test  passed" in out and f"backend    {llama['backend']}" in out


def test_doctor_says_when_llama_cpp_cannot_run_here(
    capsys: pytest.CaptureFixture[str], tiny_moe_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GENBA_LLAMA_CPU", "no-such-cpu")
    code, out, err = _run(capsys, "doctor", "--model", str(tiny_moe_path))
    assert code == 1
    assert "self-test  FAILED: GENBA_LLAMA_CPU names the CPU backend 'no-such-cpu'" in out
    assert "Traceback" not in out + err


def test_doctor_measure_probes_and_shows_the_safe_n(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from engine.tools.tiny_moe import TinyMoESpec, build_tiny_moe

    spec = TinyMoESpec(n_layer=24, n_embd=64, n_ff=32, n_expert=32, n_expert_used=8)
    model = build_tiny_moe(tmp_path / "granite-shaped.gguf", spec)
    code, out, _ = _run(capsys, "doctor", "--json", "--measure", "--model", str(model))
    report = json.loads(out)
    assert code == 0, report
    assert report["llama_cpp"]["safe_max"] == 12
    assert report["llama_cpp"]["lowest_crash"] == 13
    assert report["policy"]["experts_max"] == 12
    code, out, _ = _run(capsys, "doctor", "--model", str(model))
    assert "safe N     up to 12; crashed at N=13" in out


def test_doctor_shows_the_site_documents_and_the_index_s_counts(
    capsys: pytest.CaptureFixture[str], tiny_moe_path: Path, tmp_path: Path
) -> None:
    from engine.docs.index import DocIndex
    from engine.docs.model import DocSource

    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "torque.md").write_text("# Torque\n\nM8: 25 N·m\n", encoding="utf-8")
    (folder / "empty.txt").write_bytes(b"")
    code, out, _ = _run(capsys, "doctor", "--json", "--model", str(tiny_moe_path))
    docs = json.loads(out)["documents"]
    assert code == 0 and docs["answers"] == "use" and docs["indexed"] is None
    DocIndex(Paths.default().docs_index_db).update(
        [DocSource("policy", folder, str(folder))], max_bytes=1 << 20
    )
    code, out, _ = _run(capsys, "doctor", "--model", str(tiny_moe_path))
    assert "Site documents" in out
    assert "1 indexed, 1 skipped (genba docs status)" in out
