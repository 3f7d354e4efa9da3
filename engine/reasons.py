"""Structured reasons: why a query ran where it ran, as codes with parameters.

The decision (and the answer run around it) explains itself as a sequence of
:class:`ReasonPart` values instead of English prose, so a front end can show
the reason in the operator's language. :data:`ENGLISH` holds one format
template per code; :func:`render` turns parts into the English reason string
the engine has always printed (``Decision.reason``, ``FinalEvent.reason``).

How parts join: a part starts a new clause, separated from the previous text
by ``"; "``, unless its code is in :data:`GLUED` (its template carries its own
leading glue, e.g. ``" → remote"``) or the previous part's code is in
:data:`OPENERS` (its template ends in an open glue, e.g. ``"on battery, "``).
Front ends render with their own templates and separator but the same rules
(:func:`render` takes both as arguments).

Code ``text`` carries free text verbatim (a model file's error, a test's
made-up reason); it is the only code with nothing to translate.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

ParamValue = str | int | float


@dataclass(frozen=True)
class ReasonPart:
    """One clause of a reason: a code from :data:`ENGLISH` and its parameters (hashable)."""

    code: str
    params: tuple[tuple[str, ParamValue], ...] = ()

    @classmethod
    def of(cls, code: str, **params: ParamValue) -> ReasonPart:
        """A part from keyword parameters (kept sorted, so equal parts compare equal)."""
        return cls(code, tuple(sorted(params.items())))

    def as_dict(self) -> dict[str, object]:
        """JSON-friendly form: ``{"code": ..., "params": {...}}``."""
        return {"code": self.code, "params": dict(self.params)}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> ReasonPart:
        """The inverse of :meth:`as_dict` (values other than str/int/float become str)."""
        raw = data.get("params")
        params: dict[str, ParamValue] = {}
        if isinstance(raw, Mapping):
            for key, value in raw.items():
                ok = isinstance(value, (str, int, float)) and not isinstance(value, bool)
                params[str(key)] = value if ok else str(value)
        return cls.of(str(data.get("code", "")), **params)


Reason = tuple[ReasonPart, ...]

ENGLISH: Mapping[str, str] = {
    # Where N came from.
    "experts.mode.fast": "N={n} by fast mode",
    "experts.mode.balanced": "N={n} by balanced mode",
    "experts.mode.thorough": "N={n} by thorough mode",
    "experts.set_by_policy": " (experts are set by policy)",
    "experts.requested": "N={n} requested",
    "experts.outside_policy": ", outside policy {lo}..{hi} → N={n}",
    "experts.fixed_by_file": ", but this model file fixes N={n} in every layer → N={n}",
    "experts.safe_max": ", but llama.cpp crashes above N={n} with this model on this PC → N={n}",
    "experts.floor.file": " (useful minimum N={n}, set by the model file)",
    "experts.floor.rule": " (useful minimum N={n}, by the default rule for a top-{k} model)",
    "experts.floor.policy_min": (
        " (policy minimum N={n}, above the model's useful minimum {useful})"
    ),
    "experts.floor.policy_max": (
        " (the model's useful minimum N={useful} is above the policy maximum N={n})"
    ),
    "experts.raised_to_useful": ", below the model's useful minimum → N={n}",
    "experts.below_useful": ", below the model's useful minimum N={floor} (policy allows it)",
    "experts.kept_useful": (
        ", not below the model's useful minimum N={floor} (experts.allow_below_useful is off)"
    ),
    "local.fine": "resources fine → local",
    # Context fit.
    "context.over": "prompt {prompt} + answer {answer} tokens > local context {context}",
    "context.even_without_old_turns": ", even without old turns",
    # Memory.
    "memory.low_context": "low memory: {usable} usable → context {context} tokens",
    "memory.low": "low memory: {free} free, model needs {need}",
    "memory.reserved": " + {reserved} reserved",
    # Battery and speed.
    "battery.prefers_remote": "on battery, policy prefers remote",
    "battery": "on battery",
    "battery.and": "on battery, ",
    "speed.slow": "slow: {speed:.1f} tokens/s < {floor:g} tokens/s",
    "speed.at_minimum": " at the minimum N={n}",
    # Consequences, glued to the clause before them.
    "then.experts": " → N={n}",
    "then.answer_limited": " → answer limited to {n} tokens",
    "then.old_turns_trimmed": " → old turns trimmed",
    "then.local_anyway": " → local anyway",
    "then.remote": " → remote",
    "then.refused": " → refused",
    # The model and the remote fallback.
    "model.unavailable": "local model unavailable: ",
    "model.missing": "{file} is missing",
    "model.broken": "{file} is marked broken on this PC",
    "fallback.local_crashed": "the local model stopped unexpectedly → remote (",
    "policy.local_when_model_fails": "policy keeps questions local when the local model fails",
    "remote.off": "remote fallback is off",
    "remote.no_url": "no remote server is set (fallback.url)",
    "network.offline_setting": "offline mode is on (network.offline)",
    "network.offline_env": "offline mode is on (GENBA_OFFLINE)",
    # What happened while answering.
    "fallback.local_failed": "local model failed → remote (",
    "fallback.close": ")",
    "fallback.remote_failed": "remote failed → ",
    "failed.local": "local failed",
    "failed.remote": "remote failed",
    # Answers from the site documents (issue 17).
    "docs.not_found": (
        "nothing about this was found in the site documents, and policy allows answers "
        "only from them (docs.answers = require)"
    ),
    "docs.none_indexed": (
        "no site documents are indexed on this PC, and policy allows answers only from "
        "them (docs.answers = require)"
    ),
    "text": "{text}",
}
"""English template per code; ``str.format`` fields are the part's parameters."""

