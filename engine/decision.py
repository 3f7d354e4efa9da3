"""The per-query decision: route (local/remote/refuse), active experts N, context size, reason.

This module is pure state and arithmetic; it does no I/O. Callers gather the
inputs (:class:`QueryNeeds` from the prompt, :class:`DecisionPolicy` from the
settings layer, :class:`ModelNeeds` from model inspection, a machine snapshot
from :mod:`engine.machine`) and get back a :class:`Decision` plus the next
:class:`DecisionState`, which carries the hysteresis from one query to the next.

Rules, in the order they are applied:

5. the local model is missing, corrupt or being replaced → remote (or refuse);
2. prompt + answer beyond the local context maximum → remote, else trim old
   turns (or shorten the answer) and stay local;
1. memory: weights + KV cache for the context + compute buffers + reserve must
   fit in available memory; else a shorter context that still holds the prompt;
   else remote; with no remote, local anyway and say so;
4. battery (``on_battery``): keep, fewer experts, or remote;
3. speed: recent decode speed under ``min_tokens_per_s`` lowers N within the
   policy bounds; at the minimum already, remote when allowed.

Rule 5 and 2 come first because they are about *whether* local can answer at
all; memory then sizes the context; battery and speed tune N.

Invariants: a local decision's N is within ``[policy.experts_min,
policy.experts_max]`` and within ``1..model.expert_count``; its context is at
least the prompt (after trimming) and at most the local maximum. N only drops
when measured speed is below the floor and only rises again when the speed
predicted at the higher N clears the floor by :data:`RAISE_MARGIN` — so N does
not flap between queries (every N change costs a model reload).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Protocol

from engine.events import Route

if TYPE_CHECKING:
    from engine.model_info import ModelInfo

ExpertsMode = Literal["fast", "balanced", "thorough"]
BatteryRule = Literal["keep", "fewer_experts", "remote"]

CONTEXT_STEP = 256
"""Contexts round up to this many tokens, so small prompt changes keep the KV cache."""

PREFERRED_CONTEXT = 4096
"""The context genba loads by default (capped by the model and the policy)."""

MIN_ANSWER_TOKENS = 64
"""The shortest answer room worth running locally after shrinking the context."""

RAISE_MARGIN = 1.25
"""N goes back up only when the predicted speed at the higher N is this far above the floor."""

COMPUTE_BYTES = 256 * 1024 * 1024
"""Estimate of llama.cpp's compute buffers and runtime overhead (batch 256, CPU)."""

_GB = 1_000_000_000


