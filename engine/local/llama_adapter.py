"""The one module that talks to llama.cpp (through llama-cpp-python).

Everything else in genba sees :class:`LlamaModel`, a narrow wrapper over
``llama_cpp.Llama``: load a GGUF with a given number of active experts, turn a
chat into tokens with the model's own template, stream token pieces, score a
text (perplexity), and optionally record which experts llama.cpp's router picked.

Why these choices:

* ``llama_cpp`` is imported lazily, inside functions, so ``genba --help``,
  inspection and the GUI start without loading the native library.
* llama.cpp fixes the number of active experts when the model is loaded (the
  ``<arch>.expert_used_count`` key override) and *aborts the process* for 0 or
  more than the expert count, so N is validated here before llama.cpp sees it.
* The routing trace uses llama.cpp's scheduler eval callback (``cb_eval``).
  ``Llama`` has no argument for it, and a Python callback is called for every
  graph node, which costs several percent of decode speed. So the callback is
  installed only while tracing, by swapping the context for one created with
  ``cb_eval`` set (weights stay loaded; only the KV cache is rebuilt).
* ``ValueError``/``RuntimeError`` from llama-cpp-python become :mod:`engine.errors`.
* The library is built portable; the CPU backend that suits this PC is
  registered before the first model loads (:mod:`engine.local.llama_cpu`).
* In the app and the CLI this module runs inside the inference worker process
  (:mod:`engine.local.worker_main`), so a crash in llama.cpp never takes them down.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import math
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.clean_text import Utf8Pieces, log_dropped
from engine.error_codes import ENGLISH
from engine.errors import ExpertCountError, GenerationError, ModelLoadError
from engine.local.llama_cpu import (
    CpuBackend,
    current_backend,
    ensure_cpu_backend,
    subprocess_selftest,
)
from engine.local.routing_trace import RoutingRecorder

# Used when a GGUF carries no chat template of its own.
_FALLBACK_TEMPLATE = (
    "{% for message in messages %}{{ message['role'] | capitalize }}: "
    "{{ message['content'] }}\n{% endfor %}"
    "{% if add_generation_prompt %}Assistant:{% endif %}"
)

_native_log = logging.getLogger("engine.llama_cpp")
log = logging.getLogger(__name__)
# ggml_log_level (ggml.h: NONE 0, DEBUG 1, INFO 2, WARN 3, ERROR 4, CONT 5) -> ours.
# llama-cpp-python's own table predates DEBUG=1 and is off by one. llama.cpp's
# INFO lines describe every tensor at load time, so they only show at DEBUG;
# CONT continues the previous line at its level.
_NATIVE_LEVELS = {1: logging.DEBUG, 2: logging.DEBUG, 3: logging.WARNING, 4: logging.ERROR}
_native_state: dict[str, Any] = {"callback": None, "level": logging.DEBUG, "cpu_cache": None}


def set_cpu_backend_cache(path: Path | None) -> None:
    """Where this process remembers the self-tested CPU backend (default: the user cache)."""
    _native_state["cpu_cache"] = path


def cpu_backend() -> CpuBackend | None:
    """The CPU backend llama.cpp uses in this process (None before the first load)."""
    return current_backend()


def _llama_cpp() -> Any:
    """Import llama_cpp lazily and route llama.cpp's log lines into our log file.

    llama-cpp-python prints llama.cpp's messages on stderr, where they corrupt
    the CLI's output and get lost in the GUI; genba's rotating log is where
    IT looks.
    """
    import llama_cpp

    if _native_state["callback"] is None:

        def forward(level: int, text: bytes, _user_data: Any) -> None:
            try:
                if level != 5:
                    _native_state["level"] = _NATIVE_LEVELS.get(level, logging.DEBUG)
                line = text.decode("utf-8", errors="replace").rstrip()
                if line:
                    _native_log.log(_native_state["level"], "%s", line)
            except Exception:  # never let an exception cross into C
                return

        _native_state["callback"] = llama_cpp.llama_log_callback(forward)
        llama_cpp.llama_log_set(_native_state["callback"], ctypes.c_void_p(0))
    _register_cpu_backend(llama_cpp)
    return llama_cpp


def prepare() -> CpuBackend | None:
    """Import llama.cpp and register this PC's CPU backend now (raises ModelLoadError)."""
    try:
        _llama_cpp()
    except ImportError as exc:  # pragma: no cover - packaging problem
        raise ModelLoadError(
            "llama-cpp-python is not installed. Reinstall genba (`make setup`)."
        ) from exc
    return current_backend()


