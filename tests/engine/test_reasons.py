"""Structured reasons: the parts render to exactly the English reason, and travel as JSON."""

from __future__ import annotations

import json
import string
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.decision import Decision, DecisionState, MachineState, QueryNeeds
from engine.reasons import (
    ENGLISH,
    GLUED,
    OPENERS,
    ReasonPart,
    as_dicts,
    from_dicts,
    part,
    render,
    text_part,
)
from engine.remote.network import NetworkConfig, remote_status_part
from tests.engine.test_decision import CASES, GB, MB, MODEL, NO_REMOTE, PLENTY, POLICY, QUERY, run


def _codes_known(decision: Decision) -> None:
    assert decision.reason_parts, decision
    for p in decision.reason_parts:
        assert p.code in ENGLISH, p


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_parts_render_to_the_reason(case: Any) -> None:
    got = run(case.query, case.policy, case.model, case.machine, case.state)
    assert render(got.reason_parts) == got.reason
    _codes_known(got)


@settings(max_examples=300, deadline=None)
@given(
    prompt=st.integers(1, 6000),
    answer=st.integers(1, 2000),
    trimmed=st.one_of(st.none(), st.integers(0, 3000)),
    free_mb=st.integers(0, 20_000),
    speed=st.one_of(st.none(), st.floats(0.1, 50)),
    measured=st.integers(1, 8),
    experts=st.one_of(st.none(), st.integers(1, 12)),
    choose=st.booleans(),
    battery=st.booleans(),
    remote=st.booleans(),
    usable=st.booleans(),
    battery_rule=st.sampled_from(["keep", "fewer_experts", "remote"]),
    mode=st.sampled_from(["fast", "balanced", "thorough"]),
)
def test_many_decisions_render_their_parts(
    *, prompt: int, answer: int, trimmed: int | None, free_mb: int, speed: float | None,
    measured: int, experts: int | None, choose: bool, battery: bool, remote: bool,
    usable: bool, battery_rule: Any, mode: Any,
) -> None:
    policy = replace(POLICY, experts_min=2, experts_max=6, remote_available=remote,
                     on_battery=battery_rule, mode=mode, user_can_choose=choose,
                     remote_unavailable_why="remote fallback is off")
    machine = MachineState(available_bytes=free_mb * MB, on_battery=battery,
                           decode_tokens_per_s=speed, decode_experts=measured)
    model = MODEL if usable else replace(MODEL, usable=False, unusable_why="corrupt")
    state = DecisionState(experts=3, context=2048, speed_cap=4)
    got = run(QueryNeeds(prompt, answer, trimmed, experts), policy, model, machine, state)
    assert render(got.reason_parts) == got.reason
    _codes_known(got)


@pytest.mark.parametrize(
    ("decision", "english"),
    [
        (run(), "N=2 by balanced mode; resources fine → local"),
        (run(replace(QUERY, experts=9)),
         "N=9 requested, outside policy 1..8 → N=8; resources fine → local"),
        (run(policy=replace(POLICY, on_battery="fewer_experts"),
             machine=replace(PLENTY, on_battery=True)),
         "N=2 by balanced mode; on battery → N=1"),
        (run(machine=replace(PLENTY, decode_tokens_per_s=2.1, decode_experts=1)),
         "slow: 2.1 tokens/s < 3 tokens/s at the minimum N=1 → remote"),
        (run(machine=replace(PLENTY, available_bytes=3 * GB)),
         "low memory: 3.2 GB free, model needs 4.6 GB + 1.1 GB reserved → remote"),
        (run(replace(QUERY, prompt_tokens=3900),
             policy=replace(NO_REMOTE, remote_unavailable_why="remote fallback is off")),
         "N=2 by balanced mode; prompt 3900 + answer 512 tokens > local context 4096; "
         "remote fallback is off → answer limited to 196 tokens"),
    ],
)
def test_english_is_unchanged(decision: Decision, english: str) -> None:
    assert decision.reason == english
    assert render(decision.reason_parts) == english


def test_every_template_formats_with_its_fields() -> None:
    for code, template in ENGLISH.items():
        names = {f for _, f, _, _ in string.Formatter().parse(template) if f}
        sample = dict.fromkeys(names, 1.5)
        assert "{" not in template.format(**sample), code
    assert ENGLISH.keys() >= GLUED
    assert ENGLISH.keys() >= OPENERS


def test_parts_travel_as_json() -> None:
    parts = (part("speed.slow", speed=2.1, floor=3.0), part("then.experts", n=4))
    data = json.loads(json.dumps(as_dicts(parts)))
    assert from_dicts(data) == parts
    assert render(from_dicts(data)) == "slow: 2.1 tokens/s < 3 tokens/s → N=4"
    assert hash(parts[0]) == hash(ReasonPart.of("speed.slow", floor=3.0, speed=2.1))


def test_free_text_maps_back_to_its_code() -> None:
    assert text_part("remote fallback is off") == ReasonPart("remote.off")
    assert text_part("something odd") == part("text", text="something odd")


def test_remote_status_gives_codes() -> None:
    class S:
        problems = ()  # a loaded settings object's problems: none here

        def __init__(self, on: bool, url: str) -> None:
            self.on, self.url = on, url

        def get_bool(self, key: str) -> bool:
            return self.on and key == "fallback.enabled"

        def get_str(self, key: str) -> str:
            return self.url if key == "fallback.url" else ""

    assert remote_status_part(S(False, ""), NetworkConfig()) == (False, ReasonPart("remote.off"))
    assert remote_status_part(S(True, ""), NetworkConfig()) == (False, ReasonPart("remote.no_url"))
    env = NetworkConfig.from_settings(S(True, "http://x"), environ={"GENBA_OFFLINE": "1"})
    assert remote_status_part(S(True, "http://x"), env) == (
        False, ReasonPart("network.offline_env"))