# --------------------------------------------------------------------------- inputs
@dataclass(frozen=True)
class DecisionPolicy:
    """The settings that steer the decision, already resolved against the model.

    ``experts_default``/``experts_max`` are concrete numbers here (the settings
    layer's 0 means "the model's own"; :meth:`from_settings` resolves that).
    """

    experts_default: int
    experts_min: int
    experts_max: int
    mode: ExpertsMode = "balanced"
    user_can_choose: bool = True
    adaptive: bool = True
    reserve_bytes: int = 0
    max_context_tokens: int = 0
    """0 means the model's own context length."""
    preferred_context: int = PREFERRED_CONTEXT
    """Context loaded when memory allows, so a growing chat does not reload at every step."""
    min_tokens_per_s: float = 0.0
    """0 disables the speed rule."""
    on_battery: BatteryRule = "keep"
    remote_available: bool = False
    """Fallback enabled, a URL set, and not offline (see :mod:`engine.network`)."""
    remote_unavailable_why: str = "remote fallback is off"
    remote_when_local_fails: bool = True
    """``fallback.allow_when_offline_local_fails``: a broken local model may go remote."""

    @classmethod
    def from_settings(
        cls,
        settings: SettingsReader,
        model_expert_count: int,
        model_default_experts: int | None = None,
        *,
        remote_available: bool = False,
        remote_unavailable_why: str = "remote fallback is off",
    ) -> DecisionPolicy:
        """Resolve the ``experts.*``/``resources.*`` settings against one model.

        ``remote_available`` comes from :func:`engine.network.remote_status`, which
        owns the offline rule; it is passed in so this module stays free of I/O.
        """
        count = max(1, model_expert_count)
        own_default = model_default_experts or count
        lo = _clamp(settings.get_int("experts.min") or 1, 1, count)
        hi = settings.get_int("experts.max") or count
        hi = _clamp(hi, lo, count)
        default = settings.get_int("experts.default") or own_default
        mode = settings.get_str("experts.mode")
        battery = settings.get_str("resources.on_battery")
        return cls(
            experts_default=_clamp(default, lo, hi),
            experts_min=lo,
            experts_max=hi,
            mode=mode if mode in ("fast", "balanced", "thorough") else "balanced",  # type: ignore[arg-type]
            user_can_choose=settings.get_bool("experts.user_can_choose"),
            adaptive=settings.get_bool("experts.adaptive"),
            reserve_bytes=max(0, settings.get_int("resources.reserve_ram_mb")) * 1024 * 1024,
            max_context_tokens=max(0, settings.get_int("resources.max_context_tokens")),
            min_tokens_per_s=max(0.0, settings.get_float("resources.min_tokens_per_s")),
            on_battery=battery if battery in ("keep", "fewer_experts", "remote") else "keep",  # type: ignore[arg-type]
            remote_available=remote_available,
            remote_unavailable_why=remote_unavailable_why,
            remote_when_local_fails=settings.get_bool("fallback.allow_when_offline_local_fails"),
        )

    def mode_experts(self) -> int:
        """The N the experts mode asks for: fast → min, balanced → default, thorough → max."""
        if self.mode == "fast":
            return self.experts_min
        if self.mode == "thorough":
            return self.experts_max
        return _clamp(self.experts_default, self.experts_min, self.experts_max)


class SettingsReader(Protocol):
    """The part of ``engine.settings.Settings`` the policy builder reads."""

    def get_bool(self, key: str) -> bool: ...
    def get_int(self, key: str) -> int: ...
    def get_float(self, key: str) -> float: ...
    def get_str(self, key: str) -> str: ...


@dataclass(frozen=True)
class ModelNeeds:
    """What the local model costs, from inspection. All sizes in bytes."""

    expert_count: int
    expert_used_count: int
    context_length: int
    weights_bytes: int
    """Resident weights: llama.cpp maps every expert whatever N is."""
    kv_bytes_per_token: int
    bytes_per_token: Mapping[int, int] = field(default_factory=dict)
    """Weight bytes read per generated token at each N (drives the speed estimate)."""
    compute_bytes: int = 0
    """Compute buffers and runtime overhead, independent of N."""
    usable: bool = True
    unusable_why: str = ""

    def memory_needed(self, context: int) -> int:
        """Bytes local generation needs at this context size (reserve not included)."""
        return self.weights_bytes + self.kv_bytes_per_token * context + self.compute_bytes

    @classmethod
    def from_info(cls, info: ModelInfo, compute_bytes: int = COMPUTE_BYTES) -> ModelNeeds:
        """Needs of an inspected model (weights = the whole file: every expert is mapped)."""
        return cls(
            expert_count=info.expert_count,
            expert_used_count=info.expert_used_count,
            context_length=info.context_length or 4096,
            weights_bytes=info.file_bytes,
            kv_bytes_per_token=info.kv_bytes_per_token,
            bytes_per_token=info.bytes_per_token_by_n,
            compute_bytes=compute_bytes,
        )

    @classmethod
    def missing(cls, why: str) -> ModelNeeds:
        """Needs of a model that cannot run (missing, corrupt, being replaced)."""
        return cls(0, 0, 0, 0, 0, usable=False, unusable_why=why)


