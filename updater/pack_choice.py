"""Which experts a site pack keeps: REAP-style scores and a coverage rule (pure functions).

**Score.** Per MoE layer and expert, the *router-weight mass*: the sum, over the
site's routed token rows, of the router's probability for that expert (the
``weight`` lists of an expert-statistics file, ``disk/expert_stats.py``). This is
the saliency REAP ("Router-weighted Expert Activation Pruning") ranks by, without
the activation-norm factor, which the statistics do not carry. The number of rows
routed to the expert (``count``) breaks ties, then the lower expert id. A layer whose
weights are all zero (statistics that carry counts only) is ranked by counts.

**Choice.** For each layer, the smallest set of top-ranked experts whose mass
reaches ``coverage`` of the layer's total mass (``needed``). llama.cpp needs one
expert count for the whole model, so the pack keeps

    K = min(E − 1, max(min_k, max over layers of needed))

experts in *every* layer — each layer its own top-K, so a layer that needs fewer
keeps a few extra, and no layer keeps less than it needs unless ``E − 1`` caps K.
``min_k`` is the largest N the site's policy allows (a pack must still run the
answer modes the site uses). ``E − 1``: a pack that keeps every expert is the base
model and must be published as such. A layer with no routed rows at all counts as
needing nothing and keeps its K lowest-id experts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from updater.errors import BadInputError


@dataclass(frozen=True)
class LayerLoad:
    """A layer's routing statistics: per expert, rows routed and router-weight mass."""

    layer: int
    count: Sequence[int]
    weight: Sequence[float]


@dataclass(frozen=True)
class LayerChoice:
    """What one layer keeps: ``kept`` (ascending ids), how many experts it ``needed`` to
    reach the coverage target, and the mass share the kept experts actually cover."""

    layer: int
    kept: tuple[int, ...]
    needed: int
    coverage: float


@dataclass(frozen=True)
class PackChoice:
    """K, the per-layer choices (layer order) and the rule's inputs."""

    k: int
    expert_count: int
    target: float
    min_k: int
    layers: tuple[LayerChoice, ...]

    @property
    def kept(self) -> list[list[int]]:
        """The per-layer expert ids, as :func:`updater.pack_prune.prune_gguf` takes them."""
        return [list(c.kept) for c in self.layers]

    @property
    def min_coverage(self) -> float:
        """The lowest per-layer covered share."""
        return min(c.coverage for c in self.layers)


def _mass(load: LayerLoad) -> list[float]:
    """The layer's mass per expert: router weights, or counts when it has no weights."""
    weights = [float(w) for w in load.weight]
    if sum(weights) > 0:
        return weights
    return [float(c) for c in load.count]


def ranking(load: LayerLoad) -> list[int]:
    """Expert ids, best first: mass descending, then count descending, then id ascending."""
    mass = _mass(load)
    return sorted(range(len(mass)), key=lambda e: (-mass[e], -int(load.count[e]), e))


def needed(load: LayerLoad, coverage: float) -> int:
    """The fewest top-ranked experts whose mass reaches ``coverage`` of the layer's mass."""
    mass = _mass(load)
    total = sum(mass)
    if total <= 0:
        return 0
    goal = coverage * total
    covered = 0.0
    for n, expert in enumerate(ranking(load), start=1):
        covered += mass[expert]
        # Relative tolerance: float sums must not make coverage 1.0 unreachable.
        if covered >= goal or math.isclose(covered, goal, rel_tol=1e-9):
            return n
    return len(mass)


def choose_pack(
    layers: Sequence[LayerLoad], expert_count: int, *, coverage: float, min_k: int
) -> PackChoice:
    """Apply the module's rule; ``BadInputError`` for arguments no pack can satisfy."""
    if not 0.0 < coverage <= 1.0:
        raise BadInputError(f"--coverage must be above 0 and at most 1 (e.g. 0.9), not {coverage}.")
    if expert_count < 2:
        raise BadInputError("The model has fewer than 2 experts; there is nothing to leave out.")
    if not 1 <= min_k <= expert_count - 1:
        raise BadInputError(
            f"--min-k must be between 1 and {expert_count - 1} (a pack keeps fewer than the "
            f"model's {expert_count} experts), not {min_k}."
        )
    if not layers:
        raise BadInputError("The statistics list no MoE layer; collect or score them again.")
    for load in layers:
        if len(load.count) != expert_count or len(load.weight) != expert_count:
            raise BadInputError(
                f"Layer {load.layer} of the statistics lists {len(load.weight)} experts, "
                f"but the model has {expert_count}; use statistics of this model."
            )
    wanted = [needed(load, coverage) for load in layers]
    k = min(expert_count - 1, max(min_k, *wanted))
    choices = []
    for load, need in zip(layers, wanted, strict=True):
        mass = _mass(load)
        kept = ranking(load)[:k]
        total = sum(mass)
        share = sum(mass[e] for e in kept) / total if total > 0 else 1.0
        choices.append(LayerChoice(load.layer, tuple(sorted(kept)), need, share))
    return PackChoice(k, expert_count, coverage, min_k, tuple(choices))
