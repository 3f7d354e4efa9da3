"""Fixtures for updater tests: base/new tiny models, a publisher repository, a loopback server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.tools.tiny_moe import TinyMoESpec, build_tiny_moe
from tests.updater.testkit import CHANGED, derive_model


@pytest.fixture(scope="session")
def models(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    """``base`` (tiny model), ``new`` (3 experts + general.name changed), ``newer`` (one more)."""
    root = tmp_path_factory.mktemp("models")
    base = build_tiny_moe(root / "base.gguf")
    donor = build_tiny_moe(root / "donor.gguf", TinyMoESpec(seed=7))
    new = derive_model(base, donor, root / "new.gguf", CHANGED)
    newer = derive_model(
        new, base, root / "newer.gguf", [("blk.0.ffn_gate_exps.weight", 5)], new_name=None
    )
    yield {"base": base, "donor": donor, "new": new, "newer": newer}
