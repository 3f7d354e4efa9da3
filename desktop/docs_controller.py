"""The site's documents in the window: background indexing, "search documents", the source viewer.

Built from the collaborators it uses (the window connects nothing inside it):

* :class:`~desktop.docs_indexer.DocsIndexer` keeps the index current and
  :class:`~desktop.docs_status.DocsStatus` shows how far it got;
* the Search documents button and Ctrl+Shift+F run
  :class:`~desktop.docs_search.DocsSearch` on the message box's text and add
  the passages to the conversation as an entry of their own (the model is not
  asked; the text stays in the box to send as a question if wanted);
* a source link (under an answer or a search result) opens a
  :class:`~desktop.source_viewer.SourceViewer` at its page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.paths import Paths
from engine.settings import Settings
from PySide6.QtCore import QObject, Signal

from desktop.actions import WindowActions
from desktop.button_row import ButtonRow
from desktop.chat_view import ChatView, Entry
from desktop.docs_indexer import DocsIndexer, Runner, run_in_child
from desktop.docs_search import DocsSearch
from desktop.docs_status import DocsStatus
from desktop.input_box import InputBox
from desktop.source_viewer import SourceViewer

SEARCH_LIMIT = 6
"""How many passages a document search lists (at least ``docs.passages``)."""


class DocsController(QObject):
    """Indexing, document search and the source viewer, for one window."""

    search_shown = Signal()  # a search result was added to the conversation
    error_occurred = Signal(str)  # one translated line for the notice above the message box

    def __init__(
        self,
        parent: QObject,
        paths: Paths,
        *,
        chat: ChatView,
        input_box: InputBox,
        buttons: ButtonRow,
        actions: WindowActions,
        status: DocsStatus,
        font_scale: Callable[[], int],
        runner: Runner = run_in_child,
    ) -> None:
        super().__init__(parent)
        self._chat, self._input, self._status = chat, input_box, status
        self._font_scale = font_scale
        self._passages = 4
        self._deferred: list[Entry] = []  # results that came while an answer was written
        self.viewers: list[SourceViewer] = []
        self.indexer = DocsIndexer(paths, self, runner=runner)
        self.searcher = DocsSearch(paths.docs_index_db, self)
        self.indexer.started.connect(status.on_started)
        self.indexer.progressed.connect(status.on_progressed)
        self.indexer.finished.connect(status.on_finished)
        self.indexer.failed.connect(status.on_failed)
        self.searcher.found.connect(self.on_found)
        self.searcher.failed.connect(self.on_search_failed)
        buttons.search_docs_clicked.connect(self.search)
        actions.search_docs.triggered.connect(self.search)
        chat.action_requested.connect(self.on_message_action)

    def apply_settings(self, settings: Settings) -> None:
        """Follow the effective settings (re-indexes when the documents' settings changed)."""
        self._passages = settings.get_int("docs.passages")
        self.indexer.apply_settings(settings)

    def start(self) -> None:
        """The first index update (once the window is on screen)."""
        self.indexer.start()

    def stop(self) -> None:
        """Cancel indexing (the window is closing)."""
        self.indexer.stop()

    # -- search documents ----------------------------------------------------------------
    def search(self, *_: Any) -> bool:
        """Search the documents for the message box's text; False when the box is empty."""
        text = self._input.toPlainText().strip()
        if not text:
            self.error_occurred.emit(self.tr("Type the words to look for in the documents first."))
            self._input.setFocus()
            return False
        return self.searcher.search(text, limit=max(SEARCH_LIMIT, self._passages))

    def on_found(self, query: str, passages: list[dict[str, Any]]) -> None:
        """Show the passages as an entry of the conversation (not stored, not sent to the model).

        While an answer is being written its frame must stay the last one: the passages are
        shown as soon as it has ended (:meth:`on_answer_completed`).
        """
        entry = Entry.search(query, passages)
        if self._chat.busy:
            self._deferred.append(entry)
            return
        self._chat.add_entry(entry)
        self.search_shown.emit()

    def on_answer_completed(self, _final: object = None) -> None:
        """The answer on screen has ended (and the view is redrawn): show deferred results."""
        deferred, self._deferred = self._deferred, []
        for entry in deferred:
            self._chat.add_entry(entry)
        if deferred:
            self.search_shown.emit()

    def on_search_failed(self, _query: str) -> None:
        self.error_occurred.emit(
            self.tr("The documents cannot be searched right now (the index cannot be read).")
        )

    # -- sources ------------------------------------------------------------------------------
    def on_message_action(self, action: str, index: int, argument: int) -> None:
        """A source link was used: open the viewer at its page."""
        if action != "source" or not 0 <= index < len(self._chat.entries):
            return
        sources = self._chat.entries[index].sources
        if 0 <= argument < len(sources):
            self.open_source(sources[argument])

    def open_source(self, source: dict[str, Any]) -> SourceViewer:
        """Open a (non-modal) viewer for one passage's document."""
        viewer = SourceViewer(source, self._chat.window(), font_scale=self._font_scale())
        self.viewers.append(viewer)
        viewer.finished.connect(lambda _result, v=viewer: self._forget(v))
        viewer.show()
        return viewer

    def _forget(self, viewer: SourceViewer) -> None:
        if viewer in self.viewers:
            self.viewers.remove(viewer)
        viewer.deleteLater()
