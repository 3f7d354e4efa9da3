"""The bench's baseline: SQLite FTS5 with the ``trigram`` tokenizer and BM25, done plainly.

What a first attempt at Japanese search without a dictionary looks like, to measure (not
assert) why genba's index uses CJK bigrams instead. Passages: each page's text cut at
paragraph ends into pieces of at most ~600 characters. Queries: the question cut into runs
of one script (kanji, katakana, Latin letters and digits; hiragana particles and
punctuation dropped); runs of three or more characters are OR-ed as FTS5 phrases. Runs of
one or two characters (most Japanese words: 締付, 温度, 周期; and "M8") cannot be matched
by trigrams at all — that is the baseline's weakness.
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

CHUNK_CHARS = 600
_RUN = re.compile(r"[\u4e00-\u9fff々]+|[\u30a0-\u30ffー]+|[0-9A-Za-z][0-9A-Za-z.\-]*")


@dataclass(frozen=True)
class Hit:
    """A baseline result: the file name and page of a passage."""

    doc: str
    page: int | None
    text: str


def chunks(text: str) -> list[str]:
    """``text`` cut at line ends into pieces of at most :data:`CHUNK_CHARS` characters."""
    pieces: list[str] = []
    current = ""
    for line in text.splitlines():
        if current and len(current) + len(line) > CHUNK_CHARS:
            pieces.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    if current.strip():
        pieces.append(current)
    return pieces


class TrigramIndex:
    """An in-memory FTS5 trigram index of (doc, page, text) passages."""

    def __init__(self) -> None:
        self.db = sqlite3.connect(":memory:")
        self.db.execute(
            "CREATE VIRTUAL TABLE p USING fts5(text, doc UNINDEXED, page UNINDEXED,"
            " tokenize='trigram')"
        )

    def add(self, rows: Iterable[tuple[str, int | None, str]]) -> None:
        """Index (doc, page, page text) rows, each cut into :func:`chunks`."""
        self.db.executemany(
            "INSERT INTO p(text, doc, page) VALUES (?, ?, ?)",
            (
                (unicodedata.normalize("NFKC", piece), doc, page)
                for doc, page, text in rows
                for piece in chunks(text)
            ),
        )

    def search(self, query: str, limit: int = 5) -> list[Hit]:
        """Best passages first; [] when no run of the query is long enough to match."""
        runs = _RUN.findall(unicodedata.normalize("NFKC", query))
        terms = ['"' + run.replace('"', '""') + '"' for run in runs if len(run) >= 3]
        if not terms:
            return []
        rows = self.db.execute(
            "SELECT doc, page, text FROM p WHERE p MATCH ? ORDER BY bm25(p) LIMIT ?",
            (" OR ".join(terms), limit),
        ).fetchall()
        return [Hit(doc, page, text) for doc, page, text in rows]
