"""The engine's event stream: the contract between the engine and every front end.

An answer is a synchronous iterator of events: zero or more :class:`NoticeEvent`
(for example "context trimmed", "remote failed, answering locally"), the
:class:`TokenEvent` pieces of text as they are generated, and exactly one
:class:`FinalEvent` at the end, which carries the numbers of the answer. Events
are frozen dataclasses of plain values so they can cross threads and be stored
as JSON (``dataclasses.asdict``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Route = Literal["local", "remote", "refuse"]
StopReason = Literal["stop", "length", "cancelled", "error"]


@dataclass(frozen=True)
class TokenEvent:
    """A piece of answer text, in order. ``route`` says which path produced it."""

    text: str
    route: Route = "local"


@dataclass(frozen=True)
class NoticeEvent:
    """Something the operator should be told while the answer runs.

    ``kind`` is a stable machine-readable word (``"trimmed"``, ``"reload"``,
    ``"remote_failed"``, ``"fallback"``...); ``message`` is the English sentence.
    ``code`` names the template of :data:`engine.notices.ENGLISH` the message was
    formatted from (a kind can have several, e.g. ``"local_failed.again"``) and
    ``params`` its fields, so a front end can show the notice in its own
    language; both are empty for a notice made without a template.
    """

    kind: str
    message: str
    params: tuple[tuple[str, str | int | float], ...] = ()
    code: str = ""


@dataclass(frozen=True)
class FinalEvent:
    """The last event of every answer: what ran, why, and how fast."""

    text: str
    route: Route
    reason: str
    experts: int | None
    context: int | None
    prompt_tokens: int
    generated_tokens: int
    ttft_s: float | None
    tokens_per_s: float | None
    stop_reason: StopReason
    model: str = ""
    switch_s: float | None = None
    error: str | None = None
    routing: list[list[list[int]]] | None = field(default=None)
    """With tracing on: ``routing[layer][token]`` is the list of expert ids llama.cpp's
    router selected, for every token it evaluated: all prompt tokens, then each
    generated token but the last (which is never fed back). In the *last* MoE
    layer llama.cpp computes only the rows whose logits are needed, so that layer
    lists the last prompt token and then the generated tokens."""
    reason_parts: list[dict[str, object]] | None = None
    """``reason`` as structured parts, for display in the operator's language: a list of
    ``{"code": str, "params": {name: str | int | float}}`` (JSON-friendly). Codes and
    their English templates are in :data:`engine.reasons.ENGLISH`, and
    ``engine.reasons.render(engine.reasons.from_dicts(reason_parts)) == reason``.
    ``None`` when the reason was not built from parts (e.g. events from older versions)."""
    error_code: str = ""
    """The code of ``error`` in :data:`engine.error_codes.ENGLISH` (``""``: ``error`` is
    plain English), so a front end can show it in the operator's language."""
    error_params: dict[str, str | int | float] | None = None
    """The parameters of ``error_code`` (JSON-friendly); ``None`` without a code."""
    sources: list[dict[str, object]] | None = None
    """The site documents' passages the answer was given (``dataclasses.asdict`` of
    :class:`engine.docs.model.Passage`: path, title, kind, page, heading, text, score,
    source), numbered ``[1]``… in that order; ``None`` when no documents were used."""


Event = TokenEvent | NoticeEvent | FinalEvent
