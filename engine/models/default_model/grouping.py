"""Split one dense FFN's neurons into a shared expert and equal-sized routed experts.

MoEfication (Zhang et al., 2022) turns a dense FFN into experts by grouping its
neurons; how well a top-N selection then approximates the dense output depends
on neurons that fire together landing in the same expert. Here:

* the ``n_shared`` neurons that contribute most on average (``|activation|``
  times the norm of their down-projection column) form the always-on shared
  expert, because no routing can afford to drop them;
* the rest are clustered by co-activation with a *balanced* spherical k-means
  (every expert gets exactly the same number of neurons, as stacked GGUF expert
  tensors require) over each neuron's per-token contribution profile.

Pure numpy, no I/O; deterministic for a given seed (ties broken by index).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

F32 = npt.NDArray[np.float32]
Index = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Grouping:
    """Neuron indices (into the dense FFN) of the shared expert and of each routed expert."""

    shared: Index
    experts: Index  # shape (n_expert, neurons_per_expert), each row sorted


def contributions(acts: F32, down: F32) -> F32:
    """Per-token magnitude of each neuron's contribution: ``|a_tj| * ||down[:, j]||``."""
    col_norm = np.linalg.norm(down, axis=0).astype(np.float32)
    out: F32 = np.abs(acts) * col_norm[None, :]
    return out


def _balanced_assign(sim: F32, capacity: int) -> Index:
    """Assign each row to a column, at most ``capacity`` rows per column, greedily by similarity.

    Rows whose best choice is most clear-cut go first (largest margin over
    their second choice), so that full clusters push out the indifferent rows.
    """
    n, k = sim.shape
    order_cols = np.argsort(-sim, axis=1, kind="stable")
    best = np.take_along_axis(sim, order_cols[:, :1], axis=1)[:, 0]
    second = np.take_along_axis(sim, order_cols[:, 1:2], axis=1)[:, 0] if k > 1 else best
    row_order = np.lexsort((np.arange(n), -(best - second)))
    load = np.zeros(k, dtype=np.int64)
    assign = np.full(n, -1, dtype=np.int64)
    for row in row_order:
        for col in order_cols[row]:
            if load[col] < capacity:
                assign[row] = col
                load[col] += 1
                break
    return assign


def _init_centroids(feats: F32, k: int, rng: np.random.Generator) -> F32:
    """k-means++ seeding on unit vectors (cosine distance)."""
    n = feats.shape[0]
    chosen = [int(rng.integers(n))]
    dist = 1.0 - feats @ feats[chosen[0]]
    for _ in range(1, k):
        weights = np.clip(dist, 0.0, None).astype(np.float64) ** 2
        total = weights.sum()
        pick = int(rng.choice(n, p=weights / total)) if total > 0 else int(rng.integers(n))
        chosen.append(pick)
        dist = np.minimum(dist, 1.0 - feats @ feats[pick])
    return feats[chosen].copy()


def balanced_kmeans(feats: F32, k: int, *, iters: int = 20, seed: int = 0) -> Index:
    """Cluster rows of ``feats`` into ``k`` equal-sized groups by cosine similarity."""
    n = feats.shape[0]
    if n % k:
        raise ValueError(f"{n} rows cannot be split into {k} equal groups")
    unit = feats / np.maximum(np.linalg.norm(feats, axis=1, keepdims=True), 1e-12)
    unit = unit.astype(np.float32)
    rng = np.random.default_rng(seed)
    centroids = _init_centroids(unit, k, rng)
    assign = np.full(n, -1, dtype=np.int64)
    for _ in range(iters):
        new = _balanced_assign(unit @ centroids.T, n // k)
        if np.array_equal(new, assign):
            break
        assign = new
        for c in range(k):
            mean = unit[assign == c].mean(axis=0)
            centroids[c] = mean / max(float(np.linalg.norm(mean)), 1e-12)
    return assign


def group_neurons(
    acts: F32, down: F32, *, n_expert: int, n_shared: int, seed: int = 0, iters: int = 20
) -> Grouping:
    """Choose the shared expert and ``n_expert`` balanced co-activation groups.

    ``acts`` is ``(tokens, n_ff)`` SwiGLU activations on calibration text and
    ``down`` the dense ``(n_embd, n_ff)`` down projection.
    """
    n_ff = acts.shape[1]
    if (n_ff - n_shared) % n_expert:
        raise ValueError(f"{n_ff - n_shared} routed neurons do not split into {n_expert} experts")
    contrib = contributions(acts, down)
    importance = contrib.mean(axis=0)
    ranked = np.lexsort((np.arange(n_ff), -importance))
    shared = np.sort(ranked[:n_shared])
    routed = np.sort(ranked[n_shared:])
    assign = balanced_kmeans(contrib[:, routed].T.copy(), n_expert, iters=iters, seed=seed)
    groups = [np.sort(routed[assign == e]) for e in range(n_expert)]
    # Order experts by their first neuron so the layout does not depend on seeding order.
    groups.sort(key=lambda g: int(g[0]))
    return Grouping(shared=shared.astype(np.int64), experts=np.stack(groups).astype(np.int64))
