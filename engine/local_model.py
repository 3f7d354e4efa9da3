"""The resident local model: one loaded copy, reloaded only when N or the context changes.

llama.cpp fixes the number of active experts at load time, so answering with a
different N means loading again. Keeping a second copy resident is not an
option on shop-floor PCs: on AVX2 CPUs llama.cpp repacks some weight types into
anonymous memory at load, so two copies would double the memory. The old copy
is freed *before* the new one loads, and the switch time is reported on the
answer that paid for it.

Model work is serialised by one lock: one answer at a time per process.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from engine.errors import ContextTooLongError
from engine.events import Event, FinalEvent, StopReason, TokenEvent
from engine.llama_adapter import LlamaModel, Sampling, validate_experts
from engine.model_info import ModelInfo
from engine.notices import notice

log = logging.getLogger(__name__)

DEFAULT_CONTEXT = 4096


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


class LocalModel:
    """Owns the resident :class:`LlamaModel` for one model file."""

    def __init__(self, info: ModelInfo, *, n_threads: int | None = None) -> None:
        self.info = info
        self.n_threads = n_threads
        self._resident: LlamaModel | None = None
        self._lock = threading.Lock()

    @property
    def resident_experts(self) -> int | None:
        """N of the loaded copy, or None when nothing is loaded."""
        return self._resident.experts if self._resident is not None else None

    def close(self) -> None:
        """Free the resident model."""
        with self._lock:
            self._unload()

    def _unload(self) -> None:
        if self._resident is not None:
            self._resident.close()
            self._resident = None

    def _ensure_loaded_locked(self, experts: int, n_ctx: int) -> float | None:
        validate_experts(experts, self.info.expert_count)
        current = self._resident
        if current is not None and current.experts == experts and current.n_ctx == n_ctx:
            return None
        started = time.perf_counter()
        self._unload()
        self._resident = LlamaModel.load(
            self.info.path,
            architecture=self.info.architecture,
            expert_count=self.info.expert_count,
            experts=experts,
            n_ctx=n_ctx,
            n_threads=self.n_threads,
        )
        elapsed = time.perf_counter() - started
        log.info(
            "loaded %s with N=%d n_ctx=%d in %.3fs", self.info.path.name, experts, n_ctx, elapsed
        )
        return elapsed

    def stream(
        self, request: LocalRequest, cancel: threading.Event | None = None
    ) -> Iterator[Event]:
        """Answer ``request`` locally, yielding token events and one final event."""
        with self._lock:
            yield from self._stream_locked(request, cancel)

    def _stream_locked(
        self, request: LocalRequest, cancel: threading.Event | None
    ) -> Iterator[Event]:
        started = time.perf_counter()
        switch_s = self._ensure_loaded_locked(request.experts, request.n_ctx)
        model = self._resident
        assert model is not None
        if switch_s is not None:
            yield notice("reload", experts=request.experts, seconds=switch_s)
        model.set_tracing(request.trace)
        model.take_routing()  # drop anything left from an earlier answer
        prompt = model.chat_prompt_tokens(request.messages)
        room = model.n_ctx - len(prompt)
        if room <= 0:
            raise ContextTooLongError(
                f"The conversation is {len(prompt)} tokens long but the context holds "
                f"{model.n_ctx}. Start a new conversation or shorten the question."
            )
        max_tokens = min(request.max_tokens, room)
        gen_started = time.perf_counter()
        first_at: float | None = None
        last_at = gen_started
        pieces: list[str] = []
        generated = 0
        stop: StopReason = "stop"
        for token, text in model.generate(
            prompt,
            max_tokens=max_tokens,
            sampling=request.sampling,
            cancel=cancel,
            fresh=request.trace,
        ):
            now = time.perf_counter()
            if token >= 0:
                generated += 1
                last_at = now
                if first_at is None:
                    first_at = now
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
        yield FinalEvent(
            text="".join(pieces),
            route="local",
            reason=request.reason,
            experts=request.experts,
            context=model.n_ctx,
            prompt_tokens=len(prompt),
            generated_tokens=generated,
            ttft_s=ttft,
            tokens_per_s=tps,
            stop_reason=stop,
            model=self.info.name,
            switch_s=switch_s,
            routing=model.take_routing() if request.trace else None,
        )
