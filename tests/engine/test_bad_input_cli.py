"""Bad input at the command line and the model-access policy: one line, the right exit code.

Table-driven: each case is what an unlucky or hostile user typed, and what genba must
answer (exit code 2 for bad input, a one-line message that says what to do, never a
traceback). The policy cases put a real policy file into the policy folder.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.cli import main
from engine.paths import Paths
from engine.settings import save_user_setting


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _one_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


ASK_CASES = [
    ("empty question", ["ask", ""], "The question is empty"),
    ("blank question", ["ask", "  \n\t "], "The question is empty"),
    ("temperature nan", ["ask", "--temperature", "nan", "hi"], "must be between 0"),
    ("temperature negative", ["ask", "--temperature", "-1", "hi"], "must be between 0"),
    ("temperature inf", ["ask", "--temperature", "inf", "hi"], "must be between 0"),
    ("experts zero", ["ask", "--experts", "0", "hi"], "must be at least 1"),
]


@pytest.mark.parametrize(("case", "argv", "expected"), ASK_CASES, ids=[c[0] for c in ASK_CASES])
def test_bad_questions_are_refused_in_one_line(
    capsys: pytest.CaptureFixture[str], tiny_moe_path: Path, case: str, argv: list[str],
    expected: str,
) -> None:
    with pytest.raises(SystemExit) if expected.startswith("must") else NoExit() as caught:
        code, _, err = _run(capsys, *argv[:1], "--model", str(tiny_moe_path), *argv[1:])
    if caught is not None and isinstance(caught.value, SystemExit):  # argparse's own exit
        code = int(caught.value.code or 0)
        err = capsys.readouterr().err
    assert code == 2
    assert expected in _one_line(err)


class NoExit:
    """A context manager that catches nothing (pytest.raises' counterpart for the table)."""

    value: object = None

    def __enter__(self) -> NoExit:
        return self

    def __exit__(self, *exc: object) -> bool:
        return False


def test_invalid_utf8_on_the_command_line_is_bad_input(tiny_moe_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "engine.cli", "ask", "--json", "--model", str(tiny_moe_path),
         b"torque \xff\xfe spec"],
        capture_output=True, timeout=120, check=False, env=os.environ.copy(),
    )
    assert done.returncode == 2
    err = done.stderr.decode()
    assert "not valid UTF-8" in _one_line(err)
    assert json.loads(done.stdout) == {
        "error": "bad-input", "message": err.strip().removeprefix("genba: "),
    }


def test_chat_survives_a_bad_line_and_answers_the_next(tiny_moe_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "engine.cli", "chat", "--max-tokens", "3", "--model",
         str(tiny_moe_path)],
        input=b"bad \xff line\n   \nhello\n/quit\n", capture_output=True, timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    err = done.stderr.decode()
    assert "not valid UTF-8" in err and "Traceback" not in err
    assert "[local" in err  # the third line was answered


@pytest.mark.parametrize("argv", [
    ["ask", "--json", "--model", "/no/such/model.gguf", "hi"],
    ["inspect", "--json", "/no/such/model.gguf"],
])
def test_json_errors_are_one_json_object_on_stdout(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    code, out, err = _run(capsys, *argv)
    assert code == 2
    report = json.loads(out)
    assert report["error"] == "bad-input"
    assert report["message"] == _one_line(err).removeprefix("genba: ")


# ------------------------------------------------------------ model.allow_user_models
def _lock_models(paths: Paths, model: Path | None = None, extra: str = "") -> None:
    lines = ["[model]", "allow_user_models = false"]
    if model is not None:
        lines.append(f"path = {str(model)!r}")
    (paths.policy_dir / "policy.toml").write_text("\n".join(lines) + "\n" + extra)


def test_own_model_file_is_refused_when_policy_allows_only_it_s(
    capsys: pytest.CaptureFixture[str], cli_paths: Paths, tiny_moe_path: Path,
    tmp_path: Path,
) -> None:
    other = tmp_path / "own.gguf"
    other.write_bytes(tiny_moe_path.read_bytes())
    _lock_models(cli_paths, tiny_moe_path)
    code, _, err = _run(capsys, "ask", "--model", str(other), "hi")
    assert code == 2
    assert "turned off on this PC by policy (model.allow_user_models = false" in _one_line(err)
    # The model policy names is still fine, also when named explicitly.
    code, _, err = _run(capsys, "ask", "--max-tokens", "2", "--model", str(tiny_moe_path), "hi")
    assert code == 0, err


@pytest.mark.parametrize("command", ["import", "pull"])
def test_adding_models_is_refused_when_policy_allows_only_it_s(
    capsys: pytest.CaptureFixture[str], cli_paths: Paths, tiny_moe_path: Path, command: str
) -> None:
    _lock_models(cli_paths, tiny_moe_path)
    argv = ["models", "import", str(tiny_moe_path)] if command == "import" else [
        "models", "pull", "granite-3.1-1b-a400m"]
    code, _, err = _run(capsys, *argv)
    assert code == 2
    assert "turned off on this PC by policy" in _one_line(err)
    assert not list(cli_paths.models_dir.glob("*.gguf"))


def test_a_user_s_model_path_is_ignored_when_policy_allows_only_it_s(
    capsys: pytest.CaptureFixture[str], cli_paths: Paths, tiny_moe_path: Path,
) -> None:
    save_user_setting(cli_paths, "model.path", str(tiny_moe_path))
    code, _, _ = _run(capsys, "ask", "--max-tokens", "2", "hi")
    assert code == 0  # allowed: the user's model answers
    _lock_models(cli_paths)
    code, _, err = _run(capsys, "ask", "--max-tokens", "2", "hi")
    assert code == 2
    assert "No model is installed yet" in _one_line(err)


def test_a_broken_policy_file_fails_closed_for_own_models(
    capsys: pytest.CaptureFixture[str], cli_paths: Paths, tiny_moe_path: Path,
) -> None:
    (cli_paths.policy_dir / "policy.toml").write_text("[model\nbroken = \n")
    code, _, err = _run(capsys, "models", "import", str(tiny_moe_path))
    assert code == 2
    assert "a policy file has an error, so it is off for safety" in _one_line(err)
    code, out, _ = _run(capsys, "doctor", "--json", "--model", str(tiny_moe_path))
    report = json.loads(out)
    assert code == 1
    assert report["policy_state"]["fail_closed"] is True
    assert report["policy_state"]["allow_user_models"] is False
    assert report["policy_state"]["errors"]
    code, out, _ = _run(capsys, "doctor")
    assert "fail-closed" in out and "ERROR" in out
    assert "only the model IT set or installed" in out
