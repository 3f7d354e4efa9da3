"""Read-only data files genba ships (calibration and evaluation text, the model catalogue).

In a source checkout they live in the top-level ``assets/`` folder; a wheel or a
frozen build carries copies in ``engine/_assets/`` (see ``pyproject.toml``'s
force-include). This module is the one place that knows both locations.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from engine.errors import ModelStoreError


def asset_text(name: str) -> str:
    """Text of the shipped asset ``name``: packaged copy first, then the checkout's ``assets/``."""
    packaged = resources.files("engine").joinpath("_assets", name)
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    repo = Path(__file__).resolve().parents[1] / "assets" / name
    try:
        return repo.read_text(encoding="utf-8")
    except OSError as exc:
        raise ModelStoreError(
            f"The file {name} is missing from this genba installation. Reinstall genba."
        ) from exc
