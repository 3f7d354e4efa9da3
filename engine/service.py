"""The engine's front door: one object a GUI, the CLI or a test asks questions through.

:class:`Engine` resolves which model to run (explicit path > policy/user
``model.path`` > the updater's current-model pointer > the built-in default),
decides route, N and context for each query (:mod:`engine.decision`, fed by a
machine snapshot, the model's inspected needs and the policy), and streams the
answer as events (:mod:`engine.events`) from the local model or the remote
server. It is synchronous and thread-agnostic: a GUI runs :meth:`Engine.stream`
on a worker thread and cancels it with a ``threading.Event``. A new model named
by the updater's pointer is picked up at the start of the next answer, never
under a running one.

Every answer ends with exactly one :class:`~engine.events.FinalEvent` carrying
route, N, context and the decision's reason. When the remote server fails
mid-answer the text that arrived is kept; the engine then answers locally (a
``remote_failed`` and a ``fallback`` notice say so) or, when local cannot,
ends with ``stop_reason="error"``. The final text is always the concatenation
of the answer's token events.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from engine import credentials
from engine.current_model import pointer_stamp, read_current_model
from engine.decision import (
    Decision,
    DecisionPolicy,
    DecisionState,
    ModelNeeds,
    QueryNeeds,
    decide,
)
from engine.errors import (
    GenbaError,
    ModelFileError,
    ModelLoadError,
    ModelNotFoundError,
    RemoteError,
)
from engine.events import Event, FinalEvent, NoticeEvent, Route, TokenEvent
from engine.llama_adapter import LlamaModel, Sampling, load_vocab_only, validate_experts
from engine.local_model import LocalModel, LocalRequest
from engine.machine import DecodeSpeedTracker, snapshot
from engine.model_info import ModelInfo, inspect_model
from engine.network import NetworkConfig, remote_status
from engine.paths import Paths
from engine.remote import RemoteClient, RemoteConfig, RemoteDelta

if TYPE_CHECKING:
    from engine.settings import Settings

log = logging.getLogger(__name__)

Messages = Sequence[Mapping[str, str]]

LOCAL_RETRY_S = 60.0
"""After the local model fails to load, answer elsewhere for this long before trying again."""


def resolve_model_path(
    paths: Paths, settings: Settings | None = None, explicit: Path | None = None
) -> Path:
    """The model file to run, by precedence; raise ModelNotFoundError if there is none."""
    if explicit is not None:
        return explicit
    if settings is not None:
        configured = settings.get_str("model.path")
        if configured:
            return Path(configured).expanduser()
    current = read_current_model(paths.current_model_pointer)
    if current is not None and current.path.exists():
        return current.path
    if paths.default_model_path.exists():
        return paths.default_model_path
    raise ModelNotFoundError(
        "No model is installed yet. Build the built-in default with `genba models build-default`, "
        "or import a GGUF file with `genba models import PATH`."
    )


def policy_for(
    settings: Settings, info: ModelInfo, *, remote_failed: bool = False
) -> tuple[DecisionPolicy, NetworkConfig]:
    """The decision policy for this model under these settings, and the network state."""
    network = NetworkConfig.from_settings(settings)
    remote_ok, why_not = remote_status(settings, network)
    if remote_failed:
        remote_ok, why_not = False, "the remote server failed"
    policy = DecisionPolicy.from_settings(
        settings, info.expert_count, info.expert_used_count,
        remote_available=remote_ok, remote_unavailable_why=why_not,
    )
    return policy, network


@dataclasses.dataclass(frozen=True)
class Plan:
    """One query's decision and what it was made from (``genba doctor`` shows it too)."""

    decision: Decision
    policy: DecisionPolicy
    needs: ModelNeeds
    prompt_tokens: int
    network: NetworkConfig


