"""The per-query decision: route (local/remote/refuse), active experts N, context size, reason.

This module is pure state and arithmetic; it does no I/O. Callers gather the
inputs (:class:`QueryNeeds` from the prompt, :class:`DecisionPolicy` from the
settings layer, :class:`ModelNeeds` from model inspection, a machine snapshot
from :mod:`engine.local.machine`) and get back a :class:`Decision` plus the next
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

This module owns the output (:class:`Decision`) and the order the rules are
applied in (:func:`decide`). The inputs live in :mod:`engine.decision.inputs`,
the rules in :mod:`engine.decision.rules`, the hysteresis state and speed cap in
:mod:`engine.decision.hysteresis`; their public names are re-exported here, so
callers import everything from ``engine.decision``.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.decision.hysteresis import RAISE_MARGIN, DecisionState
from engine.decision.inputs import (
    COMPUTE_BYTES,
    PREFERRED_CONTEXT,
    BatteryRule,
    DecisionPolicy,
    ExpertsMode,
    MachineState,
    ModelNeeds,
    QueryNeeds,
    SettingsReader,
)
from engine.decision.rules import (
    CONTEXT_STEP,
    MIN_ANSWER_TOKENS,
    NotLocalError,
    context_rule,
    experts_rule,
    memory_rule,
)
from engine.events import Route
from engine.reasons import Reason, ReasonPart, part, render, text_part


@dataclass(frozen=True)
class Decision:
    """Where and how one query runs, and why, in words an operator can read."""

    route: Route
    experts: int | None
    context: int | None
    reason: str
    """The reason in English: ``render(reason_parts)`` (or set by hand, then parts are empty)."""
    max_tokens: int
    trim: bool = False
    """Drop old turns so the prompt fits (only with ``route == "local"``)."""
    speed_cap: int | None = None
    reason_parts: Reason = ()
    """The reason as structured parts (:mod:`engine.reasons`), for translated display."""

    @classmethod
    def of(
        cls,
        route: Route,
        experts: int | None,
        context: int | None,
        parts: Reason,
        max_tokens: int,
        *,
        trim: bool = False,
        speed_cap: int | None = None,
    ) -> Decision:
        """A decision whose English ``reason`` is rendered from ``parts``."""
        return cls(route, experts, context, render(parts), max_tokens, trim, speed_cap, parts)

    def next_state(self, previous: DecisionState) -> DecisionState:
        """The state to pass to the next decision; remote answers keep the local plan."""
        if self.route != "local":
            return previous
        return DecisionState(self.experts, self.context, self.speed_cap)


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
            why = model.unusable_part or text_part(model.unusable_why)
            raise NotLocalError((part("model.unavailable"), why), local_broken=True)
        prompt, max_tokens, trim, notes = context_rule(query, policy, model)
        context, max_tokens, memory_note = memory_rule(
            prompt, max_tokens, policy=policy, model=model, machine=machine, state=state
        )
        experts, speed_cap, origin, adjusted = experts_rule(
            query, policy, model, machine, state
        )
    except NotLocalError as exc:
        return _not_local(exc, query, policy)
    reasons = (*notes, *memory_note, *adjusted)
    parts = (*origin, *reasons) if reasons else (*origin, part("local.fine"))
    return Decision.of(
        "local", experts, context, parts, max_tokens, trim=trim, speed_cap=speed_cap
    )


def _not_local(exc: NotLocalError, query: QueryNeeds, policy: DecisionPolicy) -> Decision:
    """A rule ruled out local: remote when the policy allows it here, else refuse and say why."""
    why_not: ReasonPart = text_part(policy.remote_unavailable_why)
    if policy.remote_available and exc.local_broken and not policy.remote_when_local_fails:
        why_not = part("policy.local_when_model_fails")
    elif policy.remote_available:
        parts = (*exc.parts, part("then.remote"))
        return Decision.of("remote", None, None, parts, query.max_tokens)
    parts = (*exc.parts, why_not, part("then.refused"))
    return Decision.of("refuse", None, None, parts, query.max_tokens)


__all__ = [
    "COMPUTE_BYTES",
    "CONTEXT_STEP",
    "MIN_ANSWER_TOKENS",
    "PREFERRED_CONTEXT",
    "RAISE_MARGIN",
    "BatteryRule",
    "Decision",
    "DecisionPolicy",
    "DecisionState",
    "ExpertsMode",
    "MachineState",
    "ModelNeeds",
    "QueryNeeds",
    "SettingsReader",
    "decide",
]
