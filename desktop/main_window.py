"""The operator's window: conversations on the left, the chat on the right, status below.

The window is the composition root: it builds the widgets, owns the shared
state (history, engine client, effective settings, the conversation on
screen) and hands the work to controllers it owns; it holds no model logic.

* :class:`~desktop.conversation_controller.ConversationController`: new, open,
  rename, delete, search and export conversations;
* :class:`~desktop.answer_controller.AnswerController`: send, regenerate,
  stop, copy, and the worker's tokens, notices and final events;
* :class:`~desktop.settings_controller.SettingsController`: apply and save
  settings (language, text size, contrast, answer mode, policy locks), and
  follow settings files changed outside the app;
* :class:`~desktop.page_controller.PageController`: the loading, chat and
  first-run pages, following the engine's model;
* :class:`~desktop.model_tasks.ModelTasks`: the first-run import and build;
* :class:`~desktop.update_status.UpdateStatus`: the updater's status line.

The window itself keeps the buttons' enabled state and their texts, and
shuts everything down in order.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine.paths import Paths
from engine.settings import SCHEMA, Settings, SettingsWatcher
from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.actions import WindowActions
from desktop.answer_controller import AnswerController
from desktop.answer_flow import AnswerFlow
from desktop.chat_view import ChatView
from desktop.conversation_controller import ConversationController
from desktop.conversation_list import ConversationList
from desktop.engine_worker import EngineClient, EngineFactory
from desktop.first_run import FirstRunPage
from desktop.history import History
from desktop.i18n import Translations
from desktop.input_box import InputBox
from desktop.model_tasks import ModelTasks
from desktop.page_controller import PageController
from desktop.settings_controller import SettingsController
from desktop.settings_dialog import schema_text
from desktop.status_panel import StatusPanel
from desktop.theme import ThemeManager
from desktop.update_status import UpdateStatus


class MainWindow(QMainWindow):
    """The whole desktop app in one window."""

    # FinalEvent, or the error message when the engine failed; emitted after history and view
    # are updated. (Never None: emitting None through Signal(object) has crashed PySide6.)
    answer_completed = Signal(object)

    def __init__(
        self,
        paths: Paths,
        *,
        model_path: Path | None = None,
        settings: Settings | None = None,
        max_tokens: int = 512,
        updates: bool = True,
        engine_factory: EngineFactory | None = None,
    ) -> None:
        super().__init__()
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        self.paths = paths
        self.max_tokens = max_tokens
        self.watcher = SettingsWatcher(paths)
        self.settings = settings or self.watcher.current
        self.translations = Translations(app, paths.cache_dir)
        self.theme = ThemeManager(app)
        history_on = self.settings.get_bool("history.enabled")
        self.history = History(paths.history_db if history_on else None)
        self.history.apply_retention(self.settings.get_int("history.retention_days"))
        self.model_path = model_path
        self.client = EngineClient(engine_factory or self._make_engine, self)
        self.tasks = ModelTasks(self, paths)
        self.current_id: int | None = None
        self.answer = AnswerFlow(self.history, self)
        self._closed = False
        self.updates = UpdateStatus(self, paths, start=updates)
        self._build()
        self._connect()
        self._start()

    # -- construction ------------------------------------------------------------
    def _start(self) -> None:
        """Show the effective settings and the latest conversation, then load the model."""
        self.set_busy(False)
        self.retranslate()
        self.apply_settings(self.settings)
        self._tell_about_history()  # after apply_settings: in the operator's language
        self.updates.start(self.settings)
        self.refresh_conversations()
        latest = self.history.conversations()
        if latest:
            self.open_conversation(latest[0].id)
        self.show_loading()
        self.client.load()

    def _make_engine(self) -> Any:
        """Build the real engine (runs on the worker thread) with the current settings."""
        from engine.service import Engine

        return Engine(paths=self.paths, settings=self.settings, model_path=self.model_path)

    def _build(self) -> None:
        self.setObjectName("genba-main-window")
        self.actions_ = WindowActions(self)
        self.sidebar = ConversationList()
        self.chat = ChatView()
        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.notice.setVisible(False)
        self.input = InputBox()
        self.chat_page = QWidget()
        cl = QVBoxLayout(self.chat_page)
        cl.addWidget(self.chat, 1)
        cl.addWidget(self.notice)
        cl.addWidget(self.input)
        cl.addLayout(self._build_buttons())
        self.loading = QLabel()
        self.loading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.first_run = FirstRunPage()
        self.pages = QStackedWidget()
        for page in (self.chat_page, self.loading, self.first_run):
            self.pages.addWidget(page)
        self._build_central()

    def _build_buttons(self) -> QHBoxLayout:
        """The row under the input box: regenerate, copy | answer mode, stop, send."""
        self.send_button = QPushButton()
        self.stop_button = QPushButton()
        self.regenerate_button = QPushButton()
        self.copy_button = QPushButton()
        self.mode_label = QLabel()
        self.mode_box = QComboBox()
        for choice in SCHEMA["experts.mode"].choices:
            self.mode_box.addItem(choice, choice)
        self.mode_label.setBuddy(self.mode_box)
        buttons = QHBoxLayout()
        for b in (self.regenerate_button, self.copy_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.mode_label)
        buttons.addWidget(self.mode_box)
        for b in (self.stop_button, self.send_button):
            buttons.addWidget(b)
        return buttons

    def _build_central(self) -> None:
        """Sidebar and pages side by side, the status panel below."""
        splitter = QSplitter()
        splitter.setChildrenCollapsible(False)  # never squeeze a pane below its minimum
        splitter.addWidget(self.sidebar)
        splitter.addWidget(self.pages)
        splitter.setStretchFactor(1, 3)
        self.splitter = splitter
        self.status = StatusPanel()
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.status)
        self.setCentralWidget(central)

    def _connect(self) -> None:
        # Controllers connect the widgets, actions and worker signals of their concern.
        self.conversation_controller = ConversationController(self)
        self.answer_controller = AnswerController(self)
        self.settings_controller = SettingsController(self)
        self.page_controller = PageController(self)
        a = self.actions_
        a.focus_input.triggered.connect(self.input.setFocus)
        a.search.triggered.connect(self.sidebar.search.setFocus)
        a.quit.triggered.connect(self.close)
        a.shortcuts_help.triggered.connect(self._show_shortcuts)
        a.about.triggered.connect(self._show_about)
        self.updates.changed.connect(self.status.set_update_text)

    # -- texts -------------------------------------------------------------------
    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        """Re-read every text this class owns (child widgets retranslate themselves)."""
        self.actions_.retranslate()  # actions are not widgets: they get no LanguageChange
        self.updates.retranslate()
        self.setWindowTitle(self.tr("genba — shop-floor assistant"))
        self.send_button.setText(self.tr("Send"))
        self.send_button.setAccessibleName(self.tr("Send"))
        self.send_button.setToolTip(self.tr("Send the message (Enter)"))
        self.stop_button.setText(self.tr("Stop"))
        self.stop_button.setAccessibleName(self.tr("Stop"))
        self.stop_button.setToolTip(self.tr("Stop the answer (Esc)"))
        self.regenerate_button.setText(self.tr("Regenerate"))
        self.regenerate_button.setAccessibleName(self.tr("Regenerate"))
        self.regenerate_button.setToolTip(self.tr("Answer the last question again (Ctrl+R)"))
        self.copy_button.setText(self.tr("Copy"))
        self.copy_button.setAccessibleName(self.tr("Copy answer"))
        self.copy_button.setToolTip(self.tr("Copy the last answer (Ctrl+Shift+C)"))
        self.mode_label.setText(schema_text(SCHEMA["experts.mode"].label) + ":")
        self.mode_box.setAccessibleName(schema_text(SCHEMA["experts.mode"].label))
        for i, choice in enumerate(SCHEMA["experts.mode"].choices):
            self.mode_box.setItemText(i, schema_text(choice))
        self.settings_controller.show_mode_lock()
        self.loading.setText(self.tr("Loading the model…"))
        self.loading.setAccessibleName(self.tr("Loading the model…"))
        self.notice.setAccessibleName(self.tr("Notice"))

    # -- the controllers' verbs, kept on the window for callers and tests --------
    def apply_settings(self, settings: Settings) -> None:
        """Apply new effective settings (see :class:`SettingsController`)."""
        self.settings_controller.apply_settings(settings)

    def save_setting(self, key: str, value: object) -> bool:
        """Save one of the operator's settings and apply the result; False if refused."""
        return self.settings_controller.save_setting(key, value)

    def open_settings(self) -> None:
        """Show the settings dialog and save what the operator changed."""
        self.settings_controller.open_settings()

    def apply_dialog(self, dialog: Any, set_token: Any) -> None:
        """Save the settings dialog's changes (and token) without a modal loop."""
        self.settings_controller.apply_dialog(dialog, set_token)

    def refresh_conversations(self) -> None:
        """Reload the sidebar from history (honouring the search text)."""
        self.conversation_controller.refresh_conversations()

    def new_chat(self) -> None:
        """Start an empty conversation (created in history on the first message)."""
        self.conversation_controller.new_chat()

    def open_conversation(self, conversation_id: int) -> None:
        """Show a stored conversation."""
        self.conversation_controller.open_conversation(conversation_id)

    def rename_conversation(self, conversation_id: int, title: str) -> None:
        """Rename a conversation."""
        self.conversation_controller.rename_conversation(conversation_id, title)

    def delete_conversation(self, conversation_id: int) -> None:
        """Delete a conversation (stopping its answer first)."""
        self.conversation_controller.delete_conversation(conversation_id)

    def send(self, text: str | None = None) -> bool:
        """Send the message box's text (or ``text``); False when nothing was sent."""
        return self.answer_controller.send(text)

    def regenerate(self) -> bool:
        """Answer the last question of this conversation again (replacing the last answer)."""
        return self.answer_controller.regenerate()

    def stop(self) -> None:
        """Stop the running answer (it ends within one token)."""
        self.answer_controller.stop()

    def copy_answer(self) -> None:
        """Put the last answer on the clipboard."""
        self.answer_controller.copy_answer()

    def show_loading(self) -> None:
        """Show the loading page while the worker builds the engine."""
        self.page_controller.show_loading()

    # -- state -------------------------------------------------------------------
    @property
    def model_ready(self) -> bool:
        """True while a model is loaded and questions can be asked."""
        return self.page_controller.model_ready

    @property
    def _model_ready(self) -> bool:
        # The name tests, bench/gui_latency.py and desktop/screenshot.py wait on.
        return self.model_ready

    @property
    def closed(self) -> bool:
        """True once :meth:`shutdown` ran: late worker signals are ignored."""
        return self._closed

    def set_busy(self, busy: bool) -> None:
        """Enable the buttons and actions that fit: answering (``busy``) or idle."""
        ready = self.model_ready
        self.send_button.setEnabled(ready and not busy)
        self.actions_.send.setEnabled(ready and not busy)
        self.stop_button.setEnabled(busy)
        self.actions_.stop.setEnabled(busy)
        can_regen = ready and not busy and self.current_id is not None
        self.regenerate_button.setEnabled(can_regen)
        self.actions_.regenerate.setEnabled(can_regen)

    def show_error(self, message: str) -> None:
        """Tell the operator what went wrong (non-blocking: shown above the input box)."""
        self.notice.setText(message)
        self.notice.setVisible(True)

    def _tell_about_history(self) -> None:
        """Say in one sentence when the history on disk could not be used as it was."""
        if self.history.unavailable is not None:
            self.show_error(
                self.tr(
                    "The history could not be opened, so the conversations of this session "
                    "are not saved."
                )
            )
        elif self.history.moved_aside is not None:
            self.show_error(
                self.tr(
                    "The history was damaged, so a new one was started; "
                    "the old history was kept at {path}."
                ).format(path=self.history.moved_aside)
            )

    def _show_shortcuts(self) -> None:
        rows = "\n".join(f"{keys}\t{what}" for keys, what in self.actions_.shortcut_table())
        QMessageBox.information(self, self.tr("Keyboard shortcuts"), rows)

    def _show_about(self) -> None:
        QMessageBox.about(
            self,
            self.tr("About genba"),
            self.tr(
                "genba — an offline-first assistant running a sparse Mixture-of-Experts model."
            ),
        )

    def closeEvent(self, event: QCloseEvent) -> None:
        """Stop the answer, join the worker thread and close history cleanly."""
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Everything :meth:`closeEvent` does; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        self.answer.stop_timer()
        self.settings_controller.stop()
        self.updates.stop()
        self.client.shutdown()
        self.answer.interrupt()  # the worker has ended: keep a partial answer as interrupted
        if not self.history.closed:
            self.history.close()
        # Language and theme are application-wide; hand them back (tests, a second window).
        self.translations.clear()
        self.theme.reset()

