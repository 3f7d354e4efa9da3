"""Re-ranking BM25's best passages by how closely they keep the question's words together.

BM25 scores a bag of terms: for "M8 bolts on line 11, station 9" a passage listing line 11,
station 25, M8 … in separate sentences scores like the one sentence that says "line 11,
station 9, M8". Shop-floor questions are full of such number–word pairs, so the index takes
BM25's :data:`POOL` best passages and multiplies each score by
``1 + PROXIMITY_WEIGHT × proximity``: the share of the question's *joints* that occur in
the passage too. A joint is where one token meets the next (``line``→``11``, ``ン``→``9``:
the last term of a word or CJK run and the first term of the next, :func:`terms.edges`);
pairs inside one CJK run say nothing more than the run's bigrams already do. A cheap
stand-in for phrase matching that needs no second index.
"""

from __future__ import annotations

import itertools

from engine.docs.terms import edges

POOL = 100
"""BM25 candidates re-ranked per search (beyond them BM25's order stands)."""
PROXIMITY_WEIGHT = 2.0
"""Measured on bench/docs_bench.py: 1.0 leaves near misses on top, 3.0 starts to
reorder plain English questions worse (top-passage accuracy 0.95 → 0.91)."""

Joint = tuple[str, str]


def joints(text: str) -> set[Joint]:
    """Where the tokens of ``text`` meet: (last term of a token, first term of the next)."""
    return {(a[1], b[0]) for a, b in itertools.pairwise(edges(text))}


def proximity(question: set[Joint], text: str) -> float:
    """The share of the question's joints that ``text`` has too (0.0 when it has none)."""
    if not question:
        return 0.0
    return len(question & joints(text)) / len(question)


def boosted(score: float, question: set[Joint], text: str) -> float:
    """A BM25 score (higher is better) raised by the passage's proximity to the question."""
    return score * (1.0 + PROXIMITY_WEIGHT * proximity(question, text))
