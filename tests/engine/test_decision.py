"""The per-query decision: every rule, their interplay, and hysteresis (pure, table-driven)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.decision import (
    CONTEXT_STEP,
    RAISE_MARGIN,
    Decision,
    DecisionPolicy,
    DecisionState,
    MachineState,
    ModelNeeds,
    QueryNeeds,
    decide,
)
from engine.models.info import inspect_model
from engine.models.useful import UsefulRange

MB = 1024 * 1024
GB = 1024 * MB

# A mid-size MoE: 8 experts, top-2 by default, 4 GB of weights, 4096 tokens of context.
MODEL = ModelNeeds(
    expert_count=8,
    expert_used_count=2,
    context_length=4096,
    weights_bytes=4 * GB,
    kv_bytes_per_token=128 * 1024,
    bytes_per_token={n: 500 * MB + n * 250 * MB for n in range(1, 9)},
    compute_bytes=256 * MB,
)
POLICY = DecisionPolicy(
    experts_default=2,
    experts_min=1,
    experts_max=8,
    reserve_bytes=1 * GB,
    min_tokens_per_s=3.0,
    on_battery="keep",
    remote_available=True,
    preferred_context=0,  # size contexts to the query, to see the arithmetic
)
NO_REMOTE = replace(POLICY, remote_available=False, remote_unavailable_why="offline")
# The same policy for a model whose file declares a useful floor of N=4.
FLOOR = replace(POLICY, useful_min=4, useful_source="file")
BELOW_OK = replace(FLOOR, allow_below_useful=True)
PLENTY = MachineState(available_bytes=16 * GB, total_bytes=32 * GB)
QUERY = QueryNeeds(prompt_tokens=300, max_tokens=512)


def run(
    query: QueryNeeds = QUERY,
    policy: DecisionPolicy = POLICY,
    model: ModelNeeds = MODEL,
    machine: MachineState = PLENTY,
    state: DecisionState | None = None,
) -> Decision:
    return decide(query, policy, model, machine, state)


def budget_for(context: int, policy: DecisionPolicy = POLICY) -> int:
    """Available bytes that hold exactly ``context`` tokens of KV cache."""
    return MODEL.memory_needed(context) + policy.reserve_bytes


@dataclass(frozen=True)
class Case:
    name: str
    expect: dict[str, Any]
    reason_has: tuple[str, ...] = ()
    query: QueryNeeds = QUERY
    policy: DecisionPolicy = POLICY
    model: ModelNeeds = MODEL
    machine: MachineState = PLENTY
    state: DecisionState | None = None


CASES = [
    # -- nothing short: the mode decides N --------------------------------------------
    Case("plenty", {"route": "local", "experts": 2, "context": 1024, "max_tokens": 512},
         ("N=2 by balanced mode; resources fine → local",)),
    Case("preferred context when memory allows", {"context": 4096},
         policy=replace(POLICY, preferred_context=4096)),
    Case("preferred context shrinks for memory, silently while the query fits",
         {"context": 2048, "max_tokens": 512}, ("resources fine",),
         policy=replace(POLICY, preferred_context=4096),
         machine=MachineState(available_bytes=budget_for(2100))),
    Case("mode fast → min", {"experts": 1}, policy=replace(POLICY, mode="fast")),
    Case("mode thorough → max", {"experts": 8}, policy=replace(POLICY, mode="thorough")),
    Case("thorough within a lower max", {"experts": 6},
         policy=replace(POLICY, mode="thorough", experts_max=6)),
    Case("balanced clamps default into bounds", {"experts": 3},
         policy=replace(POLICY, experts_min=3)),
    Case("operator pick", {"experts": 5}, ("N=5 requested",), query=replace(QUERY, experts=5)),
    Case("operator pick clamped", {"experts": 6}, ("outside policy 1..6",),
         query=replace(QUERY, experts=7), policy=replace(POLICY, experts_max=6)),
    Case("operator pick ignored when policy decides", {"experts": 2}, ("set by policy",),
         query=replace(QUERY, experts=7), policy=replace(POLICY, user_can_choose=False)),
    # -- rule 5: local model unusable ------------------------------------------------
    Case("model missing → remote", {"route": "remote", "experts": None},
         ("local model unavailable: file is being replaced", "→ remote"),
         model=ModelNeeds.missing("file is being replaced")),
    Case("model missing, offline → refuse", {"route": "refuse"}, ("offline", "refused"),
         model=ModelNeeds.missing("corrupt"), policy=NO_REMOTE),
    Case("model missing, policy keeps local → refuse", {"route": "refuse"},
         ("policy keeps questions local",), model=ModelNeeds.missing("corrupt"),
         policy=replace(POLICY, remote_when_local_fails=False)),
    # -- rule 2: context -------------------------------------------------------------
    Case("too long → remote", {"route": "remote"}, ("> local context 4096", "→ remote"),
         query=QueryNeeds(prompt_tokens=3900, max_tokens=512)),
    Case("policy context cap → remote", {"route": "remote"}, ("local context 512",),
         policy=replace(POLICY, max_context_tokens=512)),
    Case("too long, no remote → shorter answer",
         {"route": "local", "context": 4096, "max_tokens": 196, "trim": False},
         ("answer limited to 196 tokens",), query=QueryNeeds(3900, 512), policy=NO_REMOTE),
    Case("too long, no remote → trim old turns",
         {"route": "local", "trim": True, "max_tokens": 512, "context": 1536},
         ("old turns trimmed",), query=QueryNeeds(4090, 512, min_prompt_tokens=800),
         policy=NO_REMOTE),
    Case("too long even trimmed, no remote → refuse", {"route": "refuse"},
         ("even without old turns",), query=QueryNeeds(4090, 512, min_prompt_tokens=4060),
         policy=NO_REMOTE),
    # -- rule 1: memory --------------------------------------------------------------
    Case("memory: shorter context still holds the prompt",
         {"route": "local", "context": 512, "max_tokens": 212}, ("low memory", "context 512"),
         machine=MachineState(available_bytes=budget_for(600))),
    Case("memory: resident model counts as available", {"route": "local", "context": 1024},
         machine=MachineState(available_bytes=budget_for(1024) - 4 * GB,
                              resident_bytes=4 * GB)),
    Case("memory: reserve above free → remote", {"route": "remote"},
         ("low memory:", "free, model needs", "→ remote"),
         policy=replace(POLICY, reserve_bytes=64 * GB)),
    Case("memory: no remote → local anyway",
         {"route": "local", "context": 512, "max_tokens": 212},
         ("low memory", "offline → local anyway"),
         machine=MachineState(available_bytes=2 * GB), policy=NO_REMOTE),
    # -- rule 4: battery -------------------------------------------------------------
    Case("battery keep", {"experts": 2}, machine=replace(PLENTY, on_battery=True)),
    Case("battery fewer experts", {"experts": 1}, ("on battery → N=1",),
         policy=replace(POLICY, on_battery="fewer_experts"),
         machine=replace(PLENTY, on_battery=True)),
    Case("battery remote", {"route": "remote"}, ("on battery",),
         policy=replace(POLICY, on_battery="remote"), machine=replace(PLENTY, on_battery=True)),
    Case("battery remote, offline → fewer experts", {"route": "local", "experts": 1},
         ("on battery, offline → N=1",),
         policy=replace(NO_REMOTE, on_battery="remote"),
         machine=replace(PLENTY, on_battery=True)),
    Case("battery rule idle on mains", {"experts": 2},
         policy=replace(POLICY, on_battery="remote")),
    # -- rule 3: speed ---------------------------------------------------------------
    # bytes/token = 500 MB + 250 MB·N, so 2 tok/s at N=4 (1500 MB) predicts 3 tok/s at N=2.
    Case("slow → fewer experts", {"route": "local", "experts": 2, "speed_cap": 2},
         ("N=4 by thorough mode; slow: 2.0 tokens/s < 3 tokens/s → N=2",),
         policy=replace(POLICY, mode="thorough", experts_max=4),
         machine=replace(PLENTY, decode_tokens_per_s=2.0, decode_experts=4)),
    Case("slow at minimum → remote", {"route": "remote"}, ("at the minimum N=1",),
         machine=replace(PLENTY, decode_tokens_per_s=1.0, decode_experts=1)),
    Case("slow at minimum, offline → stay local", {"route": "local", "experts": 1},
         ("at the minimum N=1",), policy=NO_REMOTE,
         machine=replace(PLENTY, decode_tokens_per_s=1.0, decode_experts=1)),
    Case("speed rule off (0 tokens/s)", {"experts": 2, "route": "local"},
         policy=replace(POLICY, min_tokens_per_s=0.0),
         machine=replace(PLENTY, decode_tokens_per_s=0.1, decode_experts=2)),
    Case("speed rule off (not adaptive)", {"experts": 2, "route": "local"},
         policy=replace(POLICY, adaptive=False),
         machine=replace(PLENTY, decode_tokens_per_s=0.1, decode_experts=2)),
    Case("fast enough keeps the mode's N", {"experts": 2},
         machine=replace(PLENTY, decode_tokens_per_s=30.0, decode_experts=2)),
    # -- interplay -------------------------------------------------------------------
    Case("unusable model beats every other rule", {"route": "remote"}, ("unavailable",),
         model=ModelNeeds.missing("x"), machine=replace(PLENTY, on_battery=True),
         query=QueryNeeds(9000, 512)),
    Case("trim + low memory + battery all apply and are all said",
         {"route": "local", "trim": True, "experts": 1, "context": 768},
         ("old turns trimmed", "low memory", "on battery → N=1"),
         query=QueryNeeds(4090, 512, min_prompt_tokens=500),
         policy=replace(NO_REMOTE, on_battery="fewer_experts"),
         machine=MachineState(available_bytes=budget_for(800, NO_REMOTE), on_battery=True)),
    Case("low memory decides before battery → remote", {"route": "remote"}, ("low memory",),
         policy=replace(POLICY, reserve_bytes=64 * GB, on_battery="fewer_experts"),
         machine=replace(PLENTY, on_battery=True)),
    Case("battery fewer experts beats a slow speed's remote",
         {"route": "local", "experts": 1}, ("on battery",),
         policy=replace(POLICY, on_battery="fewer_experts"),
         machine=replace(PLENTY, on_battery=True, decode_tokens_per_s=1.0, decode_experts=1)),
    # -- the model's useful floor (issue 13, item 2) ------------------------------------
    Case("floor from the file: fast → the floor", {"experts": 4},
         ("N=4 by fast mode (useful minimum N=4, set by the model file); resources fine",),
         policy=replace(FLOOR, mode="fast")),
    Case("floor from the rule: fast → the rule's floor", {"experts": 2},
         ("N=2 by fast mode (useful minimum N=2, by the default rule for a top-2 model)",),
         policy=replace(POLICY, mode="fast", useful_min=2, useful_source="rule")),
    Case("floor: balanced's default below the floor → the floor", {"experts": 4},
         ("N=4 by balanced mode (useful minimum N=4",), policy=FLOOR),
    Case("floor: thorough → max", {"experts": 8}, ("N=8 by thorough mode",),
         policy=replace(FLOOR, mode="thorough")),
    Case("floor: policy min above the floor wins", {"experts": 5},
         ("N=5 by fast mode (policy minimum N=5, above the model's useful minimum 4)",),
         policy=replace(FLOOR, mode="fast", experts_min=5, experts_default=5)),
    Case("floor: policy max below the floor caps it", {"experts": 3},
         ("(the model's useful minimum N=4 is above the policy maximum N=3)",),
         policy=replace(FLOOR, mode="fast", experts_max=3)),
    Case("floor: operator pick below it → raised", {"experts": 4},
         ("N=1 requested, below the model's useful minimum → N=4",),
         query=replace(QUERY, experts=1), policy=FLOOR),
    Case("floor: operator pick below it, policy allows → kept", {"experts": 1},
         ("N=1 requested; resources fine",), query=replace(QUERY, experts=1), policy=BELOW_OK),
    Case("floor: battery keeps the floor", {"experts": 4},
         ("on battery → N=4, not below the model's useful minimum N=4 "
          "(experts.allow_below_useful is off)",),
         policy=replace(FLOOR, on_battery="fewer_experts", mode="thorough"),
         machine=replace(PLENTY, on_battery=True)),
    Case("floor: battery below it when policy allows, and says so", {"experts": 1},
         ("on battery → N=1, below the model's useful minimum N=4 (policy allows it)",),
         policy=replace(BELOW_OK, on_battery="fewer_experts"),
         machine=replace(PLENTY, on_battery=True)),
    # 1.5 tok/s at N=8 (2500 MB/token) predicts >= 3 tok/s only at N <= 3.
    Case("floor: slow stops at the floor", {"route": "local", "experts": 4},
         ("slow: 1.5 tokens/s < 3 tokens/s → N=4, not below the model's useful minimum",),
         policy=replace(FLOOR, mode="thorough"),
         machine=replace(PLENTY, decode_tokens_per_s=1.5, decode_experts=8)),
    Case("floor: slow goes below it when policy allows, and says so", {"experts": 3},
         ("→ N=3, below the model's useful minimum N=4 (policy allows it)",),
         policy=replace(BELOW_OK, mode="thorough"),
         machine=replace(PLENTY, decode_tokens_per_s=1.5, decode_experts=8)),
    Case("floor: slow at the floor → remote", {"route": "remote"},
         ("at the minimum N=4, not below the model's useful minimum N=4", "→ remote"),
         policy=FLOOR, machine=replace(PLENTY, decode_tokens_per_s=1.0, decode_experts=4)),
    Case("floor: slow at the floor, offline → local at the floor and says why",
         {"route": "local", "experts": 4},
         ("at the minimum N=4, not below the model's useful minimum N=4",),
         policy=replace(FLOOR, remote_available=False, remote_unavailable_why="offline"),
         machine=replace(PLENTY, decode_tokens_per_s=1.0, decode_experts=4)),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_rules(case: Case) -> None:
    got = run(case.query, case.policy, case.model, case.machine, case.state)
    for field_name, want in case.expect.items():
        assert getattr(got, field_name) == want, (field_name, got)
    for fragment in case.reason_has:
        assert fragment in got.reason, got.reason


def test_reason_names_sizes_in_gigabytes() -> None:
    got = run(machine=MachineState(available_bytes=3_100_000_000))
    assert got.route == "remote"
    assert got.reason == "low memory: 3.1 GB free, model needs 4.6 GB + 1.1 GB reserved → remote"


# -------------------------------------------------------------------- hysteresis
SLOW_POLICY = replace(POLICY, mode="thorough", experts_max=4)


def step(state: DecisionState, speed: float, measured_n: int) -> tuple[Decision, DecisionState]:
    d = run(policy=SLOW_POLICY, machine=replace(PLENTY, decode_tokens_per_s=speed,
                                                decode_experts=measured_n), state=state)
    return d, d.next_state(state)


def test_experts_go_down_at_once_and_back_up_one_step_at_a_time() -> None:
    d, s = step(DecisionState(), 2.0, 4)
    assert d.experts == 2
    # Just above the floor at N=2: N=3 would be predicted at 2.8 tok/s (< floor·margin), stay.
    d, s = step(s, 3.5, 2)
    assert d.experts == 2
    # Clearly fast: 5·1000/1250 = 4.0 ≥ 3·1.25, go up by one only.
    d, s = step(s, 5.0, 2)
    assert d.experts == 3
    d, s = step(s, 5.0, 3)  # 5·1250/1500 = 4.17 ≥ 3.75 → the cap lifts at max
    assert d.experts == 4
    assert s.speed_cap is None


def test_no_reversals_when_speed_jitters_around_the_floor() -> None:
    """N may step down while the speed stays under the floor, but never bounces back up."""
    _, s = step(DecisionState(), 2.9, 4)
    seen = []
    for speed in [3.1, 2.95, 3.2, 2.99, 3.3, 3.0] * 3:
        d, s = step(s, speed, s.experts or 4)
        seen.append(d.experts or 0)
    steps = [b - a for a, b in itertools.pairwise(seen) if a and b and a != b]
    assert all(x < 0 for x in steps), seen


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(3.0, 4.6), min_size=1, max_size=20))
def test_speeds_inside_the_band_keep_n(speeds: list[float]) -> None:
    """Speeds whose prediction one N up stays under floor·margin (3.75) keep N."""
    _, s = step(DecisionState(), 2.0, 4)
    assert s.experts == 2
    for speed in speeds:
        d, s = step(s, speed, 2)
        assert d.experts == 2


def test_context_is_kept_when_it_still_fits() -> None:
    first = run(query=QueryNeeds(1500, 512))
    assert first.context == 2048
    again = run(query=QueryNeeds(100, 100), state=first.next_state(DecisionState()))
    assert again.context == 2048  # no KV-cache rebuild for a short follow-up
    tight = run(
        query=QueryNeeds(100, 100),
        state=first.next_state(DecisionState()),
        machine=MachineState(available_bytes=budget_for(1024)),
    )
    assert tight.context == CONTEXT_STEP  # the kept context no longer fits: shrink


def test_remote_answers_keep_the_local_plan() -> None:
    local = run()
    state = local.next_state(DecisionState())
    remote = run(query=QueryNeeds(3900, 512), state=state)
    assert remote.route == "remote"
    assert remote.next_state(state) == state


# -------------------------------------------------------------------- invariants
@settings(max_examples=300, deadline=None)
@given(
    prompt=st.integers(0, 6000),
    answer=st.integers(1, 2000),
    trimmed=st.one_of(st.none(), st.integers(0, 3000)),
    free_mb=st.integers(0, 20_000),
    speed=st.one_of(st.none(), st.floats(0.1, 50)),
    measured=st.integers(1, 8),
    lo=st.integers(1, 8),
    span=st.integers(0, 7),
    battery=st.booleans(),
    remote=st.booleans(),
    battery_rule=st.sampled_from(["keep", "fewer_experts", "remote"]),
    mode=st.sampled_from(["fast", "balanced", "thorough"]),
    useful=st.one_of(st.none(), st.integers(1, 8)),
    below_ok=st.booleans(),
)
def test_local_decisions_respect_bounds(
    *,
    prompt: int, answer: int, trimmed: int | None, free_mb: int, speed: float | None,
    measured: int, lo: int, span: int, battery: bool, remote: bool, battery_rule: Any,
    mode: Any, useful: int | None, below_ok: bool,
) -> None:
    hi = min(8, lo + span)
    policy = replace(POLICY, experts_min=lo, experts_max=hi, experts_default=min(max(2, lo), hi),
                     remote_available=remote, on_battery=battery_rule, mode=mode,
                     useful_min=useful, allow_below_useful=below_ok)
    # Without the policy's permission nothing goes below the floor (itself within lo..hi).
    floor = lo if below_ok or useful is None else min(max(useful, lo), hi)
    assert lo <= policy.experts_floor <= policy.mode_experts() <= hi
    machine = MachineState(available_bytes=free_mb * MB, on_battery=battery,
                           decode_tokens_per_s=speed, decode_experts=measured)
    d = run(QueryNeeds(prompt, answer, trimmed), policy, MODEL, machine)
    assert d.reason
    if d.route == "local":
        assert d.experts is not None and d.context is not None
        assert floor <= d.experts <= hi
        kept_prompt = trimmed if d.trim else prompt
        assert kept_prompt is not None
        assert kept_prompt < d.context <= MODEL.context_length
        assert 0 < d.max_tokens <= answer
        assert kept_prompt + d.max_tokens <= d.context
    elif d.route == "refuse":
        assert not remote
    else:
        assert remote


# -------------------------------------------------------------------- from_settings
class FakeSettings:
    def __init__(self, **values: Any) -> None:
        self.values = {
            "experts.default": 0, "experts.min": 1, "experts.max": 0, "experts.mode": "balanced",
            "experts.user_can_choose": True, "experts.adaptive": True,
            "resources.reserve_ram_mb": 1024, "resources.max_context_tokens": 0,
            "resources.min_tokens_per_s": 3.0, "resources.on_battery": "fewer_experts",
            "fallback.allow_when_offline_local_fails": True, "experts.allow_below_useful": False,
        }
        self.values.update({k.replace("__", "."): v for k, v in values.items()})

    def get_bool(self, key: str) -> bool:
        return bool(self.values[key])

    def get_int(self, key: str) -> int:
        return int(self.values[key])

    def get_float(self, key: str) -> float:
        return float(self.values[key])

    def get_str(self, key: str) -> str:
        return str(self.values[key])


@pytest.mark.parametrize(
    ("values", "expect"),
    [
        ({}, (2, 1, 8)),  # 0 = the model's own default and expert count
        ({"experts__default": 4, "experts__max": 6}, (4, 1, 6)),
        ({"experts__default": 7, "experts__max": 6}, (6, 1, 6)),
        ({"experts__min": 3}, (3, 3, 8)),
        ({"experts__min": 12, "experts__max": 20}, (8, 8, 8)),  # beyond the model: clamped
    ],
)
def test_policy_from_settings_resolves_bounds(
    values: dict[str, Any], expect: tuple[int, int, int]
) -> None:
    p = DecisionPolicy.from_settings(FakeSettings(**values), 8, 2)
    assert (p.experts_default, p.experts_min, p.experts_max) == expect


@pytest.mark.parametrize(("mode", "n"), [("fast", 2), ("balanced", 3), ("thorough", 6)])
def test_mode_mapping(mode: str, n: int) -> None:
    s = FakeSettings(experts__mode=mode, experts__min=2, experts__max=6, experts__default=3)
    assert DecisionPolicy.from_settings(s, 8, 2).mode_experts() == n


@pytest.mark.parametrize(
    ("values", "useful", "expect"),
    [
        # (floor, source) → (fast, balanced, thorough, floor source)
        ({}, UsefulRange(6, "file"), (6, 11, 16, "file")),
        ({}, UsefulRange(6, "rule"), (6, 11, 16, "rule")),
        ({}, UsefulRange(6, "file", recommended=9), (6, 9, 16, "file")),  # file's default
        ({"experts__min": 8}, UsefulRange(6, "file"), (8, 11, 16, "policy_min")),
        ({"experts__min": 2}, UsefulRange(6, "file"), (6, 11, 16, "file")),
        ({"experts__max": 4}, UsefulRange(6, "file"), (4, 4, 4, "policy_max")),
        ({"experts__default": 3}, UsefulRange(6, "rule"), (6, 6, 16, "rule")),
    ],
)
def test_modes_map_inside_the_useful_range(
    values: dict[str, Any], useful: UsefulRange, expect: tuple[int, int, int, str]
) -> None:
    """Fast, Balanced and Thorough stay in [floor, policy max] (16 experts, trained top-11)."""
    got = []
    for mode in ("fast", "balanced", "thorough"):
        p = DecisionPolicy.from_settings(
            FakeSettings(experts__mode=mode, **values), 16, 11, useful=useful
        )
        assert p.experts_min <= p.experts_floor <= p.mode_experts() <= p.experts_max
        got.append(p.mode_experts())
    assert (*got, p.floor_source) == expect


def test_allow_below_useful_lowers_only_the_pressure_bound() -> None:
    useful = UsefulRange(6, "file")
    strict = DecisionPolicy.from_settings(FakeSettings(experts__mode="fast"), 16, 11, useful=useful)
    loose = DecisionPolicy.from_settings(
        FakeSettings(experts__mode="fast", experts__allow_below_useful=True), 16, 11, useful=useful
    )
    assert (strict.experts_lowest, strict.mode_experts()) == (6, 6)
    assert (loose.experts_lowest, loose.mode_experts()) == (1, 6)


def test_a_file_that_fixes_n_has_no_floor() -> None:
    p = DecisionPolicy.from_settings(
        FakeSettings(experts__mode="fast"), 16, 11, fixed_experts=11,
        useful=UsefulRange(6, "file"),
    )
    assert (p.mode_experts(), p.useful_min, p.floor_source) == (11, None, "policy")


def test_policy_from_settings_copies_resources() -> None:
    s = FakeSettings(resources__reserve_ram_mb=2048, resources__on_battery="remote",
                     resources__min_tokens_per_s=5.5)
    p = DecisionPolicy.from_settings(s, 8, 2, remote_available=True)
    assert p.reserve_bytes == 2048 * MB
    assert p.on_battery == "remote"
    assert p.min_tokens_per_s == 5.5
    assert p.remote_available
    assert RAISE_MARGIN > 1


def test_needs_from_an_inspected_model(tiny_moe_path: Path) -> None:
    info = inspect_model(tiny_moe_path)
    needs = ModelNeeds.from_info(info)
    assert needs.weights_bytes == tiny_moe_path.stat().st_size
    assert needs.expert_count == 8
    assert needs.context_length == 1024
    # 4 layers · 2 KV heads · 16 dims · (K + V) · 2 bytes (f16)
    assert needs.kv_bytes_per_token == 4 * 2 * 16 * 2 * 2
    assert needs.bytes_per_token[8] > needs.bytes_per_token[1]
    assert needs.memory_needed(512) == needs.weights_bytes + 512 * 512 + needs.compute_bytes


# -------------------------------------------------------------------- machine inputs
def test_speed_tracker_uses_the_median_at_the_latest_n() -> None:
    from engine.local.machine import DecodeSpeedTracker

    t = DecodeSpeedTracker(samples_per_n=3)
    assert t.recent() is None
    t.record(4, generated_tokens=4, decode_seconds=1.0)  # too short to count
    assert t.recent() is None
    for tps in (10.0, 2.0, 11.0, 12.0):  # the ring keeps the last three
        t.record(4, generated_tokens=int(tps * 10), decode_seconds=10.0)
    recent = t.recent()
    assert recent is not None and (recent.experts, recent.tokens_per_s) == (4, 11.0)
    t.record_speed(2, tokens_per_s=5.0, generated_tokens=50)
    recent = t.recent()
    assert recent is not None and (recent.experts, recent.tokens_per_s) == (2, 5.0)
    t.clear()
    assert t.recent() is None


def test_snapshot_reads_this_machine() -> None:
    from engine.local.machine import DecodeSpeedTracker, snapshot

    t = DecodeSpeedTracker()
    t.record(3, generated_tokens=30, decode_seconds=3.0)
    m = snapshot(t, resident_bytes=123)
    assert 0 < m.available_bytes <= m.total_bytes
    assert m.cpu_load >= 0
    assert (m.decode_experts, m.decode_tokens_per_s, m.resident_bytes) == (3, 10.0, 123)
