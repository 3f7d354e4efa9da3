"""The one text normalisation of the document index: the same terms for passages and questions.

* NFKC then casefold: full-width ``Ｍ８`` and ``M8`` are both ``m8``; half-width katakana
  becomes full-width.
* Latin letters and digits (and other alphabetic scripts) are kept as whole words.
* Runs of Han, Hiragana and Katakana become overlapping bigrams (``締付トルク`` →
  ``締付 付ト トル ルク``), a run of one character is kept as itself: Lucene's CJK bigram
  scheme. Japanese has no spaces and no dictionary is shipped, and FTS5's ``trigram``
  tokenizer cannot match the two-character words that carry most meaning on a shop floor
  (温度, 圧力, 締付). Whitespace *between* two CJK characters is dropped first, because a
  PDF breaks Japanese lines in the middle of words.

The index stores the terms joined by spaces in an FTS5 ``unicode61`` table, so FTS5 only
splits on those spaces. A query keeps its content terms (hiragana-only bigrams such as
``して`` and English stop words are dropped), at most :data:`MAX_QUERY_TERMS`, each quoted
in an ``OR`` query: nothing the user types is ever FTS5 syntax.
"""

from __future__ import annotations

import re
import unicodedata

MAX_QUERY_TERMS = 32
"""A question is a few dozen terms at most; a pasted page must not make a huge query."""

_CJK = "\u3005\u3006\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
"""々 〆, Hiragana, Katakana (with ー), CJK ideographs and their extensions/compatibility."""
_HIRAGANA_ONLY = re.compile(r"[\u3040-\u309f]+")
_TOKEN = re.compile(rf"(?P<cjk>[{_CJK}]+)|(?P<word>[^\W_{_CJK}]+)")
_CJK_GAP = re.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")

STOP_WORDS = frozenset({
    "a", "an", "and", "are", "as", "at", "be", "by", "can", "do", "does", "for", "from",
    "how", "i", "in", "is", "it", "my", "of", "on", "or", "the", "this", "to", "was", "what",
    "when", "where", "which", "who", "why", "with",
})  # fmt: skip
"""Question words that match nearly every English passage."""


def normalise(text: str) -> str:
    """NFKC and casefold: the form both the index and the query are compared in."""
    return unicodedata.normalize("NFKC", text).casefold()


def terms(text: str) -> list[str]:
    """The terms of ``text`` in order (words whole, CJK runs as overlapping bigrams)."""
    norm = _CJK_GAP.sub("", normalise(text))
    out: list[str] = []
    for match in _TOKEN.finditer(norm):
        run = match.group("cjk")
        if run is None:
            out.append(match.group("word"))
        elif len(run) == 1:
            out.append(run)
        else:
            out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out


def index_text(text: str) -> str:
    """What the FTS5 table stores for ``text``: its terms separated by spaces."""
    return " ".join(terms(text))


def query_terms(query: str) -> list[str]:
    """The distinct content terms of a question, in order, at most :data:`MAX_QUERY_TERMS`."""
    seen: dict[str, None] = {}
    for term in terms(query):
        if term in STOP_WORDS or _HIRAGANA_ONLY.fullmatch(term):
            continue
        seen.setdefault(term)
        if len(seen) >= MAX_QUERY_TERMS:
            break
    return list(seen)


def fts_query(query: str) -> str | None:
    """An FTS5 ``MATCH`` expression: every term quoted, joined by ``OR``; None when none.

    A term holds only letters and digits, but quotes are still doubled, so the
    expression stays a list of string literals whatever the input was.
    """
    found = query_terms(query)
    if not found:
        return None
    return " OR ".join('"' + term.replace('"', '""') + '"' for term in found)
