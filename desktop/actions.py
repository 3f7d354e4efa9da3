"""Menus, actions and keyboard shortcuts: everything the window does is reachable by keyboard.

Shortcuts (also listed in Help → Keyboard shortcuts and in docs/desktop.md):
Ctrl+N new chat, Enter / Ctrl+Enter send, Esc stop, Ctrl+R regenerate,
Ctrl+Shift+C copy the answer, Ctrl+Shift+Enter continue an answer cut short,
Ctrl+Shift+E edit and resend the last question, Ctrl+Shift+F search the documents for
the typed words (no model), Alt+Left / Alt+Right previous / next
version of the last answer, Ctrl+L focus the message box, Ctrl+F search
conversations, F2 rename, Ctrl+Delete delete the conversation, Ctrl+E export,
Ctrl+, settings, Ctrl++ / Ctrl+- text size, Ctrl+Q quit.
"""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu


class WindowActions(QObject):
    """Creates the window's actions and menus; :meth:`retranslate` re-reads their texts."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.window = window

        def make(shortcuts: list[QKeySequence | QKeySequence.StandardKey | str]) -> QAction:
            action = QAction(window)
            action.setShortcuts([QKeySequence(s) for s in shortcuts])
            window.addAction(action)  # shortcuts work even with the menu bar hidden
            return action

        self.new_chat = make(["Ctrl+N"])
        self.export = make(["Ctrl+E"])
        self.settings = make([QKeySequence.StandardKey.Preferences, "Ctrl+,"])
        self.quit = make(["Ctrl+Q"])
        self.send = make(["Ctrl+Return", "Ctrl+Enter"])
        self.stop = make(["Esc"])
        self.regenerate = make(["Ctrl+R"])
        self.copy_answer = make(["Ctrl+Shift+C"])
        self.continue_answer = make(["Ctrl+Shift+Return", "Ctrl+Shift+Enter"])
        self.edit_question = make(["Ctrl+Shift+E"])
        self.previous_version = make(["Alt+Left"])
        self.next_version = make(["Alt+Right"])
        self.focus_input = make(["Ctrl+L"])
        self.search = make(["Ctrl+F"])
        self.search_docs = make(["Ctrl+Shift+F"])
        self.rename = make(["F2"])
        self.delete = make(["Ctrl+Delete"])
        self.larger_text = make(["Ctrl++", "Ctrl+="])
        self.smaller_text = make(["Ctrl+-"])
        self.high_contrast = make(["Ctrl+Shift+H"])
        self.high_contrast.setCheckable(True)
        self.japanese = make([])
        self.english = make([])
        self.shortcuts_help = make(["F1"])
        self.about = make([])
        self.pilot_report = make([])
        self._pilot_report_state = "ready"  # "ready", "running" or "metrics_off"

        bar = window.menuBar()
        self.file_menu = QMenu(bar)
        self.chat_menu = QMenu(bar)
        self.view_menu = QMenu(bar)
        self.language_menu = QMenu(self.view_menu)
        self.help_menu = QMenu(bar)
        for menu, items in (
            (self.file_menu, [self.new_chat, self.export, None, self.settings, None, self.quit]),
            (
                self.chat_menu,
                [
                    self.send,
                    self.stop,
                    self.regenerate,
                    self.copy_answer,
                    self.continue_answer,
                    self.edit_question,
                    self.previous_version,
                    self.next_version,
                    None,
                    self.search_docs,
                    None,
                    self.focus_input,
                    self.search,
                    self.rename,
                    self.delete,
                ],
            ),
            (self.view_menu, [self.larger_text, self.smaller_text, self.high_contrast]),
            (self.language_menu, [self.japanese, self.english]),
            (self.help_menu, [self.shortcuts_help, None, self.pilot_report, None, self.about]),
        ):
            for item in items:
                if item is None:
                    menu.addSeparator()
                else:
                    menu.addAction(item)
        self.view_menu.addMenu(self.language_menu)
        for menu in (self.file_menu, self.chat_menu, self.view_menu, self.help_menu):
            bar.addMenu(menu)
        for menu in (*self.menus(), self.language_menu):
            menu.aboutToShow.connect(lambda menu=menu: _widen_for_fallback_glyphs(menu))
        self.retranslate()

    def menus(self) -> tuple[QMenu, ...]:
        """The menu bar's menus, in order."""
        return (self.file_menu, self.chat_menu, self.view_menu, self.help_menu)

    def retranslate(self) -> None:
        """Re-read every menu and action text."""
        self.file_menu.setTitle(self.tr("&File"))
        self.chat_menu.setTitle(self.tr("&Chat"))
        self.view_menu.setTitle(self.tr("&View"))
        self.language_menu.setTitle(self.tr("&Language"))
        self.help_menu.setTitle(self.tr("&Help"))
        texts = {
            self.new_chat: self.tr("&New chat"),
            self.export: self.tr("&Export conversation…"),
            self.settings: self.tr("&Settings…"),
            self.quit: self.tr("&Quit"),
            self.send: self.tr("&Send"),
            self.stop: self.tr("S&top answering"),
            self.regenerate: self.tr("&Regenerate answer"),
            self.copy_answer: self.tr("&Copy answer"),
            self.continue_answer: self.tr("C&ontinue answer"),
            self.edit_question: self.tr("&Edit and resend last question"),
            self.previous_version: self.tr("&Previous version of the answer"),
            self.next_version: self.tr("Ne&xt version of the answer"),
            self.focus_input: self.tr("&Focus message box"),
            self.search: self.tr("Search &conversations"),
            self.search_docs: self.tr("Search the &documents (without the model)"),
            self.rename: self.tr("Rena&me conversation…"),
            self.delete: self.tr("&Delete conversation"),
            self.larger_text: self.tr("&Larger text"),
            self.smaller_text: self.tr("&Smaller text"),
            self.high_contrast: self.tr("&High contrast"),
            self.japanese: "日本語",
            self.english: "English",
            self.shortcuts_help: self.tr("&Keyboard shortcuts"),
            self.about: self.tr("&About genba"),
        }
        for action, text in texts.items():
            action.setText(text)
        self._pilot_report_text()

    def set_pilot_report_state(self, state: str) -> None:
        """``ready``, ``running`` (building now) or ``metrics_off`` (nothing to report)."""
        self._pilot_report_state = state
        self._pilot_report_text()

    def _pilot_report_text(self) -> None:
        state = self._pilot_report_state
        self.pilot_report.setEnabled(state == "ready")
        self.pilot_report.setText({
            "ready": self.tr("&Pilot report…"),
            "running": self.tr("Building the pilot report…"),
            "metrics_off": self.tr("Pilot report (unavailable: metrics are turned off)"),
        }[state])

    def shortcut_table(self) -> list[tuple[str, str]]:
        """(shortcut, what it does) rows for the help dialog."""
        rows = []
        for action in self.window.actions():
            keys = ", ".join(
                s.toString(QKeySequence.SequenceFormat.NativeText) for s in action.shortcuts()
            )
            if keys:
                rows.append((keys, action.text().replace("&", "")))
        return rows


def _widen_for_fallback_glyphs(menu: QMenu) -> None:
    """Give ``menu`` room for its widest item as drawn, before it shows.

    Qt sizes a menu from the style's font metrics, but Japanese text is drawn with a
    fallback font whose glyphs are wider, so the widest item with a shortcut was cut in
    the middle ("キーボードショ…カット"). Two full-width characters of slack cover the
    difference; recomputed on every show, so a new text size or language is covered too.
    """
    menu.setMinimumWidth(0)
    slack = 2 * menu.fontMetrics().horizontalAdvance("\u30fc")
    menu.setMinimumWidth(menu.sizeHint().width() + slack)
