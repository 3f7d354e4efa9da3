"""The proof of top-N: llama.cpp's own router output, captured through cb_eval."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.events import FinalEvent
from engine.local.llama_adapter import Sampling
from engine.local.model import LocalModel, LocalRequest
from engine.models.info import inspect_model

GREEDY = Sampling(temperature=0.0)
MESSAGES = [{"role": "user", "content": "Which experts answer this question?"}]


def _traced(
    model: LocalModel, experts: int, *, trace: bool = True, max_tokens: int = 6
) -> FinalEvent:
    request = LocalRequest(
        messages=MESSAGES,
        experts=experts,
        max_tokens=max_tokens,
        n_ctx=256,
        trace=trace,
        sampling=GREEDY,
    )
    events = list(model.stream(request))
    final = events[-1]
    assert isinstance(final, FinalEvent)
    return final


@pytest.fixture(scope="module")
def local(tiny_moe_path: Path) -> LocalModel:
    model = LocalModel(inspect_model(tiny_moe_path), n_threads=2)
    yield model
    model.close()


@pytest.mark.parametrize("experts", [2, 4])
def test_every_token_in_every_moe_layer_used_exactly_n_experts(
    local: LocalModel, experts: int
) -> None:
    final = _traced(local, experts)
    routing = final.routing
    assert routing is not None
    assert len(routing) == local.info.moe_layers
    # Every prompt token and every generated token except the last was decoded;
    # llama.cpp's last layer only computes rows whose logits are needed.
    expected_tokens = final.prompt_tokens + final.generated_tokens - 1
    assert [len(layer) for layer in routing[:-1]] == [expected_tokens] * (len(routing) - 1)
    assert len(routing[-1]) == final.generated_tokens
    for layer in routing:
        for chosen in layer:
            assert len(chosen) == experts
            assert len(set(chosen)) == experts
            assert all(0 <= e < local.info.expert_count for e in chosen)


def test_top2_is_nested_in_top4_for_the_same_prompt(local: LocalModel) -> None:
    top2 = _traced(local, 2).routing
    top4 = _traced(local, 4).routing
    assert top2 is not None and top4 is not None
    prompt_len = _traced(local, 2, max_tokens=1).prompt_tokens
    # The first MoE layer sees identical hidden states for the prompt at any N,
    # so its top-2 must be the two best of its top-4.
    for t in range(prompt_len):
        assert set(top2[0][t]) <= set(top4[0][t])
        assert top2[0][t] == top4[0][t][:2]
    # Later layers see states changed by N, so nesting is a tendency there, not a law.
    later = [
        set(top2[layer][t]) <= set(top4[layer][t])
        for layer in range(1, len(top2) - 1)
        for t in range(prompt_len)
    ]
    assert sum(later) > len(later) // 2


def test_tracing_off_by_default(local: LocalModel) -> None:
    final = _traced(local, 2, trace=False)
    assert final.routing is None
    # And turning it back on still works after it was off.
    assert _traced(local, 2).routing