def _register_cpu_backend(llama_cpp: Any) -> CpuBackend:
    from engine.local.child_command import module_command
    from engine.paths import Paths, forced_cpu_backend

    cache = _native_state["cpu_cache"]
    return ensure_cpu_backend(
        llama_cpp,
        cache_file=cache if cache is not None else Paths.default().cpu_backend_file,
        forced=forced_cpu_backend(),
        selftest=subprocess_selftest(
            module_command("engine.local.llama_selftest"), "GENBA_LLAMA_CPU"
        ),
    )


@dataclass(frozen=True)
class Sampling:
    """Sampling settings for generation. ``temperature=0`` is greedy (deterministic)."""

    temperature: float = 0.3
    top_k: int = 40
    top_p: float = 0.95
    min_p: float = 0.05
    repeat_penalty: float = 1.1
    seed: int = 0


def validate_experts(experts: int, expert_count: int) -> int:
    """Return ``experts`` if 1 <= experts <= expert_count, else raise ExpertCountError."""
    if isinstance(experts, bool) or not isinstance(experts, int):
        raise ExpertCountError(f"The number of experts must be a whole number, not {experts!r}.")
    if not 1 <= experts <= expert_count:
        raise ExpertCountError(
            f"This model has {expert_count} experts, so the number of active experts must be "
            f"between 1 and {expert_count}; {experts} was asked for."
        )
    return experts


