"""The decision's rules, one function each: context fit, memory, and experts (battery, speed).

Each rule reads the inputs from :mod:`engine.decision.inputs` and either
returns its part of a local decision (plus a note for the reason as
:class:`engine.reasons.ReasonPart` values, empty when it changed nothing) or
raises :class:`NotLocalError` when the query should not run on this PC.
:func:`engine.decision.decide` applies them in order and turns a
:class:`NotLocalError` into a remote or refuse decision; the exception never
leaves that function. Pure arithmetic, no I/O.
"""

from __future__ import annotations

import math

from engine.decision.hysteresis import DecisionState, speed_cap, speed_low, speed_reason
from engine.decision.inputs import DecisionPolicy, MachineState, ModelNeeds, QueryNeeds, clamp
from engine.reasons import Reason, part, render, text_part

CONTEXT_STEP = 256
"""Contexts round up to this many tokens, so small prompt changes keep the KV cache."""

MIN_ANSWER_TOKENS = 64
"""The shortest answer room worth running locally after shrinking the context."""

_GB = 1_000_000_000


class NotLocalError(Exception):
    """A rule decided the query should not run locally (caught by ``decide``, never raised on)."""

    def __init__(self, parts: Reason, *, local_broken: bool = False) -> None:
        super().__init__(render(parts))
        self.parts = parts
        self.local_broken = local_broken


def context_rule(
    query: QueryNeeds, policy: DecisionPolicy, model: ModelNeeds
) -> tuple[int, int, bool, Reason]:
    """Rule 2: prompt + answer must fit the local context, else remote or trim.

    Returns the prompt tokens to plan for, the answer room, whether to trim old
    turns, and notes for the reason.
    """
    local_max = local_max_context(policy, model)
    prompt, max_tokens = query.prompt_tokens, query.max_tokens
    if prompt + max_tokens <= local_max:
        return prompt, max_tokens, False, ()
    over = part("context.over", prompt=prompt, answer=max_tokens, context=local_max)
    why_not = text_part(policy.remote_unavailable_why)
    if policy.remote_available:
        raise NotLocalError((over,))
    if prompt + MIN_ANSWER_TOKENS <= local_max:
        kept = local_max - prompt
        return prompt, kept, False, (over, why_not, part("then.answer_limited", n=kept))
    trimmed = query.min_prompt_tokens
    if trimmed is not None and trimmed + MIN_ANSWER_TOKENS <= local_max:
        return trimmed, min(max_tokens, local_max - trimmed), True, (
            over, why_not, part("then.old_turns_trimmed")
        )
    raise NotLocalError((over, part("context.even_without_old_turns")))