class Engine:
    """Answers chats with the local MoE model, or the remote server when the PC can't."""

    def __init__(
        self,
        *,
        paths: Paths,
        settings: Settings | None = None,
        model_path: Path | None = None,
        n_threads: int | None = None,
    ) -> None:
        self.paths = paths
        self.settings = settings
        self.n_threads = n_threads
        self._explicit_model = model_path
        self._pointer_stamp = pointer_stamp(paths.current_model_pointer)
        self._local = LocalModel(
            inspect_model(resolve_model_path(paths, settings, model_path)), n_threads=n_threads
        )
        self._busy = threading.Lock()
        self._vocab: LlamaModel | None = None
        self._local_broken: tuple[str, float] | None = None
        """Why the local model failed to load, and until when not to try it again."""
        self._state = DecisionState()
        self.speeds = DecodeSpeedTracker()

    # -- what is loaded ----------------------------------------------------
    @property
    def model_info(self) -> ModelInfo:
        """Inspection of the model that answers locally."""
        return self._local.info

    def update_settings(self, settings: Settings) -> None:
        """Apply new effective settings (e.g. a reloaded policy) from the next answer on."""
        self.settings = settings

    def close(self) -> None:
        """Free the local model and its tokenizer."""
        self._local.close()
        self._close_vocab()

    def _close_vocab(self) -> None:
        if self._vocab is not None:
            self._vocab.close()
            self._vocab = None

    def _settings(self) -> Settings:
        from engine.settings import defaults

        return self.settings if self.settings is not None else defaults()

    # -- deciding ------------------------------------------------------------
    def plan(
        self,
        messages: Messages,
        *,
        experts: int | None = None,
        max_tokens: int = 512,
        remote_failed: bool = False,
    ) -> Plan:
        """Decide route, N and context for ``messages`` now, without answering.

        ``remote_failed``: the remote server just failed this query; plan it locally.
        Call it between answers or from the answering thread (it shares the tokenizer).
        """
        settings = self._settings()
        policy, network = policy_for(settings, self.model_info, remote_failed=remote_failed)
        remote_ok = policy.remote_available
        needs = self._needs()
        prompt = min_prompt = 0
        if needs.usable:
            try:
                prompt = self._count(messages)
                local_max = min(needs.context_length, policy.max_context_tokens or 1 << 30)
                if prompt + max_tokens > local_max and not remote_ok:
                    min_prompt = self._count(_minimal_chat(messages))
            except GenbaError as exc:
                needs = ModelNeeds.missing(f"cannot read its vocabulary ({exc})")
        resident = 0
        if self._local.resident_experts is not None and self._state.context:
            resident = needs.memory_needed(self._state.context) if needs.usable else 0
        machine = snapshot(self.speeds, resident_bytes=resident)
        query = QueryNeeds(prompt, max_tokens, min_prompt or None, experts)
        decision = decide(query, policy, needs, machine, self._state)
        return Plan(decision, policy, needs, prompt, network)

    def _needs(self) -> ModelNeeds:
        info = self.model_info
        if self._local_broken is not None:
            why, until = self._local_broken
            if time.monotonic() < until:
                return ModelNeeds.missing(why)
            self._local_broken = None  # it may have been a passing shortage: try again
        if self._local.resident_experts is None and not info.path.exists():
            return ModelNeeds.missing(f"{info.path.name} is missing")
        return ModelNeeds.from_info(info)

    def _count(self, messages: Messages) -> int:
        """Prompt tokens, using only the model's vocabulary (the weights may never load)."""
        if self._vocab is None:
            self._vocab = load_vocab_only(self.model_info.path)
        return len(self._vocab.chat_prompt_tokens(messages))

    # -- answering -----------------------------------------------------------
    def _pick_up_new_model(self) -> None:
        """Switch to the model the updater's pointer names, between answers only."""
        if self._explicit_model is not None:
            return
        stamp = pointer_stamp(self.paths.current_model_pointer)
        if stamp == self._pointer_stamp:
            return
        self._pointer_stamp = stamp
        try:
            path = resolve_model_path(self.paths, self.settings)
            if path == self._local.info.path:
                return
            info = inspect_model(path)
        except ModelFileError as exc:
            log.warning("keeping the current model: %s", exc)
            return
        log.info("switching to updated model %s", path)
        self._local.close()
        self._close_vocab()
        self._local = LocalModel(info, n_threads=self.n_threads)
        self._local_broken = None
        self._state = DecisionState()
        self.speeds.clear()

    def stream(
        self,
        messages: Messages,
        *,
        experts: int | None = None,
        max_tokens: int = 512,
        trace: bool = False,
        cancel: threading.Event | None = None,
        sampling: Sampling | None = None,
    ) -> Iterator[Event]:
        """Answer a chat: notices, token events as they come, then one final event.

        ``messages`` are OpenAI-style ``{"role": ..., "content": ...}`` dicts.
        Setting ``cancel`` stops the answer within one token.
        """
        with self._busy:
            self._pick_up_new_model()
            if experts is not None:
                validate_experts(experts, self.model_info.expert_count)
            messages = list(messages)
            plan = self.plan(messages, experts=experts, max_tokens=max_tokens)
            decision = plan.decision
            log.info("decision: %s, N=%s, context=%s: %s", decision.route,
                     decision.experts, decision.context, decision.reason)
            run = _Run(self, messages, experts=experts, trace=trace, cancel=cancel,
                       sampling=sampling or Sampling())
            if decision.route == "local":
                yield from run.local(decision, plan)
            elif decision.route == "remote":
                yield from run.remote(decision, plan)
            else:
                yield from run.refuse(decision.reason, plan.prompt_tokens)


