"""The pack choice rule, as tables: scores rank by router-weight mass (counts break ties),
each layer needs the fewest experts covering the target, K = max over layers, >= min_k, <= E-1."""

from __future__ import annotations

import pytest

from updater.errors import BadInputError
from updater.pack_choice import LayerLoad, choose_pack, needed, ranking


def load(weight: list[float], count: list[int] | None = None, layer: int = 0) -> LayerLoad:
    return LayerLoad(layer, count or [1] * len(weight), weight)


@pytest.mark.parametrize(
    ("weight", "count", "expected"),
    [
        ([0.1, 0.5, 0.3, 0.1], [1, 1, 1, 1], [1, 2, 0, 3]),  # mass first, id breaks ties
        ([0.2, 0.2, 0.6, 0.0], [5, 9, 1, 0], [2, 1, 0, 3]),  # equal mass: more rows first
        ([0.0, 0.0, 0.0, 0.0], [3, 0, 7, 1], [2, 0, 3, 1]),  # counts-only statistics
        # Many rows with small weight lose to few rows the router trusts (REAP, not frequency).
        ([1.0, 3.0, 0.0, 0.0], [40, 4, 0, 0], [1, 0, 2, 3]),
    ],
)
def test_ranking(weight: list[float], count: list[int], expected: list[int]) -> None:
    assert ranking(load(weight, count)) == expected


@pytest.mark.parametrize(
    ("weight", "coverage", "expected"),
    [
        ([0.5, 0.3, 0.1, 0.1], 0.5, 1),
        ([0.5, 0.3, 0.1, 0.1], 0.8, 2),
        ([0.5, 0.3, 0.1, 0.1], 0.81, 3),
        ([0.5, 0.3, 0.1, 0.1], 1.0, 4),
        ([0.7, 0.1, 0.1, 0.1], 0.9, 3),  # float sums reach the goal despite rounding
        ([0.0, 0.0, 0.0, 0.0], 0.9, 0),  # never routed: needs nothing
    ],
)
def test_needed(weight: list[float], coverage: float, expected: int) -> None:
    assert needed(load(weight, [0] * 4), coverage) == expected


@pytest.mark.parametrize(
    ("layers", "coverage", "min_k", "k", "kept"),
    [
        # Layer 0 needs 1, layer 1 needs 3 → K = 3 everywhere, each layer its own top 3.
        (
            [[0.9, 0.05, 0.03, 0.02, 0.0], [0.3, 0.0, 0.3, 0.3, 0.1]],
            0.9,
            1,
            3,
            [[0, 1, 2], [0, 2, 3]],
        ),
        # min_k (the site's largest N) wins over a small need.
        ([[0.9, 0.05, 0.03, 0.02, 0.0]] * 2, 0.5, 2, 2, [[0, 1], [0, 1]]),
        # Full coverage would keep all five: capped at E - 1.
        ([[0.2] * 5, [0.2] * 5], 1.0, 1, 4, [[0, 1, 2, 3], [0, 1, 2, 3]]),
        # A layer nobody routed to keeps its lowest ids and does not raise K.
        ([[0.0] * 5, [0.0, 0.0, 0.0, 0.6, 0.4]], 0.6, 1, 1, [[0], [3]]),
    ],
)
def test_choose_pack(
    layers: list[list[float]], coverage: float, min_k: int, k: int, kept: list[list[int]]
) -> None:
    loads = [LayerLoad(i, [0] * len(w), w) for i, w in enumerate(layers)]
    choice = choose_pack(loads, 5, coverage=coverage, min_k=min_k)
    assert choice.k == k
    assert choice.kept == kept
    for c, w in zip(choice.layers, layers, strict=True):
        total = sum(w)
        expect = sum(w[e] for e in c.kept) / total if total else 1.0
        assert c.coverage == pytest.approx(expect)
        assert total == 0 or c.coverage >= coverage or k == 4


def test_covered_share_is_reported_per_layer() -> None:
    choice = choose_pack(
        [LayerLoad(3, [0] * 4, [6.0, 2.0, 1.0, 1.0]), LayerLoad(7, [0] * 4, [1.0, 1.0, 1.0, 7.0])],
        4, coverage=0.7, min_k=1,
    )  # fmt: skip
    assert [(c.layer, c.kept, c.needed) for c in choice.layers] == [(3, (0, 1), 2), (7, (0, 3), 1)]
    assert [round(c.coverage, 3) for c in choice.layers] == [0.8, 0.8]
    assert choice.min_coverage == pytest.approx(0.8)


@pytest.mark.parametrize(
    ("coverage", "min_k", "count_len", "words"),
    [
        (0.0, 1, 4, "--coverage"),
        (1.5, 1, 4, "--coverage"),
        (0.9, 4, 4, "--min-k must be between 1 and 3"),
        (0.9, 0, 4, "--min-k"),
        (0.9, 1, 5, "lists 5 experts"),
    ],
)
def test_bad_arguments_are_one_line(
    coverage: float, min_k: int, count_len: int, words: str
) -> None:
    loads = [LayerLoad(0, [1] * count_len, [1.0] * count_len)]
    with pytest.raises(BadInputError, match=words) as caught:
        choose_pack(loads, 4, coverage=coverage, min_k=min_k)
    assert "\n" not in str(caught.value)
