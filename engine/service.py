"""The engine's front door: one object a GUI, the CLI or a test asks questions through.

:class:`Engine` resolves which model to run (explicit path > policy/user
``model.path`` > the updater's current-model pointer > the built-in default),
decides N and the context for each query, and streams the answer as events
(:mod:`engine.events`). It is synchronous and thread-agnostic: a GUI runs
:meth:`Engine.stream` on a worker thread and cancels it with a
``threading.Event``. A new model named by the updater's pointer is picked up at
the start of the next answer, never under a running one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from engine.current_model import pointer_stamp, read_current_model
from engine.errors import ModelNotFoundError
from engine.events import Event
from engine.llama_adapter import Sampling, validate_experts
from engine.local_model import DEFAULT_CONTEXT, LocalModel, LocalRequest
from engine.model_info import ModelInfo, inspect_model
from engine.paths import Paths

if TYPE_CHECKING:
    from engine.settings import Settings

log = logging.getLogger(__name__)


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


class Engine:
    """Answers chats with the local MoE model (and, where configured, a remote server)."""

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

    # -- what is loaded ----------------------------------------------------
    @property
    def model_info(self) -> ModelInfo:
        """Inspection of the model that answers locally."""
        return self._local.info

    def update_settings(self, settings: Settings) -> None:
        """Apply new effective settings (e.g. a reloaded policy) from the next answer on."""
        self.settings = settings

    def close(self) -> None:
        """Free the local model."""
        self._local.close()

    # -- choosing N and the context ------------------------------------------
    def default_experts(self) -> int:
        """N when the request does not ask: policy/user default, else the model's own."""
        configured = self.settings.get_int("experts.default") if self.settings else 0
        n = configured or self.model_info.expert_used_count or self.model_info.expert_count
        return max(1, min(n, self.model_info.expert_count))

    def context_size(self) -> int:
        """Context to load: the model's trained length capped by policy and a sane default."""
        cap = self.settings.get_int("resources.max_context_tokens") if self.settings else 0
        trained = self.model_info.context_length or DEFAULT_CONTEXT
        return min(trained, cap or DEFAULT_CONTEXT)

    def _choose_experts(self, requested: int | None) -> tuple[int, str]:
        if requested is not None:
            n = validate_experts(requested, self.model_info.expert_count)
            return n, f"N={n} requested"
        n = self.default_experts()
        return n, f"N={n} default"

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
        except ModelNotFoundError as exc:
            log.warning("keeping the current model: %s", exc)
            return
        log.info("switching to updated model %s", path)
        self._local.close()
        self._local = LocalModel(info, n_threads=self.n_threads)

    def stream(
        self,
        messages: Sequence[Mapping[str, str]],
        *,
        experts: int | None = None,
        max_tokens: int = 512,
        trace: bool = False,
        cancel: threading.Event | None = None,
        sampling: Sampling | None = None,
    ) -> Iterator[Event]:
        """Answer a chat: token events as they come, then one final event.

        ``messages`` are OpenAI-style ``{"role": ..., "content": ...}`` dicts.
        Setting ``cancel`` stops the answer within one token.
        """
        with self._busy:
            self._pick_up_new_model()
            n, reason = self._choose_experts(experts)
            request = LocalRequest(
                messages=list(messages),
                experts=n,
                max_tokens=max_tokens,
                n_ctx=self.context_size(),
                reason=reason,
                trace=trace,
                sampling=sampling or Sampling(),
            )
            yield from self._local.stream(request, cancel)
