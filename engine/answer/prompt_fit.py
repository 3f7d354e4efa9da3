"""Prompt sizing and trimming: how many tokens a chat costs, and what to drop so it fits.

Counting uses only the model's vocabulary (loaded alone in the inference worker,
:meth:`engine.local.model.LocalModel.count_chat_tokens`), so a query can be planned, and
sent to the remote server, without ever loading the weights. Trimming drops the oldest
turns but never a system message or the last message; :func:`minimal_chat` is what is
left when everything droppable is gone. :func:`with_system_prompt` puts the
administrator's instructions (``assistant.system_prompt``) in front of a chat, so they
are counted, kept by trimming, and sent with both local and remote answers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

from engine.decision import DecisionPolicy, ModelNeeds
from engine.errors import BadInputError, GenbaError

Messages = Sequence[Mapping[str, str]]
"""OpenAI-style chat messages: ``{"role": ..., "content": ...}`` dicts."""


class PromptCounter(Protocol):
    """Counts a chat's prompt tokens with one model's vocabulary and chat template."""

    def count_chat_tokens(self, messages: Messages) -> int:
        """Prompt tokens of ``messages`` under the model's chat template."""
        ...


def check_messages(messages: Messages) -> None:
    """Refuse a chat that cannot be a question: empty, or text that is not valid Unicode.

    Undecodable bytes reach Python as lone surrogates (``surrogateescape``, e.g. from
    a command-line argument); they could not be sent to llama.cpp or a server.
    """
    if not messages:
        raise BadInputError.of("question.missing")
    last = str(messages[-1].get("content", ""))
    if not last.strip():
        raise BadInputError.of("question.empty")
    for message in messages:
        try:
            str(message.get("content", "")).encode("utf-8")
        except UnicodeEncodeError:
            raise BadInputError.of("question.not_utf8") from None


def with_system_prompt(messages: Messages, system_prompt: str) -> list[Mapping[str, str]]:
    """The chat the model is given: ``system_prompt`` as a first system message, when set.

    The instructions are never part of the history: they are added to each request
    here, so a changed policy applies from the next answer on.
    """
    text = system_prompt.strip()
    if not text:
        return list(messages)
    return [{"role": "system", "content": text}, *messages]


def size_prompt(
    counter: PromptCounter,
    messages: Messages,
    *,
    needs: ModelNeeds,
    policy: DecisionPolicy,
    max_tokens: int,
) -> tuple[ModelNeeds, int, int]:
    """The prompt's tokens, and the trimmed prompt's when only trimming could make it fit.

    Returns ``needs`` (marked unusable if the vocabulary cannot be read), the
    prompt tokens and the minimal prompt's tokens (0 when not needed or unknown).
    """
    prompt = min_prompt = 0
    if needs.usable:
        try:
            prompt = counter.count_chat_tokens(messages)
            local_max = min(needs.context_length, policy.max_context_tokens or 1 << 30)
            if prompt + max_tokens > local_max and not policy.remote_available:
                min_prompt = counter.count_chat_tokens(minimal_chat(messages))
        except GenbaError as exc:
            needs = ModelNeeds.missing(f"cannot read its vocabulary ({exc})")
    return needs, prompt, min_prompt


def trim_to_fit(
    messages: Messages, limit: int, count: Callable[[Messages], int], *, keep_last: int = 1
) -> tuple[list[Mapping[str, str]], int]:
    """Drop the oldest turns (never system messages or the last ``keep_last``) until it fits.

    Returns the kept messages and how many were dropped; the result may still
    exceed ``limit`` when nothing droppable is left. A continued answer keeps its
    last two (the question and the partial answer being continued).
    """
    kept = list(messages)
    dropped = 0
    while count(kept) > limit:
        droppable = kept[:-keep_last] if keep_last > 0 else kept
        index = next((i for i, m in enumerate(droppable) if m.get("role") != "system"), None)
        if index is None:
            break
        del kept[index]
        dropped += 1
    return kept, dropped


def minimal_chat(messages: Messages) -> list[Mapping[str, str]]:
    """System messages and the last message: the least a trimmed prompt keeps."""
    if not messages:
        return []
    head = [m for m in messages[:-1] if m.get("role") == "system"]
    return [*head, messages[-1]]
