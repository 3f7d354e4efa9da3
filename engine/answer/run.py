"""One answer in progress: the local run, the remote run, and the fallbacks between them.

:class:`AnswerRun` turns a decided :class:`~engine.service.Plan` into events.
Its invariants (the engine's promise to callers): every answer ends with
exactly one :class:`~engine.events.FinalEvent`; the final text is the
concatenation of the answer's token events; text that arrived from the remote
server before it failed is kept, and the answer then continues locally (after
``remote_failed`` and ``fallback`` notices) or ends with
``stop_reason="error"``. A local model that fails to load sends the query
remote when the policy allows, else the error reaches the caller.

The run changes engine state only through its :class:`AnswerHost`, so the
engine stays the one owner of the loaded model and the decision's hysteresis.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Protocol

from engine.answer.prompt_fit import Messages, trim_to_fit
from engine.decision import Decision
from engine.errors import (
    GenbaError,
    LocalCrashError,
    ModelFileError,
    ModelLoadError,
    RemoteError,
)
from engine.events import Event, FinalEvent, Route, TokenEvent
from engine.local.llama_adapter import Sampling
from engine.local.model import LocalModel, LocalRequest
from engine.notices import error_params, notice, reason_params
from engine.reasons import Reason, as_dicts, part, render, text_part
from engine.remote import credentials
from engine.remote.client import RemoteClient, RemoteConfig, RemoteDelta, RemoteDone

if TYPE_CHECKING:
    from engine.service import Plan
    from engine.settings import Settings

log = logging.getLogger(__name__)


class AnswerHost(Protocol):
    """What an answer needs from the engine running it (:class:`engine.service.Engine`)."""

    @property
    def local_model(self) -> LocalModel:
        """The model that answers on this PC."""
        ...

    def count_tokens(self, messages: Messages) -> int:
        """Prompt tokens of ``messages``."""
        ...

    def effective_settings(self) -> Settings:
        """The settings in force now."""
        ...

    def plan(
        self,
        messages: Messages,
        *,
        experts: int | None = None,
        max_tokens: int = 512,
        remote_failed: bool = False,
    ) -> Plan:
        """Decide route, N and context for ``messages`` now."""
        ...

    def local_broke(self, exc: GenbaError) -> None:
        """The local model failed to load: free it and answer elsewhere for a while."""
        ...

    def local_answered(self, decision: Decision, final: FinalEvent) -> None:
        """A local answer ended: keep its decision as hysteresis and record its speed."""
        ...

    def local_crashed(self, exc: GenbaError) -> None:
        """The inference worker died mid-answer (the next question starts a fresh one)."""
        ...


class AnswerRun:
    """One answer in progress: local, remote, and the fallbacks between them."""

    def __init__(
        self,
        host: AnswerHost,
        messages: list[Mapping[str, str]],
        *,
        experts: int | None,
        trace: bool,
        cancel: threading.Event | None,
        sampling: Sampling,
        continue_last: bool = False,
        collect_load: bool = False,
    ) -> None:
        self.host = host
        self.collect_load = collect_load
        self.messages = messages
        self.continue_last = continue_last
        self.experts = experts
        self.trace = trace
        self.cancel = cancel
        self.sampling = sampling

    # -- local -------------------------------------------------------------
    def local(self, decision: Decision, plan: Plan, prefix: str = "") -> Iterator[Event]:
        """Answer on this PC; on a broken local model, go remote when the policy allows."""
        assert decision.experts is not None and decision.context is not None
        messages = self.messages
        if decision.trim:
            messages, dropped = trim_to_fit(
                self.messages, decision.context - decision.max_tokens, self.host.count_tokens,
                keep_last=2 if self.continue_last else 1,
            )
            yield notice("trimmed", dropped=dropped)
        request = LocalRequest(
            messages=messages, experts=decision.experts, max_tokens=decision.max_tokens,
            n_ctx=decision.context, reason=decision.reason, trace=self.trace,
            sampling=self.sampling, continue_last=self.continue_last,
            collect_load=self.collect_load,
        )
        produced: list[str] = []
        try:
            for event in self.host.local_model.stream(request, self.cancel):
                if isinstance(event, FinalEvent):
                    yield self._finish_local(event, decision, prefix)
                else:
                    if isinstance(event, TokenEvent):
                        produced.append(event.text)
                    yield event
        except (ModelLoadError, ModelFileError) as exc:
            self.host.local_broke(exc)
            yield from self._local_failed(exc, decision, plan, prefix)
        except LocalCrashError as exc:
            self.host.local_crashed(exc)
            yield from self._local_crashed(exc, decision, plan, prefix, "".join(produced))

    def _local_crashed(
        self, exc: LocalCrashError, decision: Decision, plan: Plan, prefix: str, produced: str
    ) -> Iterator[Event]:
        """The worker died: keep the text, go remote when allowed (not back), else end in error."""
        partial = prefix + produced
        policy = plan.policy
        if not prefix and policy.remote_available and policy.remote_when_local_fails:
            yield notice("local_crashed", why=exc.why)
            separator = "\n\n" if partial else ""
            if separator:
                yield TokenEvent(separator, route="remote")
            parts = (part("fallback.local_crashed"), *_parts(decision), part("fallback.close"))
            remote = dataclasses.replace(
                decision, route="remote", experts=None, context=None,
                reason=render(parts), reason_parts=parts,
            )
            yield from self.remote(remote, plan, allow_local=False, prefix=partial + separator)
            return
        yield notice("local_crashed.no_remote", why=exc.why)
        yield error_final(partial, decision, plan, exc, route="local")

    def _local_failed(
        self, exc: GenbaError, decision: Decision, plan: Plan, prefix: str
    ) -> Iterator[Event]:
        """The local model could not load: remote when allowed, else a clear error."""
        log.warning("local model failed: %s", exc)
        policy = plan.policy
        if not prefix and policy.remote_available and policy.remote_when_local_fails:
            yield notice("local_failed", **error_params(exc))
            parts = (part("fallback.local_failed"), *_parts(decision), part("fallback.close"))
            remote = dataclasses.replace(
                decision, route="remote", experts=None, context=None,
                reason=render(parts), reason_parts=parts,
            )
            yield from self.remote(remote, plan, allow_local=False)
            return
        if not prefix:
            raise exc  # nothing arrived and nowhere else to go: the caller's error path
        yield notice("local_failed.again", **error_params(exc))
        yield error_final(prefix, decision, plan, exc, route="local")

    def _finish_local(self, final: FinalEvent, decision: Decision, prefix: str) -> FinalEvent:
        """Record the finished local answer; put back the text that came before it."""
        self.host.local_answered(decision, final)
        # The local model only knows the English reason; attach its structured parts.
        final = dataclasses.replace(final, reason_parts=_dicts(decision))
        if prefix:
            return dataclasses.replace(final, text=prefix + final.text)
        return final

    # -- remote ------------------------------------------------------------
    def remote(
        self, decision: Decision, plan: Plan, *, allow_local: bool = True, prefix: str = ""
    ) -> Iterator[Event]:
        """Stream from the remote server; on failure keep the text and fall back or stop.

        ``prefix`` is text already shown for this answer (a crashed local start).
        """
        config = RemoteConfig.from_settings(self.host.effective_settings())
        client = RemoteClient(config, plan.network, token=credentials.get_token(config.url))
        started = time.perf_counter()
        first: float | None = None
        pieces: list[str] = []
        try:
            for chunk in client.stream_chat(
                self.messages, max_tokens=decision.max_tokens, cancel=self.cancel,
                temperature=self.sampling.temperature, seed=self.sampling.seed,
            ):
                if isinstance(chunk, RemoteDelta):
                    first = first or time.perf_counter()
                    pieces.append(chunk.text)
                    yield TokenEvent(chunk.text, route="remote")
                    continue
                final = _remote_final(
                    chunk, pieces, decision=decision, plan=plan, config=config,
                    started=started, first=first,
                )
                yield dataclasses.replace(final, text=prefix + final.text) if prefix else final
                return
        except RemoteError as exc:
            partial = prefix + "".join(pieces)
            yield from self._remote_failed(exc, partial, decision, plan, allow_local)

    def _remote_failed(
        self, exc: RemoteError, partial: str, decision: Decision, plan: Plan, allow_local: bool
    ) -> Iterator[Event]:
        """Keep what arrived; answer locally when a fresh plan allows it, else end in error."""
        log.warning("remote answer failed: %s", exc)
        kept = ".kept" if partial else ""
        details: dict[str, str | int | float] = error_params(exc)
        if partial:
            details["chars"] = len(partial)
        retry = None
        if allow_local:
            retry = self.host.plan(
                self.messages, experts=self.experts, max_tokens=decision.max_tokens,
                remote_failed=True,
            )
        if retry is None or retry.decision.route != "local":
            yield notice(f"remote_failed{kept}.no_local", **details)
            yield error_final(partial, decision, plan, exc, route="remote")
            return
        yield notice(f"remote_failed{kept}", **details)
        yield notice("fallback")
        separator = "\n\n" if partial else ""
        if separator:
            yield TokenEvent(separator, route="local")
        parts = (*_parts(decision), part("fallback.remote_failed"), *_parts(retry.decision))
        local = dataclasses.replace(retry.decision, reason=render(parts), reason_parts=parts)
        yield from self.local(local, retry, prefix=partial + separator)

    # -- refuse ------------------------------------------------------------
    def refuse(
        self, reason: str, prompt_tokens: int, parts: Reason | None = None
    ) -> Iterator[Event]:
        """Neither local nor remote can answer: say why, in the final event."""
        refused = notice("refused", **reason_params(reason, as_dicts(parts) if parts else None))
        message = refused.message
        yield refused
        yield FinalEvent(
            text="", route="refuse", reason=reason, experts=None, context=None,
            prompt_tokens=prompt_tokens, generated_tokens=0, ttft_s=None, tokens_per_s=None,
            stop_reason="error", error=message, error_code="refused",
            error_params={"reason": reason}, reason_parts=as_dicts(parts) if parts else None,
        )


def _remote_final(
    chunk: RemoteDone,
    pieces: list[str],
    *,
    decision: Decision,
    plan: Plan,
    config: RemoteConfig,
    started: float,
    first: float | None,
) -> FinalEvent:
    """The final event of a completed remote answer, with its timings."""
    elapsed = time.perf_counter() - (first or started)
    generated = chunk.completion_tokens or len(pieces)
    return FinalEvent(
        text="".join(pieces), route="remote", reason=decision.reason,
        reason_parts=_dicts(decision),
        experts=None, context=None,
        prompt_tokens=chunk.prompt_tokens or plan.prompt_tokens,
        generated_tokens=generated,
        ttft_s=(first - started) if first else None,
        tokens_per_s=(generated / elapsed) if first and elapsed > 0 else None,
        stop_reason=chunk.finish_reason,
        model=chunk.model or config.model or config.host,
    )


def error_final(
    text: str, decision: Decision, plan: Plan, error: GenbaError, *, route: Route
) -> FinalEvent:
    """The final event of an answer that could not be completed anywhere.

    It carries the error's code and parameters beside its English message, so the
    window shows e.g. a crash of the local model in the operator's language.
    """
    failed = (*_parts(decision), part(f"failed.{route}"))
    return FinalEvent(
        text=text, route=route, reason=render(failed), reason_parts=as_dicts(failed),
        experts=None, context=None, prompt_tokens=plan.prompt_tokens, generated_tokens=0,
        ttft_s=None, tokens_per_s=None, stop_reason="error", error=str(error),
        error_code=error.code, error_params=dict(error.params) if error.code else None,
    )


def _parts(decision: Decision) -> Reason:
    """The decision's reason parts; a reason set by hand becomes one free-text part."""
    return decision.reason_parts or (text_part(decision.reason),)


def _dicts(decision: Decision) -> list[dict[str, object]] | None:
    """The decision's reason parts for a final event (``None`` when it has none)."""
    return as_dicts(decision.reason_parts) if decision.reason_parts else None
