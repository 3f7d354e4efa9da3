"""The transcript: one read-only rich-text view holding every message of a conversation.

Each message is a text frame in one ``QTextDocument``; the streaming answer is
the last frame, and only that frame is re-rendered from Markdown when tokens
arrive. Renders are coalesced: tokens queue up while the event loop is busy
and one render shows all of them, so a fast model cannot flood the GUI.
Model output is untrusted: raw HTML in it is not interpreted and links are not
followed.

Message actions: under each message a line of links (Copy, Edit and resend for
questions; Copy, Regenerate, Continue and a ‹ 1/2 › version switcher for
answers). They are anchors in the document, so Tab reaches them and Enter or a
click runs them; the same actions are in the context menu (Shift+F10 or the
menu key, for the message at the text cursor). Action links carry a random
per-view scheme, so a link the model writes can never pose as one. The view
only reports :attr:`ChatView.action_requested`; the answer controller acts.
An answer the token limit cut short says so in its title, in words.
"""

from __future__ import annotations

import html
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QPoint, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import (
    QColor,
    QContextMenuEvent,
    QPalette,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextFrameFormat,
)
from PySide6.QtWidgets import QTextBrowser, QWidget

from desktop.history import is_cut_short
from desktop.i18n_text import restored, retranslated
from desktop.source_list import sources_html

if TYPE_CHECKING:
    from desktop.history import Message

DOCUMENTS = "documents"
"""The role of a document search's result entry (never stored, never sent to the model)."""

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
    id: int = 0  # the message's id in history (0: not stored yet)
    version: int = 1
    version_ids: tuple[int, ...] = ()  # all versions of this message, oldest first
    # Document passages (Passage dicts): an answer's sources, or a document search's results.
    sources: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def of(cls, message: Message) -> Entry:
        """The entry that shows a stored message."""
        return cls(
            message.role, message.content, message.status, message.stats,
            [restored(n) for n in message.notices], message.id, message.version,
            message.version_ids, list(message.sources),
        )

    @classmethod
    def search(cls, query: str, passages: list[dict[str, Any]]) -> Entry:
        """A "search documents" result: the passages found for ``query``, no model involved.

        Shown in the conversation but not stored in history (it is not part of what the
        model sees), so it is gone when the conversation is shown anew.
        """
        return cls(DOCUMENTS, query, sources=list(passages))

    @property
    def cut_short(self) -> bool:
        """An answer that stopped at the token limit (it can be continued)."""
        return is_cut_short(self.role, self.status, self.stats)


