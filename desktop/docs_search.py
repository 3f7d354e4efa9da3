"""The "search documents" mode: passages for the typed words, without asking the model.

:meth:`DocsSearch.search` runs :meth:`engine.docs.index.DocIndex.search` on a
short-lived daemon thread (SQLite FTS5: milliseconds, but the index may sit on a
slow disk, and the GUI thread never waits on I/O) and posts the passages back
with :attr:`DocsSearch.found`. The engine and its worker are never involved: a
search works with no model loaded and while an answer is being written.
Searches are numbered, so a slow one that ends after a newer one is dropped.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal

log = logging.getLogger(__name__)


class _Courier(QObject):
    done = Signal(int, str, object)  # search number, query, list of Passage dicts (or None)


class DocsSearch(QObject):
    """Searches the document index off the GUI thread."""

    found = Signal(str, object)  # query, list[dict] (Passage dicts, best first; may be empty)
    failed = Signal(str)  # query: the index could not be read (logged)

    def __init__(self, index_db: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._index_db = index_db
        self._number = 0
        self._courier = _Courier(self)
        self._courier.done.connect(self._on_done, Qt.ConnectionType.QueuedConnection)

    def search(self, query: str, limit: int = 6) -> bool:
        """Start a search for ``query``; False when there is nothing to search for."""
        query = query.strip()
        if not query:
            return False
        self._number += 1
        threading.Thread(
            target=self._run,
            args=(self._number, query, limit),
            name="genba-docs-search",
            daemon=True,
        ).start()
        return True

    def _run(self, number: int, query: str, limit: int) -> None:
        try:
            passages = _search(self._index_db, query, limit)
        except Exception as exc:  # a broken index is one line in the window, never a crash
            log.warning("document search failed: %s", exc, exc_info=True)
            passages = None
        self._courier.done.emit(number, query, passages)

    def _on_done(self, number: int, query: str, passages: list[dict[str, Any]] | None) -> None:
        if number != self._number:
            return  # a newer search was started meanwhile
        if passages is None:
            self.failed.emit(query)
        else:
            self.found.emit(query, passages)


def _search(index_db: Path, query: str, limit: int) -> list[dict[str, Any]]:
    if not index_db.exists():
        return []  # nothing was ever indexed here
    from engine.docs.index import DocIndex

    return [dataclasses.asdict(p) for p in DocIndex(index_db).search(query, limit=limit)]
