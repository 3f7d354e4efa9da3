"""The engine's front door: one object a GUI, the CLI or a test asks questions through.

:class:`Engine` resolves which model to run (explicit path > policy/user
``model.path`` > the current-model pointer of the active store, the user's or the
machine's by policy ``model.store`` > the built-in default),
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

This module owns the facade: which model is loaded, the decision's hysteresis
state between answers, and serialising answers. The answer itself runs in
:mod:`engine.answer.run`; prompt counting and trimming live in
:mod:`engine.answer.prompt_fit`.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from disk.temps import remove_stale_temps

from engine.answer.prompt_fit import Messages, check_messages, size_prompt, with_system_prompt
from engine.answer.run import AnswerRun
from engine.decision import (
    Decision,
    DecisionPolicy,
    DecisionState,
    ModelNeeds,
    QueryNeeds,
    decide,
)
from engine.decision.rules import local_max_context
from engine.docs.grounding import free_context, sources_of, with_passages
from engine.docs.model import Passage
from engine.docs.retrieve import DocRetriever, docs_mode
from engine.errors import (
    GenbaError,
    LocalCrashError,
    ModelFileError,
    ModelLoadError,
    ModelNotFoundError,
)
from engine.events import Event, FinalEvent
from engine.expert_load.collect import LoadCollector
from engine.expert_load.load import ExpertLoad
from engine.local.llama_adapter import Sampling, validate_experts
from engine.local.machine import DecodeSpeedTracker, snapshot
from engine.local.model import LocalModel
from engine.local.safe_experts import SafeExpertsStore
from engine.models.access import configured_model, explicit_model
from engine.models.current import model_store, pointer_stamp, verified_current_model
from engine.models.info import ModelInfo, inspect_model
from engine.models.store import tidy_store
from engine.paths import Paths
from engine.pilot.energy import EnergyMeter
from engine.pilot.recorder import MetricsRecorder
from engine.pilot.store import FILE_NAME as METRICS_FILE
from engine.pilot.store import MetricsStore
from engine.reasons import part, render
from engine.remote.network import NetworkConfig, remote_status

if TYPE_CHECKING:
    from engine.settings import Settings

log = logging.getLogger(__name__)

LOCAL_RETRY_S = 60.0
"""After the local model fails to load, answer elsewhere for this long before trying again."""


def resolve_model_path(
    paths: Paths, settings: Settings | None = None, explicit: Path | None = None
) -> Path:
    """The model file to run, by precedence; raise ModelNotFoundError if there is none.

    ``model.allow_user_models`` off refuses an explicit file and ignores a user's
    ``model.path`` (:mod:`engine.models.access`).
    """
    if explicit is not None:
        return explicit_model(settings, explicit)
    configured = configured_model(settings)
    if configured is not None:
        return configured
    pointer = model_store(paths, settings).pointer
    current = verified_current_model(pointer, paths.verified_models_file)
    if current is not None:
        return current.path
    if paths.default_model_path.exists():
        return paths.default_model_path
    raise ModelNotFoundError.of("model.none")


def policy_for(
    settings: Settings,
    info: ModelInfo,
    *,
    remote_failed: bool = False,
    safe_max: int | None = None,
) -> tuple[DecisionPolicy, NetworkConfig]:
    """The decision policy for this model under these settings, and the network state.

    ``safe_max`` is the largest N llama.cpp runs this model at on this PC
    (:mod:`engine.local.safe_experts`); no mode, rule or request goes above it.
    """
    network = NetworkConfig.from_settings(settings)
    remote_ok, why_not = remote_status(settings, network)
    if remote_failed:
        remote_ok, why_not = False, "the remote server failed"
    policy = DecisionPolicy.from_settings(
        settings, info.expert_count, info.expert_used_count,
        remote_available=remote_ok, remote_unavailable_why=why_not, safe_max=safe_max,
        fixed_experts=None if info.expert_used_overridable else info.expert_used_count,
        useful=info.useful_range,
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
        self._pointer_stamp = pointer_stamp(model_store(paths, settings).pointer)
        # A killed import, update or settings write leaves temp files; none survive a start.
        tidy_store(paths)
        for folder in (paths.config_dir, paths.cache_dir):
            remove_stale_temps(folder)
        info = inspect_model(resolve_model_path(paths, settings, model_path))
        self.expert_load = LoadCollector(paths.expert_load_db)
        """Samples local answers' expert load into the statistics (``experts.stats_sample``)."""
        self._local = self._new_local(info)
        self._busy = threading.Lock()
        self._local_broken: tuple[str, float] | None = None
        """Why the local model failed to load, and until when not to try it again."""
        self._state = DecisionState()
        self.speeds = DecodeSpeedTracker()
        self._recorder: MetricsRecorder | None = None
        self.documents = DocRetriever(paths.docs_index_db)
        """Finds the site documents' passages for a question (``docs.answers``)."""

    def _new_local(self, info: ModelInfo) -> LocalModel:
        return LocalModel(
            info, n_threads=self.n_threads, cpu_cache=self.paths.cpu_backend_file,
            safe_store=SafeExpertsStore(self.paths.safe_experts_file),
            on_load=self._record_load,
        )

    def _record_load(self, info: ModelInfo, load: ExpertLoad) -> None:
        """A sampled local answer's expert load: into the statistics (never raises)."""
        self.expert_load.record(
            info, load, self.effective_settings(), model_store(self.paths, self.settings).pointer
        )

    # -- what is loaded ----------------------------------------------------
    @property
    def model_info(self) -> ModelInfo:
        """Inspection of the model that answers locally."""
        return self._local.info

    @property
    def local_model(self) -> LocalModel:
        """The model that answers on this PC (its weights load on first use)."""
        return self._local

    def update_settings(self, settings: Settings) -> None:
        """Apply new effective settings (e.g. a reloaded policy) from the next answer on."""
        self.settings = settings

    def effective_settings(self) -> Settings:
        """The settings in force: the ones given, else the built-in defaults."""
        from engine.settings import defaults

        return self.settings if self.settings is not None else defaults()

    def close(self) -> None:
        """Stop the inference worker, freeing the local model and its tokenizer."""
        self._local.close()

    def check_local(self) -> tuple[GenbaError | None, bool]:
        """Start the inference worker and run llama.cpp's quantized self-test in it.

        Returns why llama.cpp cannot run on this PC (None when it can; the error
        itself, so its code reaches the window) and whether the remote server
        could answer instead. The desktop calls it on start.
        """
        policy, _ = policy_for(self.effective_settings(), self.model_info)
        try:
            self._local.worker.request("selftest", n_threads=self.n_threads)
        except GenbaError as exc:
            log.error("llama.cpp self-test failed: %s", exc)
            return exc.with_traceback(None), policy.remote_available
        return None, policy.remote_available

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
        needs = self._needs()
        policy, network = policy_for(
            self.effective_settings(), self.model_info, remote_failed=remote_failed,
            safe_max=self._safe_max(needs),
        )
        needs, prompt, min_prompt = size_prompt(
            self._local, messages, needs=needs, policy=policy, max_tokens=max_tokens
        )
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
            name = info.path.name
            return ModelNeeds.missing(f"{name} is missing", part("model.missing", file=name))
        try:
            known = self._local.safe_range()
        except GenbaError as exc:  # the worker cannot even start: llama.cpp can't run here
            return ModelNeeds.missing(f"the local model cannot start ({exc})")
        if known is not None and known.broken:
            return ModelNeeds.missing(
                f"{info.path.name} is marked broken on this PC: {known.broken}",
                part("model.broken", file=info.path.name),
            )
        return ModelNeeds.from_info(info)

    def _safe_max(self, needs: ModelNeeds) -> int | None:
        """The largest N known to run (None: not probed yet, or the worker cannot start)."""
        if not needs.usable:
            return None
        try:
            known = self._local.safe_range()
        except GenbaError as exc:
            log.warning("cannot read the safe N: %s", exc)
            return None
        return known.limit if known is not None else None

    def count_tokens(self, messages: Messages) -> int:
        """Prompt tokens, using only the model's vocabulary (the weights may never load)."""
        return self._local.count_chat_tokens(messages)

    # -- what an answer reports back (see engine.answer.run.AnswerHost) ------
    def local_broke(self, exc: GenbaError) -> None:
        """The local model failed to load: free it and plan without it for a while."""
        self._local_broken = (str(exc), time.monotonic() + LOCAL_RETRY_S)
        self._local.close()

    def local_crashed(self, exc: GenbaError) -> None:
        """The worker died mid-answer: the next question starts a fresh one (nothing to wait)."""
        log.error("local model crashed: %s", exc)

    def local_answered(self, decision: Decision, final: FinalEvent) -> None:
        """A local answer ended: keep its decision as hysteresis and record its speed."""
        self._state = decision.next_state(self._state)
        if final.tokens_per_s and final.experts and final.stop_reason != "cancelled":
            self.speeds.record_speed(final.experts, final.tokens_per_s, final.generated_tokens)

    # -- answering -----------------------------------------------------------
    def _pick_up_new_model(self) -> None:
        """Switch to the model the updater's pointer names, between answers only."""
        if self._explicit_model is not None:
            return
        # The active store's pointer: policy may switch stores between answers too.
        stamp = pointer_stamp(model_store(self.paths, self.settings).pointer)
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
        self._local = self._new_local(info)
        self._local_broken = None
        self._state = DecisionState()
        self.speeds.clear()

    def _probe_and_replan(
        self, messages: Messages, experts: int | None, max_tokens: int, plan: Plan
    ) -> Plan:
        """First local use of this model with this build: find its safe N, then decide again."""
        try:
            self._local.probe()
        except (ModelLoadError, LocalCrashError) as exc:
            log.warning("probing the safe N failed: %s", exc)
            return plan  # the load fails again in the answer, which handles it
        return self.plan(messages, experts=experts, max_tokens=max_tokens)

    def stream(
        self,
        messages: Messages,
        *,
        experts: int | None = None,
        max_tokens: int = 512,
        trace: bool = False,
        cancel: threading.Event | None = None,
        sampling: Sampling | None = None,
        continue_last: bool = False,
        docs: bool | None = None,
    ) -> Iterator[Event]:
        """Answer a chat: notices, token events as they come, then one final event.

        ``docs``: answer from the site documents — ``None`` follows ``docs.answers``,
        ``True`` asks for them (``genba ask --docs``), ``False`` answers without them
        unless policy requires them. The passages used are the final event's ``sources``.

        ``messages`` are OpenAI-style ``{"role": ..., "content": ...}`` dicts.
        Setting ``cancel`` stops the answer within one token.

        ``continue_last``: the last message is an assistant answer cut short (by the
        token limit); the model goes on writing it. Locally the prompt is the chat
        template up to the assistant turn plus the partial answer's tokens, with no
        end-of-turn; a remote server gets the partial answer as the last message
        (servers that support assistant prefill continue it; others answer anew).
        The events carry only the new text: the caller appends it to the partial one.
        """
        if continue_last and (not messages or messages[-1].get("role") != "assistant"):
            raise ValueError("continue_last needs a partial assistant message last")
        with self._busy:
            events = self._answer(messages, experts=experts, max_tokens=max_tokens, trace=trace,
                                  cancel=cancel, sampling=sampling, continue_last=continue_last,
                                  docs=docs)
            recorder = self._metrics_recorder()
            if recorder is None:
                yield from events
            else:
                yield from recorder.watch(events, lambda: self._local.worker.pid)

    def _metrics_recorder(self) -> MetricsRecorder | None:
        """The pilot metrics recorder while ``metrics.enabled`` is on (None when off)."""
        settings = self.effective_settings()
        if not settings.get_bool("metrics.enabled"):
            return None
        watts = settings.get_float("metrics.cpu_watts")
        if self._recorder is None or self._recorder.meter.cpu_watts != watts:
            self._recorder = MetricsRecorder(
                MetricsStore(self.paths.data_dir / METRICS_FILE), EnergyMeter(watts)
            )
        return self._recorder

    def _answer(
        self,
        messages: Messages,
        *,
        experts: int | None,
        max_tokens: int,
        trace: bool,
        cancel: threading.Event | None,
        sampling: Sampling | None,
        continue_last: bool,
        docs: bool | None = None,
    ) -> Iterator[Event]:
        """One answer's events (:meth:`stream` without the metrics); holds ``_busy``."""
        self._pick_up_new_model()
        if experts is not None:
            validate_experts(experts, self.model_info.expert_count)
        check_messages(messages)
        # The administrator's instructions go in front here, the one place every answer
        # (local, remote, fallback, retry) and its sizing start from.
        settings = self.effective_settings()
        messages = with_system_prompt(messages, settings.get_str("assistant.system_prompt"))
        mode = docs_mode(settings.get_str("docs.answers"), docs)
        passages: list[Passage] = []
        if mode != "off" and not continue_last:  # a continued answer keeps its sources
            passages = self._passages(messages, max_tokens)
            if mode == "require" and not passages:
                code = "docs.not_found" if self.documents.indexed() else "docs.none_indexed"
                parts = (part(code),)
                run = AnswerRun(self, messages, experts=experts, trace=False, cancel=cancel,
                                sampling=sampling or Sampling(), continue_last=False,
                                collect_load=False)
                yield from run.refuse(render(parts), 0, parts)
                return
            messages = with_passages(messages, passages)
        events = self._run_answer(messages, experts=experts, max_tokens=max_tokens, trace=trace,
                                  cancel=cancel, sampling=sampling, continue_last=continue_last)
        if not passages:
            yield from events
            return
        for event in events:
            yield (
                dataclasses.replace(event, sources=sources_of(passages))
                if isinstance(event, FinalEvent) else event
            )

    def _passages(self, messages: Messages, max_tokens: int) -> list[Passage]:
        """The site documents' passages for the last message, within the free context."""
        if not self.documents.indexed():
            return []  # no index yet: not even a token count
        settings = self.effective_settings()
        policy, _ = policy_for(settings, self.model_info)
        needs = ModelNeeds.from_info(self.model_info)
        try:
            prompt = self.count_tokens(messages)
        except GenbaError:
            prompt = sum(_rough_tokens(str(m.get("content", ""))) for m in messages)
        budget = free_context(local_max_context(policy, needs), prompt, max_tokens)
        return self.documents.retrieve(
            str(messages[-1].get("content", "")), limit=settings.get_int("docs.passages"),
            budget_tokens=budget, count=self._count_text,
        )

    def _count_text(self, text: str) -> int:
        """A text's tokens in the model's vocabulary (a rough count if it cannot be read)."""
        try:
            return self.count_tokens([{"role": "user", "content": text}])
        except GenbaError:
            return _rough_tokens(text)

    def _run_answer(
        self,
        messages: Messages,
        *,
        experts: int | None,
        max_tokens: int,
        trace: bool,
        cancel: threading.Event | None,
        sampling: Sampling | None,
        continue_last: bool,
    ) -> Iterator[Event]:
        """Plan and run the answer to ``messages`` as given (instructions and passages in)."""
        plan = self.plan(messages, experts=experts, max_tokens=max_tokens)
        if plan.decision.route == "local" and self._safe_max(plan.needs) is None:
            plan = self._probe_and_replan(messages, experts, max_tokens, plan)
        decision = plan.decision
        log.info("decision: %s, N=%s, context=%s: %s", decision.route,
                 decision.experts, decision.context, decision.reason)
        run = AnswerRun(self, list(messages), experts=experts, trace=trace, cancel=cancel,
                        sampling=sampling or Sampling(), continue_last=continue_last,
                        collect_load=self.expert_load.sample(self.effective_settings()))
        if decision.route == "local":
            yield from run.local(decision, plan)
        elif decision.route == "remote":
            yield from run.remote(decision, plan)
        else:
            yield from run.refuse(decision.reason, plan.prompt_tokens, decision.reason_parts)


def _rough_tokens(text: str) -> int:
    """A safe over-estimate of a text's tokens when the vocabulary cannot be read."""
    return len(text.encode("utf-8")) // 2 + 1
