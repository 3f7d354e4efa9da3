"""Recognising the built-in demonstration model from its GGUF (issue 13, item 1)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from engine.models.demo import is_demo_model
from engine.models.info import inspect_model
from engine.tools.tiny_moe import TinyMoESpec, build_tiny_moe


@pytest.mark.parametrize(("demo", "expected"), [(True, True), (False, False), (None, False)])
def test_the_demo_key_decides(tmp_path: Path, demo: bool | None, expected: bool) -> None:
    info = inspect_model(build_tiny_moe(tmp_path / "m.gguf", TinyMoESpec(demo=demo)))
    assert is_demo_model(info) is expected


def test_a_default_build_from_before_the_key_is_recognised_by_its_recipe(
    tiny_moe_path: Path,
) -> None:
    info = inspect_model(tiny_moe_path)
    older_build = dataclasses.replace(
        info, metadata={**info.metadata, "genba.build.recipe": '{"n_expert": 16}'}
    )
    assert not is_demo_model(info)
    assert is_demo_model(older_build)