class LlamaModel:
    """A loaded GGUF model with a fixed number of active experts."""

    def __init__(self, llama: Any, *, experts: int, path: Path, chat_template: str) -> None:
        self._llama = llama
        self.experts = experts
        self.path = path
        self._chat_template = chat_template
        self._recorder: RoutingRecorder | None = None
        self._closed = False

    # -- lifecycle ---------------------------------------------------------
    @classmethod
    def load(
        cls,
        path: Path,
        *,
        architecture: str,
        expert_count: int,
        experts: int,
        n_ctx: int,
        n_threads: int | None = None,
        n_batch: int = 256,
        logits_all: bool = False,
        fixed: bool = False,
    ) -> LlamaModel:
        """Load ``path`` with ``experts`` active experts per MoE layer.

        ``fixed``: the file gives N per layer, which llama.cpp reads without
        consulting key overrides; ``experts`` must then be the file's N and no
        override is passed (one would be silently ignored).
        """
        validate_experts(experts, expert_count)
        overrides = {} if fixed else {f"{architecture}.expert_used_count": experts}
        return _open(
            path,
            experts=experts,
            failure="llama.load_failed",
            n_ctx=n_ctx,
            n_batch=min(n_batch, n_ctx),
            n_threads=n_threads,
            n_threads_batch=n_threads,
            logits_all=logits_all,
            kv_overrides=overrides or None,
        )

    def close(self) -> None:
        """Free llama.cpp's model and context now (not at garbage collection)."""
        if not self._closed:
            self._closed = True
            self._llama.close()

    @property
    def n_ctx(self) -> int:
        """The context size of the loaded context."""
        return int(self._llama.n_ctx())

    # -- text <-> tokens ---------------------------------------------------
    def tokenize(self, text: str, *, add_bos: bool = True, special: bool = False) -> list[int]:
        """Tokens of ``text`` in this model's vocabulary."""
        return list(self._llama.tokenize(text.encode("utf-8"), add_bos=add_bos, special=special))

    def chat_prompt_tokens(self, messages: Sequence[Mapping[str, str]]) -> list[int]:
        """Tokens of a chat formatted with the model's own chat template."""
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        eos = self._token_text(self._llama.token_eos())
        bos = self._token_text(self._llama.token_bos())
        formatter = Jinja2ChatFormatter(self._chat_template, eos_token=eos, bos_token=bos)
        try:
            chat: Any = [dict(m) for m in messages]
            result = formatter(messages=chat)
        except Exception as exc:  # jinja2 raises many types for a broken template
            raise GenerationError(
                f"The model's chat template failed ({exc}). Use another model or report it."
            ) from exc
        return self.tokenize(result.prompt, add_bos=not result.added_special, special=True)

    def _token_text(self, token: int) -> str:
        if token < 0:
            return ""
        piece = self._llama._model.token_get_text(token)
        return piece.decode("utf-8", errors="ignore") if isinstance(piece, bytes) else str(piece)

    def is_end_of_generation(self, token: int) -> bool:
        """True for end-of-turn tokens (EOS, EOT...)."""
        llama_cpp = _llama_cpp()

        return bool(llama_cpp.llama_vocab_is_eog(self._llama._model.vocab, token))

    # -- generation --------------------------------------------------------
    def generate(
        self,
        prompt: Sequence[int],
        *,
        max_tokens: int,
        sampling: Sampling,
        cancel: threading.Event | None = None,
        fresh: bool = False,
    ) -> Iterator[tuple[int, str]]:
        """Yield ``(token, text)`` for each generated token until EOG, ``max_tokens`` or cancel.

        ``text`` is the newly complete UTF-8 text; it may be empty while a
        multi-byte character is split over tokens. Bytes that never form valid
        UTF-8, and U+FFFD, are dropped and counted in one log line per answer
        (:mod:`engine.clean_text`). Prefill is not interruptible,
        but every generated token is: cancel is checked before each one.
        ``fresh`` evaluates the whole prompt even if a prefix is still in the KV
        cache (so a routing trace covers every prompt token).
        """
        if fresh:
            self._llama.n_tokens = 0
        self._llama.set_seed(sampling.seed)
        decoder = Utf8Pieces()
        produced = 0
        try:
            stream = self._llama.generate(
                list(prompt),
                top_k=sampling.top_k,
                top_p=sampling.top_p,
                min_p=sampling.min_p,
                temp=sampling.temperature,
                repeat_penalty=sampling.repeat_penalty,
            )
            for token in stream:
                if self.is_end_of_generation(token):
                    break
                piece = self._llama.detokenize([token])
                yield token, decoder.feed(piece)
                produced += 1
                if produced >= max_tokens or (cancel is not None and cancel.is_set()):
                    break
            tail = decoder.finish()
            if tail:
                yield -1, tail
        except (ValueError, RuntimeError) as exc:
            raise GenerationError(
                f"llama.cpp failed while generating ({exc}). Try a shorter question, or restart."
            ) from exc
        finally:  # also when the reader stops early (cancel drops the token decoded ahead)
            log_dropped(log, "local", decoder)

    def perplexity(self, tokens: Sequence[int]) -> float:
        """Perplexity of ``tokens`` (needs a model loaded with ``logits_all=True``)."""
        import numpy as np

        if len(tokens) < 2:
            raise GenerationError("Perplexity needs at least two tokens of text.")
        if len(tokens) > self.n_ctx:
            raise GenerationError(f"Text of {len(tokens)} tokens exceeds context {self.n_ctx}.")
        self._llama.reset()
        self._llama.eval(list(tokens))
        scores = np.asarray(self._llama.scores[: len(tokens)], dtype=np.float64)
        logits = scores[:-1]
        shifted = logits - logits.max(axis=1, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        targets = np.asarray(tokens[1:])
        nll = -log_probs[np.arange(len(targets)), targets].mean()
        return float(math.exp(nll))

    # -- routing trace -----------------------------------------------------
    def set_tracing(self, enabled: bool, *, keep_tokens: bool = True) -> None:
        """Turn the routing trace on or off (rebuilds the context; weights stay loaded).

        ``keep_tokens`` off records only the expert load (:meth:`take_load`), not the
        per-token lists; switching it needs no new context.
        """
        if enabled == (self._recorder is not None):
            if self._recorder is not None:
                self._recorder.keep_tokens = keep_tokens
            return
        recorder = RoutingRecorder(keep_tokens=keep_tokens) if enabled else None
        self._swap_context(recorder)
        self._recorder = recorder

    def take_routing(self) -> list[list[list[int]]]:
        """Routing recorded since the last call: ``[layer][token] -> expert ids``."""
        return self._recorder.take() if self._recorder is not None else []

    def take_load(self) -> list[dict[str, Any]]:
        """Expert load since the last call (:meth:`RoutingRecorder.take_load`); [] untraced."""
        return self._recorder.take_load() if self._recorder is not None else []

    def evaluate(self, tokens: Sequence[int]) -> None:
        """Run the prompt pass over ``tokens`` from an empty context (no sampling).

        Used to route a text through the model for expert-load scoring; load the
        model with ``logits_all`` so that the last layer computes every row too.
        """
        if not tokens:
            return
        if len(tokens) > self.n_ctx:
            raise GenerationError(f"{len(tokens)} tokens exceed the context of {self.n_ctx}.")
        self._llama.reset()
        try:
            self._llama.eval(list(tokens))
        except (ValueError, RuntimeError) as exc:
            raise GenerationError(f"llama.cpp failed while reading the text ({exc}).") from exc
        finally:
            self._llama.n_tokens = 0  # nothing of this text may be reused as a prefix

    def _swap_context(self, recorder: RoutingRecorder | None) -> None:
        llama_cpp = _llama_cpp()
        from llama_cpp import _internals

        params = self._llama.context_params
        if recorder is None:
            params.cb_eval = llama_cpp.ggml_backend_sched_eval_callback()
        else:

            def callback(tensor: int, ask: bool, _user_data: int) -> bool:
                try:
                    return recorder.observe(tensor, ask)
                except Exception:  # never let an exception cross into C
                    # Asking: not wanted. Observing: False would stop llama.cpp's graph
                    # half-way (a broken answer), so the computation goes on.
                    return not ask

            # Keep a reference: ctypes callbacks are freed when collected.
            recorder.keepalive = llama_cpp.ggml_backend_sched_eval_callback(callback)
            params.cb_eval = recorder.keepalive
        params.cb_eval_user_data = None
        try:
            new_ctx = _internals.LlamaContext(
                model=self._llama._model, params=params, verbose=False
            )
        except ValueError as exc:
            raise ModelLoadError(f"llama.cpp could not create a new context ({exc}).") from exc
        old_ctx = self._llama._ctx
        self._llama._ctx = new_ctx
        self._llama._stack.callback(new_ctx.close)
        with contextlib.suppress(Exception):
            old_ctx.close()
        self._llama.reset()
        # The old KV cache is gone; make the prefix-reuse logic forget it too.
        self._llama.n_tokens = 0


def _open(path: Path, *, experts: int, failure: str, **llama_kwargs: Any) -> LlamaModel:
    """Create ``llama_cpp.Llama`` for ``path``; llama.cpp's errors become ModelLoadError.

    ``failure`` is the user-facing message, with ``{error}`` standing for llama.cpp's,
    or a code of :data:`engine.error_codes.ENGLISH` (fields ``path``, ``experts``,
    ``error``) when the operator may see it in the window.
    The one place that constructs ``Llama``, so every model gets the same log
    routing, chat-template fallback and error wrapping.
    """
    try:
        llama_cpp = _llama_cpp()
    except ImportError as exc:  # pragma: no cover - packaging problem
        raise ModelLoadError(
            "llama-cpp-python is not installed. Reinstall genba (`make setup`)."
        ) from exc
    try:
        llama = llama_cpp.Llama(model_path=str(path), verbose=False, **llama_kwargs)
    except (ValueError, RuntimeError, OSError) as exc:
        if failure in ENGLISH:
            raise ModelLoadError.of(
                failure, path=str(path), experts=experts, error=str(exc)
            ) from exc
        raise ModelLoadError(failure.replace("{error}", str(exc))) from exc
    template = llama.metadata.get("tokenizer.chat_template") or _FALLBACK_TEMPLATE
    return LlamaModel(llama, experts=experts, path=path, chat_template=template)


def tokenize_with_vocab(
    path: Path, text: str, *, add_bos: bool = False, special: bool = False
) -> list[int]:
    """Tokens of ``text`` using only the vocabulary of the GGUF at ``path`` (no weights load).

    Used by the default-model converter, whose dense source is not a MoE.
    """
    vocab = load_vocab_only(path)
    try:
        return vocab.tokenize(text, add_bos=add_bos, special=special)
    finally:
        vocab.close()


def load_dense(
    path: Path, *, n_ctx: int, n_threads: int | None = None, logits_all: bool = False
) -> LlamaModel:
    """Load a dense (non-MoE) GGUF, such as the default model's source, for comparisons.

    The returned model reports ``experts == 0``; everything else works as for a MoE.
    """
    return _open(
        path,
        experts=0,
        failure=f"llama.cpp could not load {path} ({{error}}).",
        n_ctx=n_ctx,
        n_batch=min(256, n_ctx),
        n_threads=n_threads,
        n_threads_batch=n_threads,
        logits_all=logits_all,
    )


def load_vocab_only(path: Path) -> LlamaModel:
    """The model's tokenizer and chat template without its weights (for counting prompts).

    Used to size a query before deciding whether to load the weights at all
    (low memory may send the query to the remote server instead). Only
    ``tokenize``/``chat_prompt_tokens`` work on the result.
    """
    return _open(
        path,
        experts=0,
        failure=f"llama.cpp could not read the vocabulary of {path} ({{error}}).",
        vocab_only=True,
        n_ctx=8,
    )
