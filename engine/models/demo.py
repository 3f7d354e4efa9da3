"""Whether a model is genba's built-in demonstration model, whose answers are often wrong.

The window tells the operator so while such a model answers (issue 13, item 1).
``genba models build-default`` writes ``genba.demo = true`` into the GGUF it builds;
builds made before that key existed are recognised by ``genba.build.recipe``,
which only that build writes. A publisher who derives a real site model from the
default build sets ``genba.demo = false`` to say it is no longer a demonstration.
"""

from __future__ import annotations

from engine.models.info import ModelInfo

DEMO_KEY = "genba.demo"
"""GGUF key (bool): the model is a demonstration, not a site's model."""

RECIPE_KEY = "genba.build.recipe"
"""GGUF key (JSON text) written only by ``genba models build-default``."""


def is_demo_model(info: ModelInfo) -> bool:
    """True when ``info`` is the built-in demonstration model."""
    declared = info.metadata.get(DEMO_KEY)
    if isinstance(declared, bool):
        return declared
    return info.metadata.get(RECIPE_KEY) is not None
