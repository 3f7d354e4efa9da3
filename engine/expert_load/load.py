"""One answer's expert load, as the inference worker reports it (``take_load``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from disk.expert_stats import LayerLoad


@dataclass(frozen=True)
class ExpertLoad:
    """Routing counted over some answers (or text chunks) of one model.

    ``tokens`` are the token rows of the fullest layer (llama.cpp's last layer only
    computes the rows whose logits are needed, so it may list fewer).
    """

    answers: int
    tokens: int
    layers: tuple[LayerLoad, ...]

    @classmethod
    def from_worker(cls, layers: Sequence[Mapping[str, Any]], expert_count: int) -> ExpertLoad:
        """One answer from the worker's ``[{"layer", "rows", "count", "weight"}]``.

        Lists are padded to ``expert_count`` (the worker only knows the ids it saw);
        an id beyond it would be a different model and is refused.
        """
        out: list[LayerLoad] = []
        tokens = 0
        for item in layers:
            count = [int(c) for c in item["count"]]
            weight = [float(w) for w in item["weight"]]
            if len(count) > expert_count or len(weight) != len(count):
                raise ValueError(f"layer {item['layer']} lists experts beyond {expert_count}")
            pad = expert_count - len(count)
            out.append(LayerLoad(
                int(item["layer"]), tuple(count + [0] * pad), tuple(weight + [0.0] * pad)
            ))
            tokens = max(tokens, int(item["rows"]))
        out.sort(key=lambda ly: ly.layer)
        return cls(answers=1, tokens=tokens, layers=tuple(out))

    @property
    def empty(self) -> bool:
        """True when no token was routed."""
        return self.tokens == 0


def combine(loads: Iterable[ExpertLoad], expert_count: int) -> ExpertLoad:
    """The sum of several loads of one model (answers, tokens, and per layer and expert)."""
    counts: dict[int, list[int]] = {}
    weights: dict[int, list[float]] = {}
    answers = tokens = 0
    for load in loads:
        answers += load.answers
        tokens += load.tokens
        for ly in load.layers:
            c = counts.setdefault(ly.layer, [0] * expert_count)
            w = weights.setdefault(ly.layer, [0.0] * expert_count)
            for e in range(expert_count):
                c[e] += ly.count[e]
                w[e] += ly.weight[e]
    layers = tuple(LayerLoad(i, tuple(counts[i]), tuple(weights[i])) for i in sorted(counts))
    return ExpertLoad(answers, tokens, layers)