def memory_rule(
    prompt: int,
    max_tokens: int,
    *,
    policy: DecisionPolicy,
    model: ModelNeeds,
    machine: MachineState,
    state: DecisionState,
) -> tuple[int, int, Reason]:
    """Rule 1: weights + KV + buffers + reserve must fit; shrink the context, else remote.

    Returns the context to load, the answer room, and a note (empty if memory was fine).
    """
    local_max = local_max_context(policy, model)
    wanted = min(local_max, max(policy.preferred_context, round_up(prompt + max_tokens)))
    budget = machine.available_bytes + machine.resident_bytes - policy.reserve_bytes
    # Keep the previous context when it is big enough and fits: recreating it costs time.
    if (
        state.context
        and wanted <= state.context <= local_max
        and model.memory_needed(state.context) <= budget
    ):
        return state.context, max_tokens, ()
    if model.memory_needed(wanted) <= budget:
        return wanted, max_tokens, ()
    smallest = min(local_max, prompt + min(max_tokens, MIN_ANSWER_TOKENS))
    spare = budget - model.weights_bytes - model.compute_bytes
    fits = spare // model.kv_bytes_per_token if model.kv_bytes_per_token else wanted
    context = min(wanted, (fits // CONTEXT_STEP) * CONTEXT_STEP or fits)
    if context >= prompt + max_tokens:
        return context, max_tokens, ()  # smaller than preferred, but the query fits
    if context >= smallest:
        return context, min(max_tokens, context - prompt), (
            part("memory.low_context", usable=format_size(max(budget, 0)), context=context),
        )
    smallest = min(local_max, round_up(smallest))
    return _short_of_memory(
        prompt, max_tokens, smallest, policy=policy, model=model, machine=machine
    )


def _short_of_memory(
    prompt: int,
    max_tokens: int,
    smallest: int,
    *,
    policy: DecisionPolicy,
    model: ModelNeeds,
    machine: MachineState,
) -> tuple[int, int, Reason]:
    """Even the smallest useful context does not fit: remote, or local anyway and say so."""
    need = model.memory_needed(smallest)
    have = machine.available_bytes + machine.resident_bytes
    note: Reason = (part("memory.low", free=format_size(have), need=format_size(need)),)
    if policy.reserve_bytes:
        note += (part("memory.reserved", reserved=format_size(policy.reserve_bytes)),)
    if policy.remote_available:
        raise NotLocalError(note)
    return smallest, min(max_tokens, smallest - prompt), (
        *note, text_part(policy.remote_unavailable_why), part("then.local_anyway")
    )


def experts_rule(
    query: QueryNeeds,
    policy: DecisionPolicy,
    model: ModelNeeds,
    machine: MachineState,
    state: DecisionState,
) -> tuple[int, int | None, Reason, Reason]:
    """Rules 4 and 3: the mode's N or the operator's pick, then battery, then speed.

    Returns N, the new speed cap, where N came from, and what changed it (empty if nothing).
    """
    target, origin = requested_experts(query, policy, model)
    lo = min(policy.experts_lowest, target)
    if machine.on_battery and policy.on_battery != "keep":
        if policy.on_battery == "remote" and policy.remote_available:
            raise NotLocalError((part("battery.prefers_remote"),))
        battery: Reason = (
            (part("battery"),)
            if policy.on_battery == "fewer_experts"
            else (part("battery.and"), text_part(policy.remote_unavailable_why))
        )
        return lo, state.speed_cap, origin, (
            *battery, part("then.experts", n=lo), *floor_note(policy, lo)
        )
    if not policy.adaptive:
        return target, None, origin, ()
    cap = speed_cap(policy, model, machine, state)
    if speed_low(policy, machine) and (machine.decode_experts or 0) <= lo:
        slow = (
            speed_reason(policy, machine), part("speed.at_minimum", n=lo), *floor_note(policy, lo)
        )
        if policy.remote_available:
            raise NotLocalError(slow)
        return lo, cap, origin, slow
    if cap is not None and cap < target:
        return cap, cap, origin, (
            speed_reason(policy, machine), part("then.experts", n=cap), *floor_note(policy, cap)
        )
    return target, cap, origin, ()


def floor_note(policy: DecisionPolicy, n: int) -> Reason:
    """What resource pressure did about the model's useful floor when it lowered N to ``n``.

    Below the floor (only when ``experts.allow_below_useful`` is on): say so. Held
    at the floor although ``experts.min`` is lower: say the policy kept it there.
    """
    floor = policy.experts_floor
    if n < floor:
        return (part("experts.below_useful", floor=floor),)
    if n == floor and policy.experts_min < floor and not policy.allow_below_useful:
        return (part("experts.kept_useful", floor=floor),)
    return ()


def floor_part(policy: DecisionPolicy, model: ModelNeeds) -> Reason:
    """The useful floor the modes keep to, and where it came from (empty when none is known)."""
    if policy.useful_min is None:
        return ()
    source = policy.floor_source
    floor = policy.experts_floor
    if source in ("policy_min", "policy_max"):
        return (part(f"experts.floor.{source}", n=floor, useful=policy.useful_min),)
    if source == "file":
        return (part("experts.floor.file", n=floor),)
    return (part("experts.floor.rule", n=floor, k=model.expert_used_count),)


def requested_experts(
    query: QueryNeeds, policy: DecisionPolicy, model: ModelNeeds
) -> tuple[int, Reason]:
    """The N asked for by the experts mode or the operator, in policy bounds, and whence."""
    target = policy.mode_experts()
    origin: Reason = (part(f"experts.mode.{policy.mode}", n=target),)
    if policy.mode == "fast" or target == policy.experts_floor > policy.experts_default:
        # The floor decided N: say which floor and where it came from.
        origin += floor_part(policy, model)
    if policy.experts_fixed is not None:
        if query.experts is not None and query.experts != policy.experts_fixed:
            origin = (part("experts.requested", n=query.experts),
                      part("experts.fixed_by_file", n=policy.experts_fixed))
    elif query.experts is not None:
        if not policy.user_can_choose:
            origin += (part("experts.set_by_policy"),)
        else:
            target = clamp(query.experts, policy.experts_lowest, policy.experts_max)
            origin = (part("experts.requested", n=query.experts),)
            safe = policy.experts_safe_max
            if safe is not None and query.experts > safe and target == safe:
                origin += (part("experts.safe_max", n=safe),)
            elif (
                query.experts < target == policy.experts_floor
                and policy.experts_floor > policy.experts_min
            ):
                origin += (part("experts.raised_to_useful", n=target),)
            elif target != query.experts:
                origin += (
                    part("experts.outside_policy", lo=policy.experts_min,
                         hi=policy.experts_max, n=target),
                )
    elif policy.mode == "thorough" and policy.experts_safe_max == target:
        origin += (part("experts.safe_max", n=target),)
    return clamp(target, 1, max(1, model.expert_count)), origin


def local_max_context(policy: DecisionPolicy, model: ModelNeeds) -> int:
    """The largest context local generation may use: the model's, capped by the policy."""
    if policy.max_context_tokens > 0:
        return min(policy.max_context_tokens, model.context_length)
    return model.context_length


def round_up(tokens: int) -> int:
    """``tokens`` rounded up to a whole :data:`CONTEXT_STEP` (at least one step)."""
    return max(CONTEXT_STEP, math.ceil(tokens / CONTEXT_STEP) * CONTEXT_STEP)


def format_size(n: int) -> str:
    """Bytes as the operator reads them: GB with one decimal, MB below 1 GB."""
    if n >= _GB:
        return f"{n / _GB:.1f} GB"
    return f"{n / 1_000_000:.0f} MB"
