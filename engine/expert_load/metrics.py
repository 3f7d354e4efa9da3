"""What the expert load says: shares, entropy, imbalance, unused experts, and the alert.

Pure functions of the counts, so the tests check them against numbers worked out by hand.

The alert's metric is the **normalised Gini coefficient** of a layer's routing counts.
Why Gini and not max/mean: max/mean only sees the hottest expert and its range
(1 … E/N) depends on the expert count E and the top-N, so one threshold cannot fit
every model; Gini sees the whole distribution, unused experts included, and lies in
[0, 1). Why normalised: with top-N routing every token picks N distinct experts, so
the most unequal load possible (the same N experts for every token) has Gini
1 − N/E, which is only 0.31 for the default model at N = 11 of 16. Dividing by that
ceiling puts 0 at an even load and 1 at "always the same experts" for any E and N.
N is measured, not assumed: rows routed in the fullest layer / tokens.

Below :data:`MIN_TOKENS_FOR_ALERT` tokens no alert is raised: a balanced router looks
unequal by chance on a handful of tokens.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from disk.expert_stats import LayerLoad, LoadAlert

ALERT_METRIC = "normalized_gini"
MIN_TOKENS_FOR_ALERT = 200


@dataclass(frozen=True)
class LayerMetrics:
    """One layer's load in numbers."""

    layer: int
    routed: int
    """Token rows x experts routed in this layer (the sum of its counts)."""
    share: tuple[float, ...]
    """Per expert, its share of the routing (counts / routed)."""
    weight_share: tuple[float, ...]
    """Per expert, its share of the router weight (REAP-style usage)."""
    entropy: float
    """Entropy of ``share`` / log E: 1 is an even load, 0 one expert only."""
    max_mean: float
    """The hottest expert's count over the mean count (1 is even)."""
    gini: float
    """Gini coefficient of the counts (0 even; at most 1 − N/E under top-N)."""
    normalized_gini: float
    """``gini`` / its top-N ceiling: 0 even, 1 the same N experts for every token."""
    never: tuple[int, ...]
    """Experts this layer never chose."""


@dataclass(frozen=True)
class LoadReport:
    """The metrics of all layers, and the alert under a threshold."""

    answers: int
    tokens: int
    experts_per_token: float
    layers: tuple[LayerMetrics, ...]
    alert: LoadAlert

    @property
    def worst(self) -> LayerMetrics | None:
        """The most unequal layer (highest normalised Gini)."""
        return max(self.layers, key=lambda m: m.normalized_gini, default=None)


def gini(values: Sequence[float]) -> float:
    """Gini coefficient of non-negative values (0 for all equal or all zero)."""
    n = len(values)
    total = sum(values)
    if n == 0 or total <= 0:
        return 0.0
    ranked = sorted(values)
    weighted = sum((i + 1) * v for i, v in enumerate(ranked))
    return max(0.0, 2.0 * weighted / (n * total) - (n + 1) / n)


def _shares(values: Sequence[float]) -> tuple[float, ...]:
    total = sum(values)
    return tuple(v / total if total > 0 else 0.0 for v in values)


def layer_metrics(load: LayerLoad, experts_per_token: float) -> LayerMetrics:
    """The metrics of one layer, given N (experts routed per token)."""
    experts = len(load.count)
    routed = sum(load.count)
    share = _shares(load.count)
    entropy = 0.0
    if experts > 1 and routed > 0:
        entropy = -sum(p * math.log(p) for p in share if p > 0) / math.log(experts)
    mean = routed / experts if experts else 0.0
    max_mean = max(load.count) / mean if mean > 0 else 0.0
    g = gini(load.count)
    ceiling = 1.0 - experts_per_token / experts if experts else 0.0
    normalized = min(1.0, g / ceiling) if ceiling > 1e-9 else 0.0
    return LayerMetrics(
        layer=load.layer, routed=routed, share=share, weight_share=_shares(load.weight),
        entropy=entropy, max_mean=max_mean, gini=g, normalized_gini=normalized,
        never=tuple(e for e, c in enumerate(load.count) if c == 0) if routed else (),
    )


def report(
    answers: int, tokens: int, layers: Sequence[LayerLoad], threshold: float
) -> LoadReport:
    """Every layer's metrics and the alert (``threshold`` 0: never raised)."""
    fullest = max((sum(ly.count) for ly in layers), default=0)
    per_token = fullest / tokens if tokens > 0 else 0.0
    metrics = tuple(layer_metrics(ly, per_token) for ly in layers)
    value = max((m.normalized_gini for m in metrics), default=0.0)
    raised = threshold > 0 and tokens >= MIN_TOKENS_FOR_ALERT and value > threshold
    alert = LoadAlert(ALERT_METRIC, float(threshold), round(value, 6), raised)
    return LoadReport(answers, tokens, per_token, metrics, alert)
