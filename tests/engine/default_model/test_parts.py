"""The converter's pure parts: un-permute, grouping, router fit, shared-expert gate, per-N error."""

from __future__ import annotations

import numpy as np
import pytest

from engine.models.default_model.build import error_by_n, shexp_gate, useful_min_of
from engine.models.default_model.dense import unpermute_rows
from engine.models.default_model.grouping import Grouping, balanced_kmeans, group_neurons
from engine.models.default_model.router import LOGIT_SPREAD, fit_router
from engine.models.default_model.writer import MoELayer


def _llama_permute(w: np.ndarray, n_head: int) -> np.ndarray:
    # convert_hf_to_gguf's permute, written out independently.
    return (
        w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:])
        .swapaxes(1, 2)
        .reshape(w.shape)
    )


def test_unpermute_inverts_llama_permute() -> None:
    w = np.arange(12 * 64 * 3, dtype=np.float32).reshape(12 * 64, 3)
    assert np.array_equal(unpermute_rows(_llama_permute(w, 12), 12), w)
    assert not np.array_equal(_llama_permute(w, 12), w)


def test_balanced_kmeans_gives_equal_groups_and_finds_clusters() -> None:
    rng = np.random.default_rng(0)
    centers = rng.standard_normal((4, 16))
    feats = np.repeat(centers, 8, axis=0) + 0.05 * rng.standard_normal((32, 16))
    assign = balanced_kmeans(feats.astype(np.float32), 4, seed=1)
    assert np.bincount(assign).tolist() == [8, 8, 8, 8]
    for c in range(4):  # each true cluster lands in one group
        assert len(set(assign[c * 8 : (c + 1) * 8].tolist())) == 1


def test_grouping_partitions_every_neuron_once() -> None:
    rng = np.random.default_rng(2)
    acts = rng.standard_normal((64, 96)).astype(np.float32)
    down = rng.standard_normal((16, 96)).astype(np.float32)
    g = group_neurons(acts, down, n_expert=4, n_shared=32, seed=3, iters=5)
    assert g.experts.shape == (4, 16)
    every = np.concatenate([g.shared, g.experts.ravel()])
    assert sorted(every.tolist()) == list(range(96))
    again = group_neurons(acts, down, n_expert=4, n_shared=32, seed=3, iters=5)
    assert np.array_equal(again.experts, g.experts)


def test_shared_expert_takes_the_most_important_neurons() -> None:
    acts = np.ones((10, 8), dtype=np.float32)
    acts[:, 5] = 9.0
    down = np.ones((4, 8), dtype=np.float32)
    g = group_neurons(acts, down, n_expert=7, n_shared=1)
    assert g.shared.tolist() == [5]


def test_router_ranks_experts_like_a_linear_oracle_and_stays_uniform() -> None:
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2000, 24)).astype(np.float32)
    true_w = rng.standard_normal((6, 24))
    scores = (x @ true_w.T).astype(np.float32)
    fit = fit_router(x, scores, ridge=1e-6)
    assert fit.overlap[1] > 0.97
    logits = x @ fit.weight.T
    assert float((logits.max(axis=1) - logits.min(axis=1)).max()) <= LOGIT_SPREAD
    assert np.array_equal(np.argmax(logits, axis=1)[:50], np.argmax(scores, axis=1)[:50])


def test_shared_gate_is_tiny_and_never_zero() -> None:
    rng = np.random.default_rng(5)
    x = rng.standard_normal((500, 32)).astype(np.float32)
    x[:, 7] = 40.0 + rng.standard_normal(500)  # a "massive" steady channel
    gate = shexp_gate(x)
    s = x @ gate
    assert np.count_nonzero(gate) == 1 and gate[7] != 0
    assert np.all(np.abs(s) > 0) and np.all(np.abs(s) <= 1e-4)


def _layer(router: np.ndarray, experts: np.ndarray) -> MoELayer:
    grouping = Grouping(shared=np.arange(0, dtype=np.int64), experts=experts)
    zeros = np.zeros(1, dtype=np.float32)
    return MoELayer(grouping, router, zeros, zeros, zeros)


def test_error_by_n_is_the_unselected_experts_share_of_the_dense_output() -> None:
    rng = np.random.default_rng(5)
    x = rng.standard_normal((40, 12)).astype(np.float32)
    acts = rng.standard_normal((40, 32)).astype(np.float32)
    down = rng.standard_normal((10, 32)).astype(np.float32)
    experts = np.arange(32).reshape(4, 8)
    router = rng.standard_normal((4, 12)).astype(np.float32)
    errors = error_by_n(x, acts, down, _layer(router, experts), tokens=40)
    assert errors.shape == (4,) and errors[-1] == pytest.approx(0.0, abs=1e-6)
    # N = 1 by hand: everything but the router's top expert is missing.
    top = np.argmax(x @ router.T, axis=1)
    missing = [
        sum(acts[t, experts[e]] @ down[:, experts[e]].T for e in range(4) if e != top[t])
        for t in range(40)
    ]
    dense = acts @ down.T
    by_hand = np.mean(np.linalg.norm(missing, axis=1) / np.linalg.norm(dense, axis=1))
    assert errors[0] == pytest.approx(by_hand, rel=1e-5)


@pytest.mark.parametrize(("tolerance", "n"), [(0.0, 4), (0.25, 3), (0.35, 2), (1.0, 1)])
def test_useful_min_is_the_smallest_n_within_tolerance(tolerance: float, n: int) -> None:
    assert useful_min_of(np.array([0.5, 0.3, 0.2, 0.0]), tolerance) == n
