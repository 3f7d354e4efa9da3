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

from engine.docs.terms import edges, is_cjk, tokens

POOL = 100
"""BM25 candidates re-ranked per search (beyond them BM25's order stands)."""
PROXIMITY_WEIGHT = 2.0
"""Measured on bench/docs_bench.py: 1.0 leaves near misses on top, 3.0 starts to
reorder plain English questions worse (top-passage accuracy 0.95 → 0.91)."""
MAX_BOOST = 1.0 + PROXIMITY_WEIGHT
"""The most a score can be multiplied by: once BM25 × this cannot reach the current top
results, the rest of the pool is not looked at (same results, far less work)."""

Joint = tuple[str, str]


def joints(text: str) -> set[Joint]:
    """Where the tokens of ``text`` meet: (last term of a token, first term of the next)."""
    return {(a[1], b[0]) for a, b in itertools.pairwise(edges(text))}


def _bigram(term: str) -> bool:
    return len(term) == 2 and all(is_cjk(c) for c in term)


def question_joints(question: str) -> frozenset[str]:
    """The question's joints as substrings of :func:`token_stream`, for :func:`proximity`.

    A joint (a, b) is in a passage exactly when its stream holds ``a b`` with a token
    boundary before a whole-token ``a`` and after a whole-token ``b`` (a bigram ``a`` is the
    end of its run by the space after it; a bigram ``b`` the start of its run by the space
    before it). Substring tests run in C: re-ranking 100 passages costs little.
    """
    found = set()
    for a, b in joints(question):
        left = a if _bigram(a) else f" {a}"
        right = b if _bigram(b) else f"{b} "
        found.add(f"{left} {right}")
    return frozenset(found)


def token_stream(text: str) -> str:
    """``text`` as its tokens separated by single spaces, with a space at each end."""
    return f" {' '.join(tokens(text))} "


def proximity(question: frozenset[str], text: str) -> float:
    """The share of the question's joints that ``text`` has too (0.0 when it has none)."""
    if not question:
        return 0.0
    stream = token_stream(text)
    return sum(joint in stream for joint in question) / len(question)


def boosted(score: float, question: frozenset[str], text: str) -> float:
    """A BM25 score (higher is better) raised by the passage's proximity to the question."""
    return score * (1.0 + PROXIMITY_WEIGHT * proximity(question, text))
