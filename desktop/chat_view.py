"""The transcript: one read-only rich-text view holding every message of a conversation.

Each message is a text frame in one ``QTextDocument``; the streaming answer is
the last frame, and only that frame is re-rendered from Markdown when tokens
arrive. Renders are coalesced: tokens queue up while the event loop is busy
and one render shows all of them, so a fast model cannot flood the GUI.
Model output is untrusted: raw HTML in it is not interpreted and links are not
followed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QPalette,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextFrameFormat,
)
from PySide6.QtWidgets import QTextBrowser, QWidget

from desktop.i18n_text import retranslated

_MARKDOWN = (
    QTextDocument.MarkdownFeature.MarkdownDialectGitHub
    | QTextDocument.MarkdownFeature.MarkdownNoHTML
)


@dataclass
class Entry:
    """One message as shown: role, text, status and the engine's stats for answers."""

    role: str
    text: str
    status: str = "complete"
    stats: dict[str, Any] | None = None
    notices: list[str] = field(default_factory=list)


class ChatView(QTextBrowser):
    """Shows a conversation and the answer being streamed into it."""

    rendered = Signal()  # the streaming answer's latest text is in the document

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.entries: list[Entry] = []
        self._frames: list[Any] = []
        self._render_pending = False
        # One reusable zero-delay timer coalesces renders. (QTimer.singleShot with a Python
        # callable, once per token, drove None's refcount to zero in PySide6 6.11.)
        self._render_timer = QTimer(self)
        self._render_timer.setSingleShot(True)
        self._render_timer.setInterval(0)
        self._render_timer.timeout.connect(self._render_last)
        self._scroll_timer = QTimer(self)
        self._scroll_timer.setSingleShot(True)
        self._scroll_timer.setInterval(0)
        self._scroll_timer.timeout.connect(
            lambda: self.verticalScrollBar().setValue(self.verticalScrollBar().maximum())
        )
        self.retranslate()

    # -- texts -------------------------------------------------------------
    def retranslate(self) -> None:
        """Re-read translated texts (called on LanguageChange)."""
        self.setAccessibleName(self.tr("Conversation"))
        self.setAccessibleDescription(self.tr("Messages of the selected conversation"))
        self.set_entries(self.entries)

    def changeEvent(self, event: QEvent) -> None:
        # Frames and the small stats line take sizes and colours at render time: redo them.
        if event.type() in (
            QEvent.Type.LanguageChange,
            QEvent.Type.PaletteChange,
            QEvent.Type.FontChange,
        ):
            self.retranslate()
        super().changeEvent(event)

    def _role_title(self, entry: Entry) -> str:
        title = self.tr("You") if entry.role == "user" else self.tr("Assistant")
        status = {
            "streaming": self.tr("answering…"),
            "interrupted": self.tr("interrupted — the app closed before this answer finished"),
            "cancelled": self.tr("stopped"),
            "failed": self.tr("failed"),
        }.get(entry.status)
        return f"**{title}**" + (f" — *{status}*" if status else "")

    def stats_line(self, stats: dict[str, Any]) -> str:
        """A one-line summary of an answer's final stats (only numbers the engine reported)."""
        parts = []
        if stats.get("experts"):
            parts.append(self.tr("{n} experts").format(n=stats["experts"]))
        route = stats.get("route")
        if route == "local":
            parts.append(self.tr("local"))
        elif route == "remote":
            parts.append(self.tr("remote"))
        if stats.get("ttft_s") is not None:
            parts.append(self.tr("{s:.2f} s to first token").format(s=stats["ttft_s"]))
        if stats.get("tokens_per_s") is not None:
            parts.append(self.tr("{v:.1f} tokens/s").format(v=stats["tokens_per_s"]))
        return " · ".join(parts)

    # -- building the document -------------------------------------------
    def set_entries(self, entries: list[Entry]) -> None:
        """Show ``entries`` (replacing the document)."""
        self.entries = list(entries)
        self.document().clear()
        self._frames = []
        for entry in self.entries:
            self._frames.append(self._insert_frame(entry))
        self._scroll_to_end()

    def add_entry(self, entry: Entry) -> None:
        """Append one message."""
        self.entries.append(entry)
        self._frames.append(self._insert_frame(entry))
        self._scroll_to_end()

    def _frame_format(self, role: str) -> QTextFrameFormat:
        pal = self.palette()
        fmt = QTextFrameFormat()
        fmt.setPadding(self.fontMetrics().height() * 0.5)
        fmt.setMargin(self.fontMetrics().height() * 0.25)
        fmt.setBorder(1)
        fmt.setBorderBrush(pal.color(QPalette.ColorRole.Mid))
        base = pal.color(QPalette.ColorRole.Base)
        if role == "user":
            fmt.setBackground(pal.color(QPalette.ColorRole.AlternateBase))
        else:
            fmt.setBackground(QColor(base))
        return fmt

    def _insert_frame(self, entry: Entry) -> Any:
        cursor = QTextCursor(self.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        frame = cursor.insertFrame(self._frame_format(entry.role))
        self._fill(frame, entry)
        return frame

    def _fill(self, frame: Any, entry: Entry) -> None:
        cursor = QTextCursor(self.document())
        cursor.setPosition(frame.firstPosition())
        cursor.setPosition(frame.lastPosition(), QTextCursor.MoveMode.KeepAnchor)
        cursor.removeSelectedText()
        cursor.insertMarkdown(self._role_title(entry), _MARKDOWN)
        cursor.insertBlock(QTextBlockFormat(), QTextCharFormat())
        if entry.role == "user":
            # What the operator typed is shown as typed, not as Markdown.
            cursor.insertText(entry.text, QTextCharFormat())
        else:
            cursor.insertMarkdown(entry.text or " ", _MARKDOWN)
        extra = [retranslated(n) for n in entry.notices]  # in the current language
        if entry.stats:
            extra.append(self.stats_line(entry.stats))
        if extra:
            small = QTextCharFormat()
            cursor.insertBlock(QTextBlockFormat(), small)
            small.setFontItalic(True)
            small.setFontPointSize(self.font().pointSizeF() * 0.85)
            cursor.insertText("\n".join(extra), small)

    # -- streaming ----------------------------------------------------------
    def begin_answer(self) -> None:
        """Add an empty streaming answer at the end."""
        self.add_entry(Entry("assistant", "", "streaming"))

    def append_token(self, text: str) -> None:
        """Add text to the streaming answer; the screen catches up on the next loop turn."""
        if not self.entries or self.entries[-1].status != "streaming":
            return
        self.entries[-1].text += text
        if not self._render_pending:
            self._render_pending = True
            self._render_timer.start()

    def _render_last(self) -> None:
        self._render_pending = False
        if not self._frames:
            return
        at_end = self._at_end()
        self._fill(self._frames[-1], self.entries[-1])
        if at_end:
            self._scroll_to_end()
        self.rendered.emit()

    def finish_answer(
        self, text: str, status: str, stats: dict[str, Any] | None, notices: list[str]
    ) -> None:
        """Show the final text, status and stats of the streaming answer."""
        if not self.entries or self.entries[-1].role != "assistant":
            return
        entry = self.entries[-1]
        entry.text, entry.status, entry.stats, entry.notices = text, status, stats, notices
        self._render_pending = False
        self._fill(self._frames[-1], entry)
        self._scroll_to_end()
        self.rendered.emit()

    def remove_last(self) -> None:
        """Drop the last message (before regenerating an answer)."""
        if self.entries:
            self.entries.pop()
            self.set_entries(self.entries)

    def last_answer(self) -> str:
        """The text of the last answer, or ""."""
        for entry in reversed(self.entries):
            if entry.role == "assistant":
                return entry.text
        return ""

    def _at_end(self) -> bool:
        bar = self.verticalScrollBar()
        return bar.value() >= bar.maximum() - 4

    def _scroll_to_end(self) -> None:
        bar = self.verticalScrollBar()
        bar.setValue(bar.maximum())
        # The document lays out lazily; scroll again once the new height is known.
        self._scroll_timer.start()
