"""Small statistics for the pilot's numbers (standard library only, so exports stay light).

Accuracy gets a Wilson score interval, which behaves at 0/n and n/n and for the
10–50 questions a site set has (the normal approximation does not).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

Z_95 = 1.959963984540054
"""The standard normal quantile of a two-sided 95 % interval."""

LATENCY_EDGES_S: tuple[float, ...] = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0)
"""Upper bounds of the latency histogram's bins (seconds); the last bin is open."""


def wilson(correct: int, total: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval of ``correct / total`` ((0, 1) when ``total`` is 0)."""
    if total <= 0:
        return 0.0, 1.0
    p = correct / total
    denom = 1 + z * z / total
    centre = (p + z * z / (2 * total)) / denom
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def quantile(values: Sequence[float], q: float) -> float | None:
    """The ``q`` quantile (0..1) by linear interpolation between order statistics."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    lo = math.floor(pos)
    hi = math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def histogram(values: Sequence[float], edges: Sequence[float] = LATENCY_EDGES_S) -> list[int]:
    """Counts per bin: ``values <= edges[0]``, …, ``> edges[-1]`` (``len(edges) + 1`` bins)."""
    counts = [0] * (len(edges) + 1)
    for value in values:
        index = next((i for i, edge in enumerate(edges) if value <= edge), len(edges))
        counts[index] += 1
    return counts


def summary(values: Sequence[float]) -> dict[str, float | int | None]:
    """Count, mean, p50 and p95 of ``values`` (None where there are none)."""
    return {
        "count": len(values),
        "mean": sum(values) / len(values) if values else None,
        "p50": quantile(values, 0.5),
        "p95": quantile(values, 0.95),
    }
