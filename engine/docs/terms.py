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
_IS_CJK = re.compile(rf"[{_CJK}]")
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


def runs(text: str) -> list[list[str]]:
    """The terms of ``text`` grouped by token: a word is ``[word]``, a CJK run its bigrams."""
    norm = _CJK_GAP.sub("", normalise(text))
    out: list[list[str]] = []
    for match in _TOKEN.finditer(norm):
        run = match.group("cjk")
        if run is None:
            out.append([match.group("word")])
        elif len(run) == 1:
            out.append([run])
        else:
            out.append([run[i : i + 2] for i in range(len(run) - 1)])
    return out


_TOKEN_TEXT = re.compile(rf"[{_CJK}]+|[^\W_{_CJK}]+")


def tokens(text: str) -> list[str]:
    """The tokens of ``text`` after normalisation: words, and CJK runs whole."""
    return _TOKEN_TEXT.findall(_CJK_GAP.sub("", normalise(text)))


def is_cjk(char: str) -> bool:
    """Whether ``char`` is Han, Hiragana or Katakana (the characters made into bigrams)."""
    return _IS_CJK.match(char) is not None


def edges(text: str) -> list[tuple[str, str]]:
    """Each token's first and last term, in order (what :func:`runs` gives, without the middle).

    Cheaper than :func:`runs` on long text: re-ranking needs only where tokens meet.
    """
    out: list[tuple[str, str]] = []
    for token in tokens(text):
        if len(token) > 2 and _IS_CJK.match(token):
            out.append((token[:2], token[-2:]))
        else:
            out.append((token, token))
    return out


def terms(text: str) -> list[str]:
    """The terms of ``text`` in order (words whole, CJK runs as overlapping bigrams)."""
    return [term for run in runs(text) for term in run]


def index_text(text: str) -> str:
    """What the FTS5 table stores for ``text``: its terms separated by spaces."""
    return " ".join(terms(text))


_SCRIPT = re.compile(r"[\u3040-\u309f]+|[\u30a0-\u30ff]+|[^\u3040-\u30ff]+")
"""A CJK run cut where the script changes: hiragana | katakana (with ー) | kanji."""


def _cjk_units(run: str) -> list[tuple[str, ...]]:
    """The query units of one CJK run, cut by script (a cheap stand-in for word boundaries).

    Hiragana (particles, okurigana) is left out. A katakana word must appear whole (the
    phrase of its bigrams: ボルト, not ボル or ルト alone). A kanji compound gives each of
    its bigrams (金型温度 also finds 金型の温度). A lone kanji or katakana has no term of its
    own in the index (only its bigrams with its neighbours), so those bigrams stand for it.
    """
    if len(run) == 1:
        return [] if _HIRAGANA_ONLY.fullmatch(run) else [(run,)]
    units: list[tuple[str, ...]] = []
    for segment in _SCRIPT.finditer(run):
        text, start = segment.group(), segment.start()
        if _HIRAGANA_ONLY.fullmatch(text):
            continue
        if len(text) == 1:
            around = [run[i : i + 2] for i in (start - 1, start) if i >= 0 and i + 2 <= len(run)]
            units.extend((bigram,) for bigram in around)
        elif "\u30a0" <= text[0] <= "\u30ff":
            units.append(tuple(text[i : i + 2] for i in range(len(text) - 1)))
        else:
            units.extend((text[i : i + 2],) for i in range(len(text) - 1))
    return units


def query_units(query: str) -> list[tuple[str, ...]]:
    """The distinct content units of a question, in order, at most :data:`MAX_QUERY_TERMS`.

    A unit is one term, or a phrase of consecutive terms (a katakana word's bigrams).
    English stop words and hiragana are left out (see :func:`_cjk_units`).
    """
    norm = _CJK_GAP.sub("", normalise(query))
    seen: dict[tuple[str, ...], None] = {}
    for match in _TOKEN.finditer(norm):
        word = match.group("word")
        units: list[tuple[str, ...]]
        if word is not None:
            units = [] if word in STOP_WORDS else [(word,)]
        else:
            units = _cjk_units(match.group("cjk"))
        for unit in units:
            seen.setdefault(unit)
            if len(seen) >= MAX_QUERY_TERMS:
                return list(seen)
    return list(seen)


def query_terms(query: str) -> list[str]:
    """The distinct terms of a question's content units, in order."""
    seen: dict[str, None] = {}
    for unit in query_units(query):
        for term in unit:
            seen.setdefault(term)
    return list(seen)


def fts_query(query: str) -> str | None:
    """An FTS5 ``MATCH`` expression: every unit quoted (a phrase), joined by ``OR``; or None.

    A term holds only letters and digits, but quotes are still doubled, so the
    expression stays a list of string literals whatever the input was.
    """
    units = query_units(query)
    if not units:
        return None
    return " OR ".join('"' + " ".join(unit).replace('"', '""') + '"' for unit in units)
