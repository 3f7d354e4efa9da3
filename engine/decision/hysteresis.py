"""The decision's memory between queries, and the speed cap that uses it against flapping.

:class:`DecisionState` is what the previous local decision chose; the engine
keeps one and passes it to every :func:`engine.decision.decide`. The speed rule
reads it through :func:`speed_cap`: N drops as soon as measured decode speed is
below the policy floor, but rises again only one step at a time and only when
the speed predicted at the higher N clears the floor by :data:`RAISE_MARGIN`,
because every change of N costs a model reload. Pure arithmetic, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.decision.inputs import DecisionPolicy, MachineState, ModelNeeds
from engine.reasons import ReasonPart, part

RAISE_MARGIN = 1.25
"""N goes back up only when the predicted speed at the higher N is this far above the floor."""


@dataclass(frozen=True)
class DecisionState:
    """What the previous query decided: the hysteresis memory."""

    experts: int | None = None
    context: int | None = None
    speed_cap: int | None = None
    """Highest N the speed rule currently allows (None = no cap)."""


def speed_cap(
    policy: DecisionPolicy, model: ModelNeeds, machine: MachineState, state: DecisionState
) -> int | None:
    """The highest N the measured speed allows, with hysteresis against flapping."""
    speed, measured_n = machine.decode_tokens_per_s, machine.decode_experts
    floor = policy.min_tokens_per_s
    if floor <= 0 or speed is None or measured_n is None:
        return state.speed_cap
    lo, hi = policy.experts_lowest, policy.experts_max
    if speed < floor:
        # Too slow: the largest N below the measured one predicted to clear the floor.
        for n in range(min(measured_n - 1, hi), lo - 1, -1):
            if predict_speed(model, speed, measured_n, n) >= floor:
                return n
        return lo
    cap = state.speed_cap
    if cap is None or measured_n < cap:
        # Speed measured below the cap says little about the cap itself.
        return cap
    # Fast enough at the cap: raise it one step, and only with a clear margin.
    if predict_speed(model, speed, measured_n, cap + 1) >= floor * RAISE_MARGIN:
        return None if cap + 1 >= hi else cap + 1
    return cap


def predict_speed(model: ModelNeeds, speed: float, measured_n: int, n: int) -> float:
    """Decode speed at N predicted from speed at measured N: it scales with bytes read per token."""
    have, want = model.bytes_per_token.get(measured_n), model.bytes_per_token.get(n)
    if not have or not want:
        # Without inspection numbers assume the expert share dominates the bytes read.
        return speed * measured_n / max(n, 1)
    return speed * have / want


def speed_low(policy: DecisionPolicy, machine: MachineState) -> bool:
    """Whether the speed rule is on and the measured decode speed is under its floor."""
    speed = machine.decode_tokens_per_s
    return (
        policy.adaptive
        and policy.min_tokens_per_s > 0
        and speed is not None
        and speed < policy.min_tokens_per_s
    )


def speed_reason(policy: DecisionPolicy, machine: MachineState) -> ReasonPart:
    """The measured speed against the floor, as a part of the decision's reason."""
    speed = machine.decode_tokens_per_s or 0.0
    return part("speed.slow", speed=float(speed), floor=float(policy.min_tokens_per_s))