@dataclass(frozen=True)
class MachineState:
    """A snapshot of the machine's resources (see :func:`engine.machine.snapshot`)."""

    available_bytes: int
    total_bytes: int = 0
    cpu_load: float = 0.0
    """Run-queue length per core over the last minute (1.0 = every core busy)."""
    on_battery: bool = False
    battery_percent: float | None = None
    decode_tokens_per_s: float | None = None
    """Recent local decode speed, or None before the first local answer."""
    decode_experts: int | None = None
    """The N that speed was measured at."""
    resident_bytes: int = 0
    """Memory the engine's own loaded model already holds (counted as available to it)."""


@dataclass(frozen=True)
class QueryNeeds:
    """What one query asks for."""

    prompt_tokens: int
    max_tokens: int
    min_prompt_tokens: int | None = None
    """Prompt tokens after dropping old turns (system + last message); None = can't trim."""
    experts: int | None = None
    """An explicit N the operator picked, honoured when the policy lets them choose."""


@dataclass(frozen=True)
class DecisionState:
    """What the previous query decided: the hysteresis memory."""

    experts: int | None = None
    context: int | None = None
    speed_cap: int | None = None
    """Highest N the speed rule currently allows (None = no cap)."""


# --------------------------------------------------------------------------- output
@dataclass(frozen=True)
class Decision:
    """Where and how one query runs, and why, in words an operator can read."""

    route: Route
    experts: int | None
    context: int | None
    reason: str
    max_tokens: int
    trim: bool = False
    """Drop old turns so the prompt fits (only with ``route == "local"``)."""
    speed_cap: int | None = None

    def next_state(self, previous: DecisionState) -> DecisionState:
        """The state to pass to the next decision; remote answers keep the local plan."""
        if self.route != "local":
            return previous
        return DecisionState(self.experts, self.context, self.speed_cap)


# --------------------------------------------------------------------------- rules
class _NotLocalError(Exception):
    """Internal: a rule decided the query should not run locally."""

    def __init__(self, why: str, *, local_broken: bool = False) -> None:
        super().__init__(why)
        self.why = why
        self.local_broken = local_broken


def decide(
    query: QueryNeeds,
    policy: DecisionPolicy,
    model: ModelNeeds,
    machine: MachineState,
    state: DecisionState | None = None,
) -> Decision:
    """Decide route, N, context and reason for one query (see the module docstring)."""
    state = state or DecisionState()
    try:
        if not model.usable:
            raise _NotLocalError(
                f"local model unavailable: {model.unusable_why}", local_broken=True
            )
        prompt, max_tokens, trim, notes = _context_rule(query, policy, model)
        context, max_tokens, memory_note = _memory_rule(
            prompt, max_tokens, policy=policy, model=model, machine=machine, state=state
        )
        experts, speed_cap, origin, adjusted = _experts_rule(
            query, policy, model, machine, state
        )
    except _NotLocalError as exc:
        why_not = policy.remote_unavailable_why
        if policy.remote_available and exc.local_broken and not policy.remote_when_local_fails:
            why_not = "policy keeps questions local when the local model fails"
        elif policy.remote_available:
            return Decision("remote", None, None, f"{exc.why} → remote", query.max_tokens)
        return Decision("refuse", None, None, f"{exc.why}; {why_not} → refused", query.max_tokens)
    reasons = [n for n in (*notes, memory_note, adjusted) if n]
    reason = "; ".join([origin, *reasons]) if reasons else f"{origin}; resources fine → local"
    return Decision("local", experts, context, reason, max_tokens, trim, speed_cap)


