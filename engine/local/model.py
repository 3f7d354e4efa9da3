"""The resident local model: one loaded copy in the inference worker, reloaded only when N or
the context changes, and the largest N that model runs at on this PC.

llama.cpp runs in a worker process (:mod:`engine.local.worker_client`), so a crash
there ends one answer with :class:`~engine.errors.LocalCrashError` and the next
request starts a fresh worker. llama.cpp fixes the number of active experts at
load time, so answering with a different N means loading again. Keeping a
second copy resident is not an option on shop-floor PCs: on AVX2 CPUs llama.cpp
repacks some weight types into anonymous memory at load, so two copies would
double the memory. The old copy is freed *before* the new one loads, and the
switch time is reported on the answer that paid for it.

Safe N (:mod:`engine.local.safe_experts`): before a model is first used with a
library build, :meth:`LocalModel.probe` loads it at all experts in the worker;
if that crashes it searches down for the largest N that runs. A crash above the
known-good N lowers the limit; a crash at a known-good N counts against the
model, and two in a row mark it broken for this build.

Model work is serialised by one lock: one answer at a time per process.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from engine.errors import ContextTooLongError, ExpertCountError, LocalCrashError
from engine.events import Event, FinalEvent, StopReason, TokenEvent
from engine.expert_load.load import ExpertLoad
from engine.local.llama_adapter import Sampling, validate_experts
from engine.local.safe_experts import SafeExpertsStore, SafeRange, model_key
from engine.local.worker_client import LlamaWorker
from engine.models.info import ModelInfo
from engine.notices import notice

log = logging.getLogger(__name__)

DEFAULT_CONTEXT = 4096
PROBE_CONTEXT = 256
CRASHES_BEFORE_BROKEN = 2


@dataclass(frozen=True)
class LocalRequest:
    """One local answer: the chat, how many experts, how long, and why this N."""

    messages: Sequence[Mapping[str, str]]
    experts: int
    max_tokens: int = 512
    n_ctx: int = DEFAULT_CONTEXT
    reason: str = ""
    trace: bool = False
    sampling: Sampling = field(default_factory=Sampling)
    continue_last: bool = False
    """The last message is a partial assistant answer to continue, not a finished turn."""
    collect_load: bool = False
    """Count this answer's expert load (handed to the model's ``on_load``; no token lists)."""


class LocalModel:
    """Owns the worker process and the model resident in it, for one model file."""

    def __init__(
        self,
        info: ModelInfo,
        *,
        n_threads: int | None = None,
        cpu_cache: Path | None = None,
        safe_store: SafeExpertsStore | None = None,
        on_load: Callable[[ModelInfo, ExpertLoad], None] | None = None,
    ) -> None:
        """``on_load`` receives the expert load of each answer asked with ``collect_load``."""
        self.info = info
        self._on_load = on_load
        self.n_threads = n_threads
        self._worker = LlamaWorker(cpu_cache=cpu_cache)
        self._safe = safe_store or SafeExpertsStore(None)
        self._resident: tuple[int, int] | None = None
        """(N, n_ctx) loaded in the worker, while it runs."""
        self._tracing = (False, False)
        """(routing callback installed, per-token lists kept) in the worker's context."""
        self._crashes_in_a_row = 0
        self._lock = threading.RLock()

    # -- state ---------------------------------------------------------------
    @property
    def resident_experts(self) -> int | None:
        """N of the loaded copy, or None when nothing is loaded."""
        if self._resident is None or not self._worker.running:
            return None
        return self._resident[0]

    @property
    def worker(self) -> LlamaWorker:
        """The inference worker process (for diagnostics and tests)."""
        return self._worker

    def close(self) -> None:
        """Stop the worker, freeing the resident model."""
        with self._lock:
            self._worker.close()
            self._resident = None

    def _key(self) -> str:
        return model_key(self.info.path, self._worker.info().build)

    def safe_range(self) -> SafeRange | None:
        """What is recorded about N for this model with this build (starts the worker)."""
        return self._safe.get(self._key())

    # -- counting --------------------------------------------------------------
    def count_chat_tokens(self, messages: Sequence[Mapping[str, str]]) -> int:
        """Prompt tokens of a chat using only the model's vocabulary (the weights need not load)."""
        with self._lock:
            reply = self._worker.request(
                "count_chat", path=str(self.info.path), messages=[dict(m) for m in messages]
            )
        return int(reply["tokens"])

    # -- safe N ----------------------------------------------------------------
    def probe(self) -> SafeRange:
        """Find and record the largest N that runs (only when nothing is recorded yet)."""
        with self._lock:
            key = self._key()
            known = self._safe.get(key)
            if known is not None and known.limit is not None:
                return known
            started = time.perf_counter()
            self._probe_locked(key)
            result = self._safe.get(key) or SafeRange(None, None)
            log.info("probed %s: safe N <= %s in %.1fs", self.info.path.name, result.limit,
                     time.perf_counter() - started)
            if result.limit == 0:
                self._safe.mark_broken(key, f"llama.cpp crashes at every N ({result.reason})")
                result = self._safe.get(key) or result
            return result

    def _probe_locked(self, key: str) -> None:
        count = self.info.expert_count
        default = min(max(1, self.info.expert_used_count or 1), count)
        if not self.info.expert_used_overridable:
            self._runs_at(key, default)  # the file's N is the only one there is
            return
        if self._runs_at(key, count):
            return
        if not self._runs_at(key, default):
            for n in range(default - 1, 0, -1):  # below the file's own N: rare, go one by one
                if self._runs_at(key, n):
                    return
            return
        lo, hi = default, count  # lo runs, hi crashed: bisect (crashes grow with N)
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if self._runs_at(key, mid):
                lo = mid
            else:
                hi = mid

    def _runs_at(self, key: str, experts: int) -> bool:
        """Load at N in the worker and decode two tokens; record the outcome."""
        try:
            self._load_locked(experts, PROBE_CONTEXT)
            prompt = self._worker.request("tokenize", text="Hello", add_bos=True)["tokens"]
            for _ in self._worker.stream(
                "generate", prompt=prompt, max_tokens=2, sampling={"temperature": 0.0},
                fresh=True,
            ):
                pass
        except LocalCrashError as exc:
            self._resident = None
            self._safe.record_crash(key, experts, f"{exc.how}: {exc.detail}".rstrip(": "))
            return False
        self._safe.record_ok(key, experts)
        return True

    # -- loading ---------------------------------------------------------------
    def _load_locked(self, experts: int, n_ctx: int) -> float | None:
        validate_experts(experts, self.info.expert_count)
        fixed = not self.info.expert_used_overridable
        if fixed and experts != self.info.expert_used_count:
            raise ExpertCountError.of(
                "experts.fixed", file=self.info.path.name, fixed=self.info.expert_used_count,
                experts=experts,
            )
        if self._resident == (experts, n_ctx) and self._worker.running:
            return None
        started = time.perf_counter()
        self._resident = None
        self._tracing = (False, False)
        reply = self._worker.request(
            "load", path=str(self.info.path), architecture=self.info.architecture,
            expert_count=self.info.expert_count, experts=experts, n_ctx=n_ctx,
            n_threads=self.n_threads, fixed=fixed,
        )
        self._resident = (experts, int(reply["n_ctx"]))
        elapsed = time.perf_counter() - started
        log.info(
            "loaded %s with N=%d n_ctx=%d in %.3fs", self.info.path.name, experts, n_ctx, elapsed
        )
        return elapsed

    # -- answering -------------------------------------------------------------
    def stream(
        self, request: LocalRequest, cancel: threading.Event | None = None
    ) -> Iterator[Event]:
        """Answer ``request`` locally, yielding token events and one final event.

        Raises :class:`~engine.errors.LocalCrashError` when the worker dies (the
        tokens already yielded stay valid); the crash is recorded against N.
        """
        with self._lock:
            try:
                yield from self._stream_locked(request, cancel)
            except LocalCrashError as exc:
                self._resident = None
                self._learn_from_crash(request.experts, exc)
                raise
            self._crashes_in_a_row = 0

    def _learn_from_crash(self, experts: int, exc: LocalCrashError) -> None:
        try:
            key = self._key()  # starts a fresh worker: the build is needed for the record
        except LocalCrashError:
            return
        known = self._safe.get(key)
        why = f"{exc.how}: {exc.detail}".rstrip(": ")
        if known is None or known.max_ok is None or experts > known.max_ok:
            self._safe.record_crash(key, experts, why)
            return
        self._crashes_in_a_row += 1
        if self._crashes_in_a_row >= CRASHES_BEFORE_BROKEN:
            self._safe.mark_broken(key, f"crashed {self._crashes_in_a_row} times in a row ({why})")

    def _prompt_tokens(self, request: LocalRequest) -> list[int]:
        """The prompt: the chat under the model's template, or, to continue an answer, the
        chat up to the assistant turn followed by the partial answer's own tokens.

        The partial answer is tokenized on its own, without BOS or special tokens and
        with no end-of-turn after it, so the model's next token continues that text.
        """
        messages = [dict(m) for m in request.messages]
        if not request.continue_last:
            return list(self._worker.request("chat_tokens", messages=messages)["tokens"])
        head = self._worker.request("chat_tokens", messages=messages[:-1])["tokens"]
        tail = self._worker.request(
            "tokenize", text=messages[-1]["content"], add_bos=False, special=False
        )["tokens"]
        return [*head, *tail]

    def _prepare_tracing(self, request: LocalRequest) -> None:
        """Install the routing callback only for answers that need it (it costs decode speed)."""
        tracing = (request.trace or request.collect_load, request.trace)
        if self._tracing != tracing:
            self._worker.request("set_tracing", enabled=tracing[0], keep_tokens=tracing[1])
            self._tracing = tracing
        if tracing[0]:  # drop anything left from an earlier answer
            self._worker.request("take_routing")
            self._worker.request("take_load")

    def _hand_over_load(self) -> None:
        """Give this answer's expert load to ``on_load``; statistics never break an answer."""
        layers = self._worker.request("take_load")["layers"]
        if self._on_load is None:
            return
        try:
            load = ExpertLoad.from_worker(layers, self.info.expert_count)
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("expert load of this answer not counted: %s", exc)
            return
        self._on_load(self.info, load)

    def _stream_locked(
        self, request: LocalRequest, cancel: threading.Event | None
    ) -> Iterator[Event]:
        started = time.perf_counter()
        switch_s = self._load_locked(request.experts, request.n_ctx)
        assert self._resident is not None
        n_ctx = self._resident[1]
        if switch_s is not None:
            yield notice("reload", experts=request.experts, seconds=switch_s)
        self._prepare_tracing(request)
        prompt = self._prompt_tokens(request)
        room = n_ctx - len(prompt)
        if room <= 0:
            raise ContextTooLongError.of("context.too_long", tokens=len(prompt), n_ctx=n_ctx)
        max_tokens = min(request.max_tokens, room)
        gen_started = time.perf_counter()
        first_at: float | None = None
        last_at = gen_started
        pieces: list[str] = []
        generated = 0
        stop: StopReason = "stop"
        for item in self._worker.stream(
            "generate", cancel=cancel, prompt=prompt, max_tokens=max_tokens,
            sampling=asdict(request.sampling), fresh=request.trace,
        ):
            now = time.perf_counter()
            if int(item["token"]) >= 0:
                generated += 1
                last_at = now
                if first_at is None:
                    first_at = now
            text = str(item["text"])
            if text:
                pieces.append(text)
                yield TokenEvent(text)
        if cancel is not None and cancel.is_set():
            stop = "cancelled"
        elif generated >= max_tokens:
            stop = "length"
        ttft = (first_at - started) if first_at is not None else None
        decode_s = last_at - first_at if first_at is not None else 0.0
        tps = (generated - 1) / decode_s if generated > 1 and decode_s > 0 else None
        routing = self._worker.request("take_routing")["routing"] if request.trace else None
        if request.collect_load:
            self._hand_over_load()
        yield FinalEvent(
            text="".join(pieces),
            route="local",
            reason=request.reason,
            experts=request.experts,
            context=n_ctx,
            prompt_tokens=len(prompt),
            generated_tokens=generated,
            ttft_s=ttft,
            tokens_per_s=tps,
            stop_reason=stop,
            model=self.info.name,
            switch_s=switch_s,
            routing=routing,
        )
