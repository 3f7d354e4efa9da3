"""Grounded answers: the passages found for a question, put into its prompt within a budget.

The passages go into the *last user message* (not a separate system message): a
small model follows "answer from these documents" best when the documents sit
right before the question, and the prompt's trimming never drops the last message,
so passages and question stay together. The caller's messages (the window's
history) never contain the passages: they are added per request here, like the
administrator's instructions (:func:`engine.answer.prompt_fit.with_system_prompt`).

The budget is counted in the model's own tokens (:class:`PassageCounter`), so the
prompt's sizing and the local/remote decision that follow see the extra tokens.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict

from engine.docs.model import Passage

Messages = Sequence[Mapping[str, str]]

INSTRUCTIONS = (
    "Answer the question using only the site documents below. Quote numbers, values and "
    "steps exactly as the documents give them and cite the document number like [1]. If "
    "the documents do not contain the answer, say that it is not in the site documents. "
    "Answer in the language of the question."
)
"""What the model is told to do with the passages (English: the models follow it best)."""

SHARE_OF_FREE_CONTEXT = 0.75
"""Passages may fill this share of the context the chat and the answer leave free."""


def source_line(number: int, passage: Passage) -> str:
    """``[1] Title — page 3`` (or the section's heading where a format has no pages)."""
    where = f"page {passage.page}" if passage.page is not None else passage.heading
    return f"[{number}] {passage.title}" + (f" — {where}" if where else "")


def passage_block(number: int, passage: Passage) -> str:
    """One passage as the prompt quotes it: its source line, then its text."""
    return f"{source_line(number, passage)}\n{passage.text.strip()}"


def grounded_question(question: str, passages: Sequence[Passage]) -> str:
    """The last user message with the instructions and the numbered passages before it."""
    blocks = "\n\n".join(passage_block(i, p) for i, p in enumerate(passages, 1))
    return f"{INSTRUCTIONS}\n\nSite documents:\n\n{blocks}\n\nQuestion: {question}"


def with_passages(messages: Messages, passages: Sequence[Passage]) -> list[Mapping[str, str]]:
    """``messages`` with the last (user) message grounded in ``passages`` (unchanged if none)."""
    chat = list(messages)
    if not passages or not chat:
        return chat
    last = dict(chat[-1])
    last["content"] = grounded_question(str(last.get("content", "")), passages)
    return [*chat[:-1], last]


def fit_passages(
    passages: Sequence[Passage], budget_tokens: int, count: Callable[[str], int]
) -> list[Passage]:
    """The best passages, in order, whose blocks fit ``budget_tokens`` (``count``: a text's tokens).

    A passage that does not fit is skipped and smaller ones after it may still fit,
    so one long passage cannot crowd out every other source.
    """
    if budget_tokens <= 0:
        return []
    kept: list[Passage] = []
    used = count(INSTRUCTIONS) + 16  # the instructions and the "Question:" frame
    for passage in passages:
        cost = count(passage_block(len(kept) + 1, passage)) + 2
        if used + cost <= budget_tokens:
            kept.append(passage)
            used += cost
    return kept


def free_context(context_tokens: int, prompt_tokens: int, max_tokens: int) -> int:
    """The tokens passages may use: a share of what the chat and the answer leave free."""
    return int(max(0, context_tokens - prompt_tokens - max_tokens) * SHARE_OF_FREE_CONTEXT)


def sources_of(passages: Sequence[Passage]) -> list[dict[str, object]]:
    """The passages as the final event carries them (plain dicts, JSON-friendly)."""
    return [asdict(p) for p in passages]
