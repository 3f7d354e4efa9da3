"""The terminal chat says when the built-in demonstration model answers (as the window does)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from engine.tools.tiny_moe import TinyMoESpec, build_tiny_moe

DEMO_LINE = "This is a demonstration model: its answers are often wrong."


def _chat_banner(model: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "engine.cli", "chat", "--model", str(model)],
        input=b"/quit\n", capture_output=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    return done.stderr.decode()


def test_chat_warns_about_the_demonstration_model(tmp_path: Path) -> None:
    demo = build_tiny_moe(tmp_path / "demo.gguf", TinyMoESpec(demo=True))
    assert DEMO_LINE in _chat_banner(demo)


@pytest.mark.parametrize("declared", [None, False])
def test_chat_says_nothing_of_the_kind_for_other_models(
    tmp_path: Path, declared: bool | None
) -> None:
    model = build_tiny_moe(tmp_path / "site.gguf", TinyMoESpec(demo=declared))
    assert DEMO_LINE not in _chat_banner(model)
