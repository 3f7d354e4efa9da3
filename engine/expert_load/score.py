"""Route a site's text through the real model and count its expert load (``genba experts score``).

For a site that has collected no statistics, its own documents stand in for its
questions: the text is tokenized with the model's vocabulary and run through the
model's prompt pass in chunks of :data:`CHUNK_TOKENS` tokens (each from an empty
context, after BOS), in the inference worker with the routing callback on. Nothing
is sampled or generated. The model is loaded with ``logits_all``, because llama.cpp
otherwise computes its last layer only for the rows whose logits are needed (one per
chunk), and every layer must see every token for per-layer scores. That costs
``CHUNK_TOKENS`` x vocabulary x 4 bytes of logits (≈ 100 MB for the default model).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from disk.regular_file import FileReadError, read_regular_file

from engine.errors import BadInputError
from engine.expert_load.load import ExpertLoad, combine
from engine.local.worker_client import LlamaWorker
from engine.models.info import ModelInfo

CHUNK_TOKENS = 512
MAX_TEXT_BYTES = 64 << 20
"""A text file this large is hours of prompt processing on a PC; larger is a mistake."""


@dataclass(frozen=True)
class ScoreResult:
    """The load of one text: per chunk summed; ``chunks`` is stored as the answers."""

    load: ExpertLoad
    chunks: int
    experts: int


def read_text(path: Path) -> str:
    """The text of ``path`` (UTF-8); :class:`BadInputError` in one line otherwise."""
    try:
        data = read_regular_file(path, MAX_TEXT_BYTES)
    except FileReadError as exc:
        advice = {
            "not-regular": "give a UTF-8 text file",
            "too-large": "give a sample of the site's text",
        }.get(exc.kind, "check the path")
        raise BadInputError(f"{str(exc)[:1].upper()}{str(exc)[1:]}; {advice}.") from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadInputError(
            f"{path} is not UTF-8 text (byte {exc.start}); save it as UTF-8 and try again."
        ) from exc
    if not text.strip():
        raise BadInputError(f"{path} holds no text to route.")
    return text


def score_text(
    worker: LlamaWorker,
    info: ModelInfo,
    text: str,
    *,
    experts: int,
    n_threads: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ScoreResult:
    """Route ``text`` through the model at ``experts`` active experts; sum the load.

    ``progress(chunk, chunks)`` is called after each chunk. Raises the worker's errors
    (:class:`~engine.errors.LocalCrashError`, :class:`~engine.errors.ModelLoadError`).
    """
    worker.request(
        "load", path=str(info.path), architecture=info.architecture,
        expert_count=info.expert_count, experts=experts, n_ctx=CHUNK_TOKENS + 1,
        n_batch=CHUNK_TOKENS + 1, n_threads=n_threads, logits_all=True,
        fixed=not info.expert_used_overridable,
    )
    worker.request("set_tracing", enabled=True, keep_tokens=False)
    worker.request("take_load")
    bos = list(worker.request("tokenize", text="", add_bos=True)["tokens"])[:1]
    tokens = list(worker.request("tokenize", text=text, add_bos=False)["tokens"])
    chunks = [tokens[i : i + CHUNK_TOKENS] for i in range(0, len(tokens), CHUNK_TOKENS)]
    loads: list[ExpertLoad] = []
    for number, chunk in enumerate(chunks, 1):
        worker.request("evaluate", tokens=bos + chunk)
        layers = worker.request("take_load")["layers"]
        loads.append(ExpertLoad.from_worker(layers, info.expert_count))
        if progress is not None:
            progress(number, len(chunks))
    worker.request("unload")
    return ScoreResult(combine(loads, info.expert_count), len(chunks), experts)
