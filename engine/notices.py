"""Notices as template codes with parameters: what the engine tells the operator mid-answer.

Every :class:`engine.events.NoticeEvent` the engine emits is built by
:func:`notice` from a code of :data:`ENGLISH` and its parameters, so the English
``message`` stays what it has always been while a front end can render the same
code with translated templates (:func:`render`). A code's first dotted word is
the notice's ``kind`` (``"local_failed.again"`` is a ``local_failed`` notice).

Parameters named ``error`` and ``reason`` carry free English text (a server's
error, the decision's reason) that front ends show verbatim. An ``error`` quoted
from a coded engine error (:func:`error_params`) also brings ``error_code`` and
its parameters as ``error.<name>``, so a front end can put the error itself in
its own language too; a ``reason`` built from reason parts brings them as JSON in
``reason_parts`` (:func:`reason_params`) for the same purpose. Templates never
name those extra parameters.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from engine.events import NoticeEvent

ParamValue = str | int | float

_KEPT = " The {chars} characters that arrived are kept."
_NO_LOCAL = " No local answer is possible now."

ENGLISH: Mapping[str, str] = {
    "reload": "Loaded the model with {experts} experts in {seconds:.2f} s.",
    "trimmed": (
        "The conversation is too long for this PC: the {dropped} oldest messages "
        "were left out of this answer."
    ),
    "local_failed": "The model on this PC failed: {error}",
    "local_failed.again": "The model on this PC failed too: {error}",
    "local_crashed": (
        "The model on this PC stopped unexpectedly ({why}); the server answers instead."
    ),
    "local_crashed.no_remote": (
        "The model on this PC stopped unexpectedly ({why}). It starts again with the next "
        "question; if this keeps happening, ask IT to check this PC with `genba doctor`."
    ),
    "remote_failed": "{error}",
    "remote_failed.kept": "{error}" + _KEPT,
    "remote_failed.no_local": "{error}" + _NO_LOCAL,
    "remote_failed.kept.no_local": "{error}" + _KEPT + _NO_LOCAL,
    "fallback": "Answering on this PC instead.",
    "refused": "genba cannot answer this now: {reason}.",
}
"""English template per notice code; ``str.format`` fields are the notice's parameters."""


def error_params(exc: BaseException) -> dict[str, ParamValue]:
    """The ``error`` parameter quoting ``exc``, with its code and parameters when it has one."""
    params: dict[str, ParamValue] = {"error": str(exc)}
    code = getattr(exc, "code", "")
    nested = getattr(exc, "params", None)
    if isinstance(code, str) and code and isinstance(nested, Mapping):
        params["error_code"] = code
        params.update({f"error.{name}": value for name, value in nested.items()})
    return params


def reason_params(
    reason: str, parts: Sequence[Mapping[str, object]] | None
) -> dict[str, ParamValue]:
    """The ``reason`` parameter, with its parts (``as_dicts`` form, as JSON) when it has them."""
    params: dict[str, ParamValue] = {"reason": reason}
    if parts:
        params["reason_parts"] = json.dumps(list(parts), ensure_ascii=False)
    return params


def kind_of(code: str) -> str:
    """The notice kind of a template code: its first dotted word."""
    return code.split(".", 1)[0]


def notice(code: str, **params: ParamValue) -> NoticeEvent:
    """A notice from the template ``code`` of :data:`ENGLISH` and its parameters."""
    message = ENGLISH[code].format(**params)
    return NoticeEvent(kind_of(code), message, tuple(sorted(params.items())), code)


def render(event: NoticeEvent, templates: Mapping[str, str]) -> str:
    """The notice's text from ``templates``; its English message when that cannot work.

    Falls back to ``event.message`` for a notice without a code, an unknown
    code, or parameters that do not fit the template.
    """
    template = templates.get(event.code) if event.code else None
    if not template:
        return event.message
    try:
        return template.format(**dict(event.params))
    except (KeyError, IndexError, ValueError, TypeError):
        return event.message