def _context_rule(
    query: QueryNeeds, policy: DecisionPolicy, model: ModelNeeds
) -> tuple[int, int, bool, list[str]]:
    """Rule 2: prompt + answer must fit the local context, else remote or trim."""
    local_max = _local_max_context(policy, model)
    prompt, max_tokens = query.prompt_tokens, query.max_tokens
    if prompt + max_tokens <= local_max:
        return prompt, max_tokens, False, []
    over = f"prompt {prompt} + answer {max_tokens} tokens > local context {local_max}"
    if policy.remote_available:
        raise _NotLocalError(over)
    if prompt + MIN_ANSWER_TOKENS <= local_max:
        kept = local_max - prompt
        return prompt, kept, False, [
            f"{over}; {policy.remote_unavailable_why} → answer limited to {kept} tokens"
        ]
    trimmed = query.min_prompt_tokens
    if trimmed is not None and trimmed + MIN_ANSWER_TOKENS <= local_max:
        return trimmed, min(max_tokens, local_max - trimmed), True, [
            f"{over}; {policy.remote_unavailable_why} → old turns trimmed"
        ]
    raise _NotLocalError(f"{over}, even without old turns")


def _memory_rule(
    prompt: int,
    max_tokens: int,
    *,
    policy: DecisionPolicy,
    model: ModelNeeds,
    machine: MachineState,
    state: DecisionState,
) -> tuple[int, int, str]:
    """Rule 1: weights + KV + buffers + reserve must fit; shrink the context, else remote."""
    local_max = _local_max_context(policy, model)
    wanted = min(local_max, max(policy.preferred_context, _round_up(prompt + max_tokens)))
    budget = machine.available_bytes + machine.resident_bytes - policy.reserve_bytes
    # Keep the previous context when it is big enough and fits: recreating it costs time.
    if (
        state.context
        and wanted <= state.context <= local_max
        and model.memory_needed(state.context) <= budget
    ):
        return state.context, max_tokens, ""
    if model.memory_needed(wanted) <= budget:
        return wanted, max_tokens, ""
    smallest = min(local_max, prompt + min(max_tokens, MIN_ANSWER_TOKENS))
    spare = budget - model.weights_bytes - model.compute_bytes
    fits = spare // model.kv_bytes_per_token if model.kv_bytes_per_token else wanted
    context = min(wanted, (fits // CONTEXT_STEP) * CONTEXT_STEP or fits)
    if context >= prompt + max_tokens:
        return context, max_tokens, ""  # smaller than preferred, but the query fits
    if context >= smallest:
        return context, min(max_tokens, context - prompt), (
            f"low memory: {_size(max(budget, 0))} usable → context {context} tokens"
        )
    smallest = min(local_max, _round_up(smallest))
    need = model.memory_needed(smallest)
    have = machine.available_bytes + machine.resident_bytes
    note = f"low memory: {_size(have)} free, model needs {_size(need)}"
    if policy.reserve_bytes:
        note += f" + {_size(policy.reserve_bytes)} reserved"
    if policy.remote_available:
        raise _NotLocalError(note)
    return smallest, min(max_tokens, smallest - prompt), (
        f"{note}; {policy.remote_unavailable_why} → local anyway"
    )


def _experts_rule(
    query: QueryNeeds,
    policy: DecisionPolicy,
    model: ModelNeeds,
    machine: MachineState,
    state: DecisionState,
) -> tuple[int, int | None, str, str]:
    """Rules 4 and 3: the mode's N or the operator's pick, then battery, then speed.

    Returns N, the new speed cap, where N came from, and what changed it ("" if nothing).
    """
    target, origin = _requested_experts(query, policy, model)
    lo = min(policy.experts_min, target)
    if machine.on_battery and policy.on_battery != "keep":
        if policy.on_battery == "remote" and policy.remote_available:
            raise _NotLocalError("on battery, policy prefers remote")
        why = "" if policy.on_battery == "fewer_experts" else f", {policy.remote_unavailable_why}"
        return lo, state.speed_cap, origin, f"on battery{why} → N={lo}"
    if not policy.adaptive:
        return target, None, origin, ""
    cap = _speed_cap(policy, model, machine, state)
    if _speed_low(policy, machine) and (machine.decode_experts or 0) <= lo:
        slow = f"{_speed_reason(policy, machine)} at the minimum N={lo}"
        if policy.remote_available:
            raise _NotLocalError(slow)
        return lo, cap, origin, slow
    if cap is not None and cap < target:
        return cap, cap, origin, f"{_speed_reason(policy, machine)} → N={cap}"
    return target, cap, origin, ""


def _requested_experts(
    query: QueryNeeds, policy: DecisionPolicy, model: ModelNeeds
) -> tuple[int, str]:
    """The N asked for by the experts mode or the operator, in policy bounds, and whence."""
    target = policy.mode_experts()
    origin = f"N={target} by {policy.mode} mode"
    if query.experts is not None:
        if not policy.user_can_choose:
            origin += " (experts are set by policy)"
        else:
            target = _clamp(query.experts, policy.experts_min, policy.experts_max)
            origin = f"N={query.experts} requested"
            if target != query.experts:
                origin += (
                    f", outside policy {policy.experts_min}..{policy.experts_max} → N={target}"
                )
    return _clamp(target, 1, max(1, model.expert_count)), origin


def _speed_cap(
    policy: DecisionPolicy, model: ModelNeeds, machine: MachineState, state: DecisionState
) -> int | None:
    """The highest N the measured speed allows, with hysteresis against flapping."""
    speed, measured_n = machine.decode_tokens_per_s, machine.decode_experts
    floor = policy.min_tokens_per_s
    if floor <= 0 or speed is None or measured_n is None:
        return state.speed_cap
    lo, hi = policy.experts_min, policy.experts_max
    if speed < floor:
        # Too slow: the largest N below the measured one predicted to clear the floor.
        for n in range(min(measured_n - 1, hi), lo - 1, -1):
            if _predict(model, speed, measured_n, n) >= floor:
                return n
        return lo
    cap = state.speed_cap
    if cap is None or measured_n < cap:
        # Speed measured below the cap says little about the cap itself.
        return cap
    # Fast enough at the cap: raise it one step, and only with a clear margin.
    if _predict(model, speed, measured_n, cap + 1) >= floor * RAISE_MARGIN:
        return None if cap + 1 >= hi else cap + 1
    return cap


def _predict(model: ModelNeeds, speed: float, measured_n: int, n: int) -> float:
    """Decode speed at N predicted from speed at measured N: it scales with bytes read per token."""
    have, want = model.bytes_per_token.get(measured_n), model.bytes_per_token.get(n)
    if not have or not want:
        # Without inspection numbers assume the expert share dominates the bytes read.
        return speed * measured_n / max(n, 1)
    return speed * have / want


def _speed_low(policy: DecisionPolicy, machine: MachineState) -> bool:
    speed = machine.decode_tokens_per_s
    return (
        policy.adaptive
        and policy.min_tokens_per_s > 0
        and speed is not None
        and speed < policy.min_tokens_per_s
    )


def _speed_reason(policy: DecisionPolicy, machine: MachineState) -> str:
    speed = machine.decode_tokens_per_s or 0.0
    return f"slow: {speed:.1f} tokens/s < {policy.min_tokens_per_s:g} tokens/s"


def _local_max_context(policy: DecisionPolicy, model: ModelNeeds) -> int:
    if policy.max_context_tokens > 0:
        return min(policy.max_context_tokens, model.context_length)
    return model.context_length


def _round_up(tokens: int) -> int:
    return max(CONTEXT_STEP, math.ceil(tokens / CONTEXT_STEP) * CONTEXT_STEP)


def _clamp(value: int, lo: int, hi: int) -> int:
    return max(lo, min(hi, value))


def _size(n: int) -> str:
    """Bytes as the operator reads them: GB with one decimal, MB below 1 GB."""
    if n >= _GB:
        return f"{n / _GB:.1f} GB"
    return f"{n / 1_000_000:.0f} MB"


__all__ = [
    "COMPUTE_BYTES",
    "CONTEXT_STEP",
    "MIN_ANSWER_TOKENS",
    "PREFERRED_CONTEXT",
    "RAISE_MARGIN",
    "Decision",
    "DecisionPolicy",
    "DecisionState",
    "MachineState",
    "ModelNeeds",
    "QueryNeeds",
    "decide",
]
