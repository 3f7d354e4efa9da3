"""`genba policy check|schema|docs`: output, JSON shape and exit codes IT scripts rely on."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from engine.cli import main
from engine.paths import Paths
from engine.settings import SCHEMA, SECURITY_KEYS
from engine.settings.docs import render_reference
from engine.settings.json_schema import policy_json_schema

from .helpers import write_policy, write_user

SAMPLE = Path(__file__).resolve().parents[3] / "assets" / "policy.sample.toml"


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(argv)
    return code, capsys.readouterr().out


def test_check_sample_passes_and_prints_every_setting(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _run(["policy", "check", str(SAMPLE)], capsys)
    assert code == 0
    assert "0 error(s), 0 warning(s)" in out
    assert 'language = "ja"' in out and f"# locked, policy:{SAMPLE}" in out
    # The settings block is itself valid TOML naming every key.
    block = out.split("(value  # source):\n", 1)[1].split("\n\n0 error(s)", 1)[0]
    parsed = tomllib.loads(block)
    assert {f"{s}.{n}" for s, body in parsed.items() for n in body} == set(SCHEMA)


def test_check_json_reports_errors_with_exit_code_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[ui]\nfont_scale = 300\nlanguag = "ja"\n', encoding="utf-8")
    code, out = _run(["policy", "check", str(bad), "--json"], capsys)
    assert code == 1
    report = json.loads(out)
    assert report["ok"] is False and report["fail_closed"] is True
    assert report["policy_files"] == [{"path": str(bad), "exists": True}]
    assert [row["key"] for row in report["settings"]] == list(SCHEMA)
    by_key = {row["key"]: row for row in report["settings"]}
    for key in SECURITY_KEYS:
        assert by_key[key]["locked"] is True and by_key[key]["source"] == f"policy:{bad}"
    problems = {(p["key"], p["severity"]) for p in report["problems"]}
    assert ("ui.font_scale", "error") in problems and ("ui.languag", "warning") in problems


def test_check_warnings_only_exit_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    warn = tmp_path / "warn.toml"
    warn.write_text("[ui]\nfont_scal = 130\n", encoding="utf-8")
    code, out = _run(["policy", "check", str(warn)], capsys)
    assert code == 0 and "0 error(s), 1 warning(s)" in out and 'did you mean "ui.font_scale"' in out


def test_check_missing_file_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _run(["policy", "check", str(tmp_path / "nope.toml")], capsys)
    assert code == 1 and "does not exist" in out and "(not present)" in out


def test_check_system_location_and_user_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = Paths.under(tmp_path / "sys")
    monkeypatch.setattr(Paths, "default", classmethod(lambda cls, environ=None: paths))
    dropin = write_policy(paths, "[ui]\nhigh_contrast = true\n", name="10-a.toml")
    write_user(paths, '[ui]\nlanguage = "en"\n')
    code, out = _run(["policy", "check", "--json"], capsys)
    report = json.loads(out)
    assert code == 0
    assert [f["path"] for f in report["policy_files"]] == [str(paths.policy_file), str(dropin)]
    by_key = {row["key"]: row for row in report["settings"]}
    assert by_key["ui.high_contrast"]["source"] == f"policy:{dropin}"
    assert by_key["ui.language"] == {"key": "ui.language", "value": "en", "source": "user",
                                     "locked": False}  # fmt: skip
    code, out = _run(["policy", "check", "--json", "--no-user"], capsys)
    assert {r["key"]: r for r in json.loads(out)["settings"]}["ui.language"]["source"] == "default"


def test_schema_and_docs_commands(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _run(["policy", "schema"], capsys)
    assert code == 0 and json.loads(out) == policy_json_schema()
    code, out = _run(["policy", "docs"], capsys)
    assert code == 0 and out == render_reference()


def test_real_process_exit_code(tmp_path: Path) -> None:
    bad = tmp_path / "broken.toml"
    bad.write_text("[fallback\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "engine.cli", "policy", "check", str(bad)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert "not valid TOML" in done.stdout
