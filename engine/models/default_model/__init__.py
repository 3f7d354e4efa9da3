"""genba's built-in default model: SmolLM2-135M-Instruct converted to a sparse MoE.

See :mod:`engine.models.default_model.build` for the recipe and ``docs/default-model.md``
for what the result can and cannot do. The public entry point is
:func:`ensure_default_model`.
"""

from __future__ import annotations

from engine.models.default_model.build import DEFAULT_RECIPE, BuildRecipe, ensure_default_model

__all__ = ["DEFAULT_RECIPE", "BuildRecipe", "ensure_default_model"]
