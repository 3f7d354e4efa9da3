"""The documents' line in the status area, and the list of documents that were skipped.

The line follows :class:`~desktop.docs_indexer.DocsIndexer`:
"Indexing documents 12 of 40…" while a run goes, then "Documents: 38 indexed"
with a "2 skipped" button beside it (a Tab stop) that opens
:class:`SkippedDialog`: each skipped file and why, in the window's language
(:mod:`desktop.skip_text`). With no documents set up the line is hidden; when
the index cannot be updated it says so in one sentence (the details are logged).
"""

from __future__ import annotations

from pathlib import Path

from engine.docs.model import DocumentStatus, IndexProgress
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.docs_indexer import IndexOutcome
from desktop.skip_text import skip_text


class DocsStatus(QWidget):
    """"Documents: 38 indexed" and a "2 skipped" button, or the indexing progress."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel(self)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setWordWrap(True)
        self.skipped_button = QPushButton(self)
        self.skipped_button.setFlat(True)
        self.skipped_button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.skipped_button.setVisible(False)
        self.skipped_button.clicked.connect(self.show_skipped)
        row = QHBoxLayout(self)
        row.setContentsMargins(4, 0, 4, 2)
        row.addWidget(self.label, 0)
        row.addWidget(self.skipped_button, 0, Qt.AlignmentFlag.AlignTop)  # beside its count
        row.addStretch(1)
        self._state = "none"  # "none", "indexing", "done" or "failed"
        self._progress: IndexProgress | None = None
        self.outcome: IndexOutcome | None = None
        self.dialog: SkippedDialog | None = None
        self.setVisible(False)
        self.retranslate()

    # -- inputs (from DocsIndexer) ------------------------------------------------------
    def on_started(self) -> None:
        """A run began (its first progress says how many files)."""
        self._state, self._progress = "indexing", None
        self.retranslate()

    def on_progressed(self, progress: IndexProgress) -> None:
        """``done`` of ``total`` files looked at."""
        self._state, self._progress = "indexing", progress
        self.retranslate()

    def on_finished(self, outcome: IndexOutcome) -> None:
        """The run ended: the totals, and who was skipped."""
        self._state, self.outcome = "done", outcome
        self.retranslate()
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.set_documents(outcome.skipped, [s.folder for s in outcome.unreachable])

    def on_failed(self, _message: str) -> None:
        """The run failed (logged by the indexer): say so without the engineer's words."""
        self._state = "failed"
        self.retranslate()

    # -- texts ---------------------------------------------------------------------------------
    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def text(self) -> str:
        """The line as shown."""
        return self.label.text()

    def retranslate(self) -> None:
        """Build the line for the current state in the current language."""
        outcome, skipped = self.outcome, self.outcome.skipped if self.outcome else []
        visible = True
        if self._state == "indexing":
            p = self._progress
            text = (
                self.tr("Indexing documents {done} of {total}…").format(done=p.done, total=p.total)
                if p is not None and p.total
                else self.tr("Indexing documents…")
            )
        elif self._state == "failed":
            text = self.tr(
                "The documents could not be indexed, so answers do not use them — ask IT."
            )
        elif outcome is not None and (outcome.documents or outcome.unreachable):
            text = self.tr("Documents: {n} indexed").format(n=outcome.indexed)
            if outcome.unreachable:
                text += " · " + self.tr(
                    "cannot reach {n} of the document folders (not connected?) — ask IT"
                ).format(n=len(outcome.unreachable))
        else:
            text, visible = "", False  # no documents are set up here: nothing to say
        self.label.setText(text)
        self.label.setAccessibleName(self.tr("Documents"))
        unreachable = outcome.unreachable if outcome else []
        show_skipped = self._state == "done" and bool(skipped or unreachable)
        self.skipped_button.setVisible(show_skipped)
        self.skipped_button.setText(
            self.tr("{n} skipped").format(n=len(skipped))
            if skipped
            else self.tr("Which folders?")
        )
        self.skipped_button.setAccessibleName(
            self.tr("{n} documents were skipped: show which and why").format(n=len(skipped))
        )
        self.skipped_button.setToolTip(self.tr("Show the documents that are not indexed, and why"))
        self.setVisible(visible)

    def show_skipped(self) -> None:
        """Open (non-modal) the list of skipped documents."""
        if self.dialog is None:
            self.dialog = SkippedDialog(self.window())
        self.dialog.set_documents(
            self.outcome.skipped if self.outcome else [],
            [s.folder for s in self.outcome.unreachable] if self.outcome else [],
        )
        self.dialog.show()
        self.dialog.raise_()
        self.dialog.activateWindow()


class SkippedDialog(QDialog):
    """Each skipped document and why, in the window's language."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        self.table = QTableWidget(0, 2, self)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.buttons)
        self._documents: list[DocumentStatus] = []
        self._folders: list[Path] = []
        width = self.fontMetrics().horizontalAdvance("n") * 90
        self.resize(width, self.fontMetrics().height() * 20)
        self.retranslate()

    def set_documents(
        self, documents: list[DocumentStatus], folders: list[Path] | None = None
    ) -> None:
        """Show these skipped documents, and the document folders that cannot be reached."""
        self._documents = list(documents)
        self._folders = list(folders or [])
        self.retranslate()

    def reasons(self) -> list[tuple[str, str]]:
        """(file, reason) rows as shown (the file cell: its name, then its folder)."""
        rows: list[tuple[str, str]] = []
        for r in range(self.table.rowCount()):
            file_item, reason_item = self.table.item(r, 0), self.table.item(r, 1)
            rows.append((
                file_item.text() if file_item is not None else "",
                reason_item.text() if reason_item is not None else "",
            ))
        return rows

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        """Re-read the texts and the reasons in the current language."""
        self.setWindowTitle(self.tr("Documents not indexed"))
        self.intro.setText(
            self.tr(
                "These files are not in the document index, so answers cannot use them. "
                "Fix or replace a file and it is indexed again automatically."
            )
        )
        self.table.setHorizontalHeaderLabels([self.tr("File"), self.tr("Why")])
        self.table.setAccessibleName(self.tr("Documents not indexed"))
        self.table.setRowCount(len(self._folders) + len(self._documents))
        for row, folder in enumerate(self._folders):
            folder_item = QTableWidgetItem(str(folder))
            folder_item.setToolTip(str(folder))
            why = self.tr(
                "the folder cannot be reached (not connected, renamed or deleted); "
                "its documents are not used — ask IT"
            )
            self.table.setItem(row, 0, folder_item)
            self.table.setItem(row, 1, QTableWidgetItem(why))
        for row, doc in enumerate(self._documents, start=len(self._folders)):
            path = Path(doc.path)
            # The name first (what the operator looks for), its folder under it (where to fix it).
            file_item = QTableWidgetItem(f"{path.name}\n{path.parent}")
            file_item.setToolTip(doc.path)
            reason = skip_text(doc.skip_code, doc.skip_params, doc.reason)
            reason_item = QTableWidgetItem(reason)
            reason_item.setToolTip(reason)
            self.table.setItem(row, 0, file_item)
            self.table.setItem(row, 1, reason_item)
        self.table.resizeColumnToContents(0)
        self.table.setColumnWidth(
            0, min(self.table.columnWidth(0), self.fontMetrics().horizontalAdvance("n") * 40)
        )
        self.table.resizeRowsToContents()

    def showEvent(self, event: QShowEvent) -> None:
        # Row heights depend on the reason column's real width, known once shown.
        super().showEvent(event)
        self.table.resizeRowsToContents()
