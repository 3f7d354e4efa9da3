"""What the per-query decision is made from: the policy, the model's costs, the machine, the query.

Frozen dataclasses only, and no I/O: callers gather the values (the settings
layer, model inspection, :func:`engine.local.machine.snapshot`, the prompt) and
:func:`engine.decision.decide` reads them. :class:`DecisionPolicy` is already
resolved against one model, so its expert bounds are concrete numbers with
``1 <= experts_min <= experts_default <= experts_max <= expert_count``, and the
model's useful floor (:attr:`DecisionPolicy.experts_floor`) lies in
``experts_min..experts_max``: the answer modes never go below it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Protocol

from engine.reasons import ReasonPart

if TYPE_CHECKING:
    from engine.models.info import ModelInfo
    from engine.models.useful import UsefulRange

ExpertsMode = Literal["fast", "balanced", "thorough"]
BatteryRule = Literal["keep", "fewer_experts", "remote"]

PREFERRED_CONTEXT = 4096
"""The context genba loads by default (capped by the model and the policy)."""

COMPUTE_BYTES = 256 * 1024 * 1024
"""Estimate of llama.cpp's compute buffers and runtime overhead (batch 256, CPU)."""


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
    """Fallback enabled, a URL set, and not offline (see :mod:`engine.remote.network`)."""
    remote_unavailable_why: str = "remote fallback is off"
    remote_when_local_fails: bool = True
    """``fallback.allow_when_offline_local_fails``: a broken local model may go remote."""
    experts_safe_max: int | None = None
    """The largest N llama.cpp runs this model at on this PC, when it is below the model's."""
    experts_fixed: int | None = None
    """The file fixes N per layer (llama.cpp cannot override it): the only N that runs."""
    useful_min: int | None = None
    """The model's useful floor of N (:mod:`engine.models.useful`); None = no floor known."""
    useful_source: str = "rule"
    """Where ``useful_min`` came from: ``"file"`` (the GGUF's key) or ``"rule"`` (the default)."""
    allow_below_useful: bool = False
    """``experts.allow_below_useful``: resource pressure may go below the useful floor."""

    @property
    def experts_floor(self) -> int:
        """The lowest N the modes use: the useful floor, inside ``experts_min..experts_max``.

        The policy wins over the model: a higher ``experts.min`` raises it, and a lower
        ``experts.max`` (or the safe maximum of this PC) caps it.
        """
        if self.useful_min is None:
            return self.experts_min
        return clamp(self.useful_min, self.experts_min, self.experts_max)

    @property
    def floor_source(self) -> str:
        """Why :attr:`experts_floor` is what it is: ``file``, ``rule``, ``policy_min``,
        ``policy_max`` or ``policy`` (no model floor known)."""
        if self.useful_min is None:
            return "policy"
        if self.experts_floor > self.useful_min:
            return "policy_min"
        if self.experts_floor < self.useful_min:
            return "policy_max"
        return self.useful_source

    @property
    def experts_lowest(self) -> int:
        """The lowest N anything may choose: ``experts_min`` when the policy allows going
        below the useful floor, else the floor."""
        return self.experts_min if self.allow_below_useful else self.experts_floor

    @classmethod
    def from_settings(
        cls,
        settings: SettingsReader,
        model_expert_count: int,
        model_default_experts: int | None = None,
        *,
        remote_available: bool = False,
        remote_unavailable_why: str = "remote fallback is off",
        safe_max: int | None = None,
        fixed_experts: int | None = None,
        useful: UsefulRange | None = None,
    ) -> DecisionPolicy:
        """Resolve the ``experts.*``/``resources.*`` settings against one model.

        ``useful`` is the model's useful range (:attr:`ModelInfo.useful_range`); its
        recommended N, when the file gives one, is the model's own default.
        ``remote_available`` comes from :func:`engine.remote.network.remote_status`, which
        owns the offline rule; it is passed in so this module stays free of I/O.
        """
        runnable = model_expert_count
        if safe_max is not None and 1 <= safe_max < model_expert_count:
            runnable = safe_max
        else:
            safe_max = None
        if useful is not None and useful.recommended is not None:
            model_default_experts = useful.recommended
        lo, default, hi = _expert_bounds(settings, runnable, model_default_experts)
        useful_min = useful.floor if useful is not None else None
        if fixed_experts is not None:
            lo = default = hi = fixed_experts
            useful_min = None  # the file's N is the only one that runs
        mode = settings.get_str("experts.mode")
        battery = settings.get_str("resources.on_battery")
        return cls(
            experts_default=default,
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
            experts_safe_max=safe_max,
            experts_fixed=fixed_experts,
            useful_min=useful_min,
            useful_source=useful.source if useful is not None else "rule",
            allow_below_useful=settings.get_bool("experts.allow_below_useful"),
        )

    def mode_experts(self) -> int:
        """The N the experts mode asks for, always in ``experts_floor..experts_max``:
        fast → the floor, balanced → the default, thorough → the max."""
        if self.mode == "fast":
            return self.experts_floor
        if self.mode == "thorough":
            return self.experts_max
        return clamp(self.experts_default, self.experts_floor, self.experts_max)


def _expert_bounds(
    settings: SettingsReader, model_expert_count: int, model_default_experts: int | None
) -> tuple[int, int, int]:
    """The policy's (min, default, max) N; a setting of 0 means the model's own value."""
    count = max(1, model_expert_count)
    own_default = model_default_experts or count
    lo = clamp(settings.get_int("experts.min") or 1, 1, count)
    hi = settings.get_int("experts.max") or count
    hi = clamp(hi, lo, count)
    default = settings.get_int("experts.default") or own_default
    return lo, clamp(default, lo, hi), hi


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
    unusable_part: ReasonPart | None = None
    """``unusable_why`` as a structured reason part, when the caller has one."""

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
    def missing(cls, why: str, part: ReasonPart | None = None) -> ModelNeeds:
        """Needs of a model that cannot run (missing, corrupt, being replaced)."""
        return cls(0, 0, 0, 0, 0, usable=False, unusable_why=why, unusable_part=part)


@dataclass(frozen=True)
class MachineState:
    """A snapshot of the machine's resources (see :func:`engine.local.machine.snapshot`)."""

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


def clamp(value: int, lo: int, hi: int) -> int:
    """``value`` limited to ``lo..hi`` (``lo`` wins when the range is empty)."""
    return max(lo, min(hi, value))
