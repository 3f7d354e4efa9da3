"""Which passages an answer gets: the documents setting, the search, the relevance bar, the budget.

:class:`DocRetriever` is what :class:`engine.service.Engine` asks before planning an
answer. It reads ``docs.answers`` (``use`` / ``require`` / ``off``) and the caller's
wish (the CLI's ``--docs``), searches the index (:mod:`engine.docs.index`), keeps the
passages relevant enough to count as "found", and fits them into the free context in
the model's tokens (:mod:`engine.docs.grounding`). It never raises for a missing or
damaged index: answers go on without documents (``require`` then says nothing was found).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from engine.docs.grounding import fit_passages
from engine.docs.model import Passage
from engine.docs.terms import query_terms, terms
from engine.errors import BadInputError

log = logging.getLogger(__name__)

DocsMode = Literal["use", "require", "off"]

MIN_SHARE_OF_TERMS = 0.25
"""A passage counts as found when it holds at least this share of the question's terms
(and two of them, for a question of two terms or more). The index's OR query returns
any passage sharing a single word ("line", a common kanji pair); handing those to the
model, or calling them "found" under ``require``, would ground answers on noise."""


SHARE_OF_BEST = 0.5
"""...and at least half as many of them as the best passage: a page of the right manual
that shares only its title words ("line 3") is not a source of the answer."""


def relevant(question: str, passages: list[Passage]) -> list[Passage]:
    """The passages that share enough of the question's terms, in the order given.

    Enough: :data:`MIN_SHARE_OF_TERMS` of them (two at least) and :data:`SHARE_OF_BEST`
    of what the best-matching passage shares.
    """
    wanted = set(query_terms(question))
    if not wanted or not passages:
        return []
    shared = [len(wanted & set(terms(f"{p.heading} {p.text}"))) for p in passages]
    need = max(min(2, len(wanted)), MIN_SHARE_OF_TERMS * len(wanted), SHARE_OF_BEST * max(shared))
    return [p for p, n in zip(passages, shared, strict=True) if n >= need]


def docs_mode(setting: str, wanted: bool | None) -> DocsMode:
    """The mode of one answer from ``docs.answers`` and the caller's wish.

    ``wanted=None`` follows the setting; ``True`` (``genba ask --docs``) asks for the
    documents and is refused when the setting is ``off``; ``False`` answers without them,
    except under ``require``, which a caller cannot opt out of.
    """
    mode: DocsMode = setting if setting in ("use", "require", "off") else "use"  # type: ignore[assignment]
    if wanted is None or mode == "require":
        return mode
    if wanted and mode == "off":
        raise BadInputError(
            'answers from documents are off on this PC (docs.answers = "off"); '
            "ask without --docs, or ask IT to turn them on"
        )
    return mode if wanted else "off"


class DocRetriever:
    """Searches the document index for a question and fits the passages into a budget."""

    def __init__(self, index_db: Path) -> None:
        self.index_db = index_db

    def indexed(self) -> bool:
        """Whether an index exists at all (documents were indexed on this PC)."""
        return self.index_db.exists()

    def retrieve(
        self, question: str, *, limit: int, budget_tokens: int, count: Callable[[str], int]
    ) -> list[Passage]:
        """The relevant passages for ``question`` (best first) that fit ``budget_tokens``."""
        from engine.docs.index import DocIndex  # sqlite only when documents are used

        if not self.indexed():
            return []
        try:
            found = DocIndex(self.index_db).search(question, limit=limit)
        except Exception:  # never break an answer over the index: answer without it
            log.exception("searching the document index failed")
            return []
        return fit_passages(relevant(question, found), budget_tokens, count)