class _Run:
    """One answer in progress: local, remote, and the fallbacks between them."""

    def __init__(
        self,
        engine: Engine,
        messages: list[Mapping[str, str]],
        *,
        experts: int | None,
        trace: bool,
        cancel: threading.Event | None,
        sampling: Sampling,
    ) -> None:
        self.engine = engine
        self.messages = messages
        self.experts = experts
        self.trace = trace
        self.cancel = cancel
        self.sampling = sampling

    # -- local -------------------------------------------------------------
    def local(self, decision: Decision, plan: Plan, prefix: str = "") -> Iterator[Event]:
        """Answer on this PC; on a broken local model, go remote when the policy allows."""
        engine = self.engine
        assert decision.experts is not None and decision.context is not None
        messages = self.messages
        if decision.trim:
            messages, dropped = self._trim(decision)
            yield NoticeEvent(
                "trimmed",
                f"The conversation is too long for this PC: the {dropped} oldest messages "
                "were left out of this answer.",
            )
        request = LocalRequest(
            messages=messages, experts=decision.experts, max_tokens=decision.max_tokens,
            n_ctx=decision.context, reason=decision.reason, trace=self.trace,
            sampling=self.sampling,
        )
        try:
            for event in engine._local.stream(request, self.cancel):
                if isinstance(event, FinalEvent):
                    yield self._finish_local(event, decision, prefix)
                else:
                    yield event
        except (ModelLoadError, ModelFileError) as exc:
            engine._local_broken = (str(exc), time.monotonic() + LOCAL_RETRY_S)
            engine._local.close()
            yield from self._local_failed(exc, decision, plan, prefix)

    def _local_failed(
        self, exc: GenbaError, decision: Decision, plan: Plan, prefix: str
    ) -> Iterator[Event]:
        """The local model could not load: remote when allowed, else a clear error."""
        log.warning("local model failed: %s", exc)
        policy = plan.policy
        if not prefix and policy.remote_available and policy.remote_when_local_fails:
            yield NoticeEvent("local_failed", f"The model on this PC failed: {exc}")
            remote = dataclasses.replace(
                decision, route="remote", experts=None, context=None,
                reason=f"local model failed → remote ({decision.reason})",
            )
            yield from self.remote(remote, plan, allow_local=False)
            return
        if not prefix:
            raise exc  # nothing arrived and nowhere else to go: the caller's error path
        yield NoticeEvent("local_failed", f"The model on this PC failed too: {exc}")
        yield _error_final(prefix, decision, plan, str(exc), route="local")

    def _finish_local(self, final: FinalEvent, decision: Decision, prefix: str) -> FinalEvent:
        engine = self.engine
        engine._state = decision.next_state(engine._state)
        if final.tokens_per_s and final.experts and final.stop_reason != "cancelled":
            engine.speeds.record_speed(final.experts, final.tokens_per_s, final.generated_tokens)
        if prefix:
            return dataclasses.replace(final, text=prefix + final.text)
        return final

    def _trim(self, decision: Decision) -> tuple[list[Mapping[str, str]], int]:
        """Drop the oldest turns (never system messages or the last one) until the prompt fits."""
        assert decision.context is not None
        limit = decision.context - decision.max_tokens
        kept = list(self.messages)
        dropped = 0
        while self.engine._count(kept) > limit:
            index = next(
                (i for i, m in enumerate(kept[:-1]) if m.get("role") != "system"), None
            )
            if index is None:
                break
            del kept[index]
            dropped += 1
        return kept, dropped

    # -- remote ------------------------------------------------------------
    def remote(
        self, decision: Decision, plan: Plan, *, allow_local: bool = True
    ) -> Iterator[Event]:
        """Stream from the remote server; on failure keep the text and fall back or stop."""
        settings = self.engine._settings()
        config = RemoteConfig.from_settings(settings)
        client = RemoteClient(
            config, plan.network, token=credentials.get_token(config.url)
        )
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
                elapsed = time.perf_counter() - (first or started)
                generated = chunk.completion_tokens or len(pieces)
                yield FinalEvent(
                    text="".join(pieces), route="remote", reason=decision.reason,
                    experts=None, context=None,
                    prompt_tokens=chunk.prompt_tokens or plan.prompt_tokens,
                    generated_tokens=generated,
                    ttft_s=(first - started) if first else None,
                    tokens_per_s=(generated / elapsed) if first and elapsed > 0 else None,
                    stop_reason=chunk.finish_reason,
                    model=chunk.model or config.model or config.host,
                )
                return
        except RemoteError as exc:
            yield from self._remote_failed(exc, "".join(pieces), decision, plan, allow_local)

    def _remote_failed(
        self, exc: RemoteError, partial: str, decision: Decision, plan: Plan, allow_local: bool
    ) -> Iterator[Event]:
        log.warning("remote answer failed: %s", exc)
        kept = f" The {len(partial)} characters that arrived are kept." if partial else ""
        retry = None
        if allow_local:
            retry = self.engine.plan(
                self.messages, experts=self.experts, max_tokens=decision.max_tokens,
                remote_failed=True,
            )
        if retry is None or retry.decision.route != "local":
            yield NoticeEvent("remote_failed", f"{exc}{kept} No local answer is possible now.")
            yield _error_final(partial, decision, plan, str(exc), route="remote")
            return
        yield NoticeEvent("remote_failed", f"{exc}{kept}")
        yield NoticeEvent("fallback", "Answering on this PC instead.")
        separator = "\n\n" if partial else ""
        if separator:
            yield TokenEvent(separator, route="local")
        local = dataclasses.replace(
            retry.decision,
            reason=f"{decision.reason}; remote failed → {retry.decision.reason}",
        )
        yield from self.local(local, retry, prefix=partial + separator)

    # -- refuse ------------------------------------------------------------
    def refuse(self, reason: str, prompt_tokens: int) -> Iterator[Event]:
        """Neither local nor remote can answer: say why, in the final event."""
        message = f"genba cannot answer this now: {reason}."
        yield NoticeEvent("refused", message)
        yield FinalEvent(
            text="", route="refuse", reason=reason, experts=None, context=None,
            prompt_tokens=prompt_tokens, generated_tokens=0, ttft_s=None, tokens_per_s=None,
            stop_reason="error", error=message,
        )


def _error_final(
    text: str, decision: Decision, plan: Plan, error: str, *, route: Route
) -> FinalEvent:
    """The final event of an answer that could not be completed anywhere."""
    return FinalEvent(
        text=text, route=route, reason=f"{decision.reason}; {route} failed",
        experts=None, context=None, prompt_tokens=plan.prompt_tokens, generated_tokens=0,
        ttft_s=None, tokens_per_s=None, stop_reason="error", error=error,
    )


def _minimal_chat(messages: Messages) -> list[Mapping[str, str]]:
    """System messages and the last message: the least a trimmed prompt keeps."""
    if not messages:
        return []
    head = [m for m in messages[:-1] if m.get("role") == "system"]
    return [*head, messages[-1]]