class ChatView(QTextBrowser):
    """Shows a conversation and the answer being streamed into it."""

    rendered = Signal()  # the streaming answer's latest text is in the document
    # (action, entry index, argument): "copy", "edit", "regenerate", "continue",
    # "version" with the message id of the version to show as argument, and "source"
    # with the 0-based number of the entry's source to open.
    action_requested = Signal(str, int, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
            | Qt.TextInteractionFlag.LinksAccessibleByMouse
            | Qt.TextInteractionFlag.LinksAccessibleByKeyboard
        )
        self._scheme = "genba-" + secrets.token_hex(6)  # the model cannot guess it
        self.anchorClicked.connect(self._on_anchor)
        self.busy = False  # an answer is being written: only Copy is offered
        self._copied: int | None = None  # the entry whose Copy link says "Copied"
        self._copied_timer = QTimer(self)
        self._copied_timer.setSingleShot(True)
        self._copied_timer.setInterval(2500)
        self._copied_timer.timeout.connect(self._clear_copied)
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
        if entry.role == DOCUMENTS:
            return "**" + self.tr("Search in the documents (the model was not asked)") + "**"
        title = self.tr("You") if entry.role == "user" else self.tr("Assistant")
        status = {
            "streaming": self.tr("answering…"),
            "interrupted": self.tr("interrupted — the app closed before this answer finished"),
            "cancelled": self.tr("stopped"),
            "failed": self.tr("failed"),
        }.get(entry.status)
        if entry.cut_short:
            cut = self.tr("cut short: the answer reached the length limit")
            status = f"{status} · {cut}" if status else cut
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
        index = self._frames.index(frame) if frame in self._frames else len(self._frames)
        cursor = QTextCursor(self.document())
        cursor.setPosition(frame.firstPosition())
        cursor.setPosition(frame.lastPosition(), QTextCursor.MoveMode.KeepAnchor)
        cursor.removeSelectedText()
        # The one block left keeps the format of the block that was last in the frame: after
        # an answer that ends in a list it is still a list item, and the title would be
        # rendered as "1. Assistant". Start from a plain block that belongs to no list.
        block = cursor.block()
        if block.textList() is not None:
            block.textList().remove(block)
        cursor.setBlockFormat(QTextBlockFormat())
        cursor.setCharFormat(QTextCharFormat())
        cursor.insertMarkdown(self._role_title(entry), _MARKDOWN)
        cursor.insertBlock(QTextBlockFormat(), QTextCharFormat())
        if entry.role == "user":
            # What the operator typed is shown as typed, not as Markdown.
            cursor.insertText(entry.text, QTextCharFormat())
        elif entry.role == DOCUMENTS:
            cursor.insertText(self._search_line(entry), QTextCharFormat())
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
        if entry.sources and entry.status != "streaming":
            cursor.insertBlock(QTextBlockFormat(), QTextCharFormat())
            cursor.insertHtml(self._sources_block(index, entry))
        links = self._action_links(index, entry)
        if links:
            cursor.insertBlock(QTextBlockFormat(), QTextCharFormat())
            cursor.insertHtml(links)

    def _search_line(self, entry: Entry) -> str:
        if entry.sources:
            return self.tr("Passages for “{query}”, best first:").format(query=entry.text)
        return self.tr(
            "Nothing in the site documents matches “{query}”. Try other words, or fewer."
        ).format(query=entry.text)

    def _sources_block(self, index: int, entry: Entry) -> str:
        """The numbered source links (Tab reaches each) with excerpts and the caution."""

        def link(number: int, label: str, text: str) -> str:
            return self._link(index, ("source", number, label), text)

        search = entry.role == DOCUMENTS
        return sources_html(
            entry.sources,
            link,
            heading="" if search else None,  # the search line above says what this is
            note=(
                self.tr(
                    "These are passages from the documents, not an answer. Open one to read it."
                )
                if search
                else None
            ),
            small_size=self.font().pointSizeF() * 0.9,
        )

    # -- message actions --------------------------------------------------------
    def actions_for(self, index: int) -> list[tuple[str, int, str]]:
        """(action, argument, label) of what can be done with entry ``index`` now."""
        if not 0 <= index < len(self.entries):
            return []
        entry = self.entries[index]
        if entry.status == "streaming":
            return []
        sources = [
            ("source", n, self.tr("Open source [{n}]").format(n=n + 1))
            for n in range(len(entry.sources))
        ]
        if entry.role == DOCUMENTS:
            return sources
        last = index == len(self.entries) - 1
        copy = self.tr("Copied") if self._copied == index else self.tr("Copy")
        found: list[tuple[str, int, str]] = []
        ids = entry.version_ids
        if len(ids) > 1 and not self.busy and entry.id in ids:
            at = ids.index(entry.id)
            if at > 0:
                found.append(("version", ids[at - 1], self.tr("Previous version")))
            if at < len(ids) - 1:
                found.append(("version", ids[at + 1], self.tr("Next version")))
        found.append(("copy", 0, copy))
        if entry.role == "user" and entry.id:
            found.append(("edit", 0, self.tr("Edit and resend")))
        if entry.role == "assistant" and last and not self.busy:
            if entry.cut_short:
                found.append(("continue", 0, self.tr("Continue")))
            found.append(("regenerate", 0, self.tr("Regenerate")))
        return found + sources

    def _action_links(self, index: int, entry: Entry) -> str:
        actions = self.actions_for(index)
        if not actions:
            return ""
        parts: list[str] = []
        ids = entry.version_ids
        if len(ids) > 1 and entry.id in ids:
            # ‹ 1/2 ›: an arrow is a link while there is a version that way.
            back = next((a for a in actions if a[0] == "version" and a[1] < entry.id), None)
            ahead = next((a for a in actions if a[0] == "version" and a[1] > entry.id), None)
            counter = self.tr("{n}/{total}").format(n=entry.version, total=len(ids))
            # Padded arrows: a one-glyph link is too small a target for a finger or a mouse.
            parts.append("&nbsp;".join([
                self._link(index, back, "&nbsp;‹&nbsp;") if back else "&nbsp;‹&nbsp;",
                html.escape(counter),
                self._link(index, ahead, "&nbsp;›&nbsp;") if ahead else "&nbsp;›&nbsp;",
            ]))
        parts += [
            self._link(index, a, html.escape(a[2]))
            for a in actions
            if a[0] not in ("version", "source")  # sources are links of their own block
        ]
        return " &nbsp;·&nbsp; ".join(parts)

    def _link(self, index: int, action: tuple[str, int, str], text: str) -> str:
        href = f"{self._scheme}:{action[0]}/{index}/{action[1]}"
        return f'<a href="{href}" title="{html.escape(action[2])}">{text}</a>'

    def _on_anchor(self, url: QUrl) -> None:
        if url.scheme() != self._scheme:
            return  # a link in the model's text: never followed
        try:
            action, index, argument = url.path().split("/")
            self.request_action(action, int(index), int(argument))
        except ValueError:
            return

    def request_action(self, action: str, index: int, argument: int = 0) -> None:
        """Ask for an action on entry ``index`` (only one the entry offers now)."""
        if (action, argument) in {(a, arg) for a, arg, _ in self.actions_for(index)}:
            self.action_requested.emit(action, index, argument)

    def show_copied(self, index: int) -> None:
        """Say "Copied" on entry ``index``'s Copy link for a moment."""
        previous, self._copied = self._copied, index
        for i in {previous, index}:
            if i is not None and 0 <= i < len(self._frames):
                self._fill(self._frames[i], self.entries[i])
        self._copied_timer.start()

    def _clear_copied(self) -> None:
        index, self._copied = self._copied, None
        if index is not None and 0 <= index < len(self._frames):
            self._fill(self._frames[index], self.entries[index])

    def set_busy(self, busy: bool) -> None:
        """While an answer is written, offer only Copy (others would change the chat under it)."""
        if busy != self.busy:
            self.busy = busy
            for frame, entry in zip(self._frames, self.entries, strict=False):
                if entry.status != "streaming":
                    self._fill(frame, entry)

    def entry_at_cursor(self) -> int | None:
        """The index of the message that holds the text cursor, or None."""
        return self._entry_holding(self.textCursor().position())

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        """The standard menu plus the actions of the message under the pointer (or cursor)."""
        menu = self.createStandardContextMenu(event.pos())
        keyboard = event.reason() == QContextMenuEvent.Reason.Keyboard
        index = self.entry_at_cursor() if keyboard else self._entry_at(event.pos())
        if index is not None:
            actions = self.actions_for(index)
            if actions:
                menu.addSeparator()
            for action, argument, label in actions:
                item = menu.addAction(label)
                item.triggered.connect(
                    lambda _c=False, a=action, i=index, g=argument: self.request_action(a, i, g)
                )
        menu.exec(event.globalPos())
        menu.deleteLater()

    def _entry_at(self, pos: QPoint) -> int | None:
        return self._entry_holding(self.cursorForPosition(pos).position())

    def _entry_holding(self, position: int) -> int | None:
        for index, frame in enumerate(self._frames):
            if frame.firstPosition() <= position <= frame.lastPosition():
                return index
        return None

    # -- streaming ----------------------------------------------------------
    def begin_answer(self) -> None:
        """Add an empty streaming answer at the end."""
        self.add_entry(Entry("assistant", "", "streaming"))

    def drop_search_results(self) -> None:
        """Remove the document search results shown after the last message (never stored)."""
        if self.entries and self.entries[-1].role == DOCUMENTS:
            while self.entries and self.entries[-1].role == DOCUMENTS:
                self.entries.pop()
            self.set_entries(self.entries)

    def last_message(self) -> Entry | None:
        """The last question or answer shown (document search results are not messages)."""
        return next((e for e in reversed(self.entries) if e.role != DOCUMENTS), None)

    def begin_continue(self) -> None:
        """Stream the continuation into the last answer (its text so far stays)."""
        self.drop_search_results()  # the answer's frame must be the last one
        if self.entries and self.entries[-1].role == "assistant":
            self.entries[-1].status = "streaming"
            self._fill(self._frames[-1], self.entries[-1])

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
        """Drop the last message (before regenerating an answer), and search results after it."""
        self.drop_search_results()
        if self.entries:
            self.entries.pop()
            self.set_entries(self.entries)

    def last_answer(self) -> str:
        """The text of the last answer, or ""."""
        index = self.last_answer_index()
        return self.entries[index].text if index is not None else ""

    def last_answer_index(self) -> int | None:
        """The index of the last answer, or None."""
        for index in range(len(self.entries) - 1, -1, -1):
            if self.entries[index].role == "assistant":
                return index
        return None

    def _at_end(self) -> bool:
        bar = self.verticalScrollBar()
        return bar.value() >= bar.maximum() - 4

    def _scroll_to_end(self) -> None:
        bar = self.verticalScrollBar()
        bar.setValue(bar.maximum())
        # The document lays out lazily; scroll again once the new height is known.
        self._scroll_timer.start()