GLUED = frozenset({
    "experts.set_by_policy", "experts.outside_policy", "experts.safe_max",
    "experts.fixed_by_file", "experts.floor.file", "experts.floor.rule",
    "experts.floor.policy_min", "experts.floor.policy_max", "experts.raised_to_useful",
    "experts.below_useful", "experts.kept_useful",
    "context.even_without_old_turns",
    "memory.reserved", "speed.at_minimum", "then.experts", "then.answer_limited",
    "then.old_turns_trimmed", "then.local_anyway", "then.remote", "then.refused",
    "fallback.close",
})
"""Codes whose template carries its own leading glue: no separator before them."""

OPENERS = frozenset({
    "battery.and", "model.unavailable", "fallback.local_failed", "fallback.local_crashed",
    "fallback.remote_failed",
})
"""Codes whose template ends in open glue: no separator after them."""

SEPARATOR = "; "


def part(code: str, **params: ParamValue) -> ReasonPart:
    """Shorthand for :meth:`ReasonPart.of`."""
    return ReasonPart.of(code, **params)


def text_part(text: str) -> ReasonPart:
    """Free text as a part: the code whose parameterless template is ``text``, else ``text``."""
    for code, template in ENGLISH.items():
        if template == text and "{" not in template:
            return ReasonPart(code)
    return part("text", text=text)


def render(
    parts: Iterable[ReasonPart],
    templates: Mapping[str, str] = ENGLISH,
    separator: str = SEPARATOR,
) -> str:
    """The reason as one string, from ``templates`` (English by default)."""
    out: list[str] = []
    previous = ""
    for p in parts:
        template = templates.get(p.code) or ENGLISH.get(p.code, "{text}")
        try:
            text = template.format(**dict(p.params))
        except (KeyError, IndexError, ValueError):
            text = ENGLISH.get(p.code, "").format(**dict(p.params)) if p.code in ENGLISH else ""
        if out and p.code not in GLUED and previous not in OPENERS:
            out.append(separator)
        out.append(text)
        previous = p.code
    return "".join(out)


def as_dicts(parts: Sequence[ReasonPart]) -> list[dict[str, object]]:
    """Parts in the JSON-friendly form :class:`engine.events.FinalEvent` carries."""
    return [p.as_dict() for p in parts]


def from_dicts(data: Iterable[Mapping[str, object]]) -> Reason:
    """Parts back from :func:`as_dicts` (history rows, ``genba ask --json``)."""
    return tuple(ReasonPart.from_dict(d) for d in data)
