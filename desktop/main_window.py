"""The operator's window: conversations on the left, the chat on the right, status below.

The window turns engine events into widgets and operator actions into engine
calls; it holds no model logic. Order of work for one question:

1. the user message is committed to history, then an empty ``streaming``
   answer row is created;
2. the question goes to the worker thread; each token signal appends to the
   view and to :class:`~desktop.answer_flow.AnswerFlow`, which commits it at
   least every second (also by a timer when tokens are slow);
3. the final event stores text, status and the engine's stats, and updates the
   status bar.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine.errors import SettingsError
from engine.events import FinalEvent
from engine.paths import Paths, offline_forced_by_env
from engine.settings import SCHEMA, Settings, SettingsWatcher, save_user_setting
from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
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
from desktop.answer_flow import AnswerFlow
from desktop.chat_view import ChatView, Entry
from desktop.conversation_list import ConversationList
from desktop.engine_worker import EngineClient, EngineFactory
from desktop.export import export_conversation
from desktop.first_run import FirstRunPage
from desktop.history import History
from desktop.i18n import Translations, resolve_language
from desktop.input_box import InputBox
from desktop.model_tasks import ModelTasks
from desktop.settings_dialog import schema_text
from desktop.status_panel import StatusPanel
from desktop.theme import Theme, ThemeManager
from desktop.update_status import UpdateStatus

_QUIET_NOTICES = frozenset({"reload"})
"""Notice kinds kept with the answer only (not flashed above the input box)."""


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
        self._delete_after_answer: int | None = None
        self._closed = False
        self._model_ready = False
        self.updates = UpdateStatus(self, paths, start=updates)
        self._build()
        self._connect()
        self.updates.changed.connect(self.status.set_update_text)
        self.apply_settings(self.settings)
        self.updates.start(self.settings)
        self.refresh_conversations()
        latest = self.history.conversations()
        if latest:
            self.open_conversation(latest[0].id)
        self.show_loading()
        self.client.load()

    # -- construction ------------------------------------------------------------
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
        chat_page = QWidget()
        cl = QVBoxLayout(chat_page)
        cl.addWidget(self.chat, 1)
        cl.addWidget(self.notice)
        cl.addWidget(self.input)
        cl.addLayout(buttons)
        self.loading = QLabel()
        self.loading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.first_run = FirstRunPage()
        self.pages = QStackedWidget()
        for page in (chat_page, self.loading, self.first_run):
            self.pages.addWidget(page)
        self.chat_page = chat_page
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
        self._set_busy(False)
        self.retranslate()

    def _connect(self) -> None:
        a = self.actions_
        w = self.client.worker
        w.model_loaded.connect(self.on_model_loaded)
        w.model_missing.connect(self.on_model_missing)
        w.model_failed.connect(self.on_model_missing)
        w.token_received.connect(self.on_token_received)
        w.notice_received.connect(self.on_notice_received)
        w.answer_finished.connect(self.on_answer_finished)
        w.answer_failed.connect(self.on_answer_failed)
        self.input.submitted.connect(self.send)
        self.send_button.clicked.connect(self.send)
        self.stop_button.clicked.connect(self.stop)
        self.regenerate_button.clicked.connect(self.regenerate)
        self.copy_button.clicked.connect(self.copy_answer)
        self.mode_box.activated.connect(self.on_mode_chosen)
        self.sidebar.conversation_selected.connect(self.open_conversation)
        self.sidebar.new_requested.connect(self.new_chat)
        self.sidebar.rename_requested.connect(self._ask_rename)
        self.sidebar.delete_requested.connect(self._ask_delete)
        self.sidebar.search_changed.connect(lambda _t: self.refresh_conversations())
        self.first_run.import_file_requested.connect(self.tasks.ask_import_file)
        self.first_run.import_folder_requested.connect(self.tasks.ask_import_folder)
        self.first_run.build_default_requested.connect(self.tasks.build_default)
        a.new_chat.triggered.connect(self.new_chat)
        a.send.triggered.connect(self.send)
        a.stop.triggered.connect(self.stop)
        a.regenerate.triggered.connect(self.regenerate)
        a.copy_answer.triggered.connect(self.copy_answer)
        a.focus_input.triggered.connect(self.input.setFocus)
        a.search.triggered.connect(self.sidebar.search.setFocus)
        a.rename.triggered.connect(lambda: self._ask_rename(self.current_id))
        a.delete.triggered.connect(lambda: self._ask_delete(self.current_id))
        a.export.triggered.connect(self._ask_export)
        a.settings.triggered.connect(self.open_settings)
        a.quit.triggered.connect(self.close)
        a.larger_text.triggered.connect(lambda: self._step_font(+25))
        a.smaller_text.triggered.connect(lambda: self._step_font(-25))
        a.high_contrast.triggered.connect(
            lambda on: self.save_setting("ui.high_contrast", bool(on))
        )
        a.japanese.triggered.connect(lambda: self.save_setting("ui.language", "ja"))
        a.english.triggered.connect(lambda: self.save_setting("ui.language", "en"))
        a.shortcuts_help.triggered.connect(self._show_shortcuts)
        a.about.triggered.connect(self._show_about)
        self._settings_timer = QTimer(self)
        self._settings_timer.setInterval(2000)
        self._settings_timer.timeout.connect(self.on_settings_tick)
        self._settings_timer.start()

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
        self._show_mode_lock()
        self.loading.setText(self.tr("Loading the model…"))
        self.loading.setAccessibleName(self.tr("Loading the model…"))
        self.notice.setAccessibleName(self.tr("Notice"))

    # -- settings ----------------------------------------------------------------
    def apply_settings(self, settings: Settings) -> None:
        """Apply new effective settings: language, text size, contrast, network, export."""
        self.settings = settings
        lang = resolve_language(settings.get_str("ui.language"))
        if lang != self.translations.language or not self.translations.installed:
            self.translations.switch(lang)
        self.theme.apply(
            Theme(settings.get_int("ui.font_scale"), settings.get_bool("ui.high_contrast"))
        )
        self.actions_.high_contrast.setChecked(settings.get_bool("ui.high_contrast"))
        for key, action in (
            ("ui.high_contrast", self.actions_.high_contrast),
            ("ui.language", self.actions_.japanese),
            ("ui.language", self.actions_.english),
            ("ui.font_scale", self.actions_.larger_text),
            ("ui.font_scale", self.actions_.smaller_text),
        ):
            action.setEnabled(not settings.is_locked(key))
        self.actions_.export.setEnabled(settings.get_bool("history.export_allowed"))
        self.mode_box.setCurrentIndex(self.mode_box.findData(settings.get_str("experts.mode")))
        self._show_mode_lock()
        offline = settings.get_bool("network.offline") or offline_forced_by_env()
        url = settings.get_str("fallback.url")
        if offline:
            self.status.set_network("offline", self.tr("Offline mode is on"))
        elif settings.get_bool("fallback.enabled") and url:
            self.status.set_network("online", url)
        else:
            self.status.set_network("local", self.tr("No remote server is configured"))
        self.client.update_settings(settings)

    def save_setting(self, key: str, value: object) -> bool:
        """Save one of the operator's settings and apply the result; False if refused."""
        try:
            self.apply_settings(save_user_setting(self.paths, key, value))
        except SettingsError as exc:
            self.show_error(str(exc))
            return False
        return True

    def _show_mode_lock(self) -> None:
        settings = getattr(self, "settings", None)
        if settings is None or not hasattr(self, "mode_box"):
            return
        if settings.is_locked("experts.mode"):
            why = self.tr("Set by your administrator")
        elif not settings.get_bool("experts.user_can_choose"):
            why = self.tr("Your administrator has fixed the answer mode")
        else:
            why = ""
        self.mode_box.setEnabled(not why)
        self.mode_box.setToolTip(why or schema_text(SCHEMA["experts.mode"].description))

    def on_mode_chosen(self, index: int) -> None:
        """The operator picked fast / balanced / thorough: used from the next answer."""
        mode = self.mode_box.itemData(index)
        if mode and mode != self.settings.get_str("experts.mode"):
            self.save_setting("experts.mode", mode)

    def _step_font(self, delta: int) -> None:
        scale = max(100, min(200, self.settings.get_int("ui.font_scale") + delta))
        self.save_setting("ui.font_scale", scale)

    def on_settings_tick(self) -> None:
        """Pick up policy or settings files changed outside the app."""
        fresh = self.watcher.poll()
        if fresh is not None and fresh != self.settings:
            self.apply_settings(fresh)

    def open_settings(self) -> None:
        """Show the settings dialog and save what the operator changed."""
        from desktop.settings_dialog import SettingsDialog
        from desktop.token_store import set_token

        dialog = SettingsDialog(self.settings, self)
        if dialog.exec() != SettingsDialog.DialogCode.Accepted:
            return
        self.apply_dialog(dialog, set_token)

    def apply_dialog(self, dialog: Any, set_token: Any) -> None:
        """Save the dialog's changes (and token); split out so tests need no modal loop."""
        from engine.errors import CredentialError

        for key, value in dialog.changes().items():
            if not self.save_setting(key, value):
                break
        token = dialog.new_token()
        if token:
            try:
                set_token(self.settings.get_str("fallback.url"), token)
            except CredentialError as exc:
                self.show_error(str(exc))

    # -- pages -------------------------------------------------------------------
    def show_loading(self) -> None:
        """Show the loading page while the worker builds the engine."""
        self.pages.setCurrentWidget(self.loading)

    def on_model_loaded(self, info: Any) -> None:
        """The engine is ready: show the chat."""
        if self._closed:
            return  # queued before the worker stopped
        self._model_ready = True
        self.status.set_model(getattr(info, "name", None) or _file_name(info), info)
        self.pages.setCurrentWidget(self.chat_page)
        self.first_run.set_busy(False)
        self._set_busy(False)
        self.input.setFocus()

    def on_model_missing(self, message: str) -> None:
        """No usable model: explain and offer import or build."""
        if self._closed:
            return  # queued before the worker stopped
        self._model_ready = False
        self.status.set_model(None)
        self.first_run.set_problem(message)
        self.first_run.set_busy(False)
        self.pages.setCurrentWidget(self.first_run)
        self._set_busy(False)

    # -- conversations -----------------------------------------------------------
    def refresh_conversations(self) -> None:
        """Reload the sidebar from history (honouring the search text)."""
        search = self.sidebar.search.text().strip()
        self.sidebar.set_conversations(self.history.conversations(search), self.current_id)

    def new_chat(self) -> None:
        """Start an empty conversation (created in history on the first message)."""
        self.current_id = None
        self.chat.set_entries([])
        self.refresh_conversations()
        self.input.setFocus()
        self._set_busy(self.client.busy)

    def open_conversation(self, conversation_id: int) -> None:
        """Show a stored conversation."""
        self.current_id = conversation_id
        entries = [
            Entry(m.role, m.content, m.status, m.stats, [n["message"] for n in m.notices])
            for m in self.history.messages(conversation_id)
        ]
        if self.answer.active and conversation_id == self.answer.conversation_id:
            entries[-1].text = self.answer.text  # newer than the last commit
        self.chat.set_entries(entries)
        self.refresh_conversations()
        self._set_busy(self.client.busy)

    def rename_conversation(self, conversation_id: int, title: str) -> None:
        """Rename a conversation."""
        if title.strip():
            self.history.rename_conversation(conversation_id, title.strip())
            self.refresh_conversations()

    def delete_conversation(self, conversation_id: int) -> None:
        """Delete a conversation (stopping its answer first)."""
        if self.answer.active and conversation_id == self.answer.conversation_id:
            # The recorder still writes to it: stop, and delete once the answer has ended.
            self._delete_after_answer = conversation_id
            self.stop()
            return
        self.history.delete_conversation(conversation_id)
        if conversation_id == self.current_id:
            self.new_chat()
        self.refresh_conversations()

    def _ask_rename(self, conversation_id: int | None) -> None:
        conv = None if conversation_id is None else self.history.conversation(conversation_id)
        if conv is None:
            return
        title, ok = QInputDialog.getText(
            self, self.tr("Rename conversation"), self.tr("New name:"), text=conv.title
        )
        if ok:
            self.rename_conversation(conv.id, title)

    def _ask_delete(self, conversation_id: int | None) -> None:
        conv = None if conversation_id is None else self.history.conversation(conversation_id)
        if conv is None:
            return
        answer = QMessageBox.question(
            self,
            self.tr("Delete conversation"),
            self.tr("Delete “{title}” and all its messages?").format(title=conv.title),
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.delete_conversation(conv.id)

    def _ask_export(self) -> None:
        if self.current_id is None or not self.settings.get_bool("history.export_allowed"):
            return
        path, _filter = QFileDialog.getSaveFileName(
            self,
            self.tr("Export conversation"),
            str(Path.home() / "conversation.md"),
            self.tr("Markdown (*.md);;JSON (*.json)"),
        )
        if path:
            try:
                export_conversation(self.history, self.current_id, Path(path))
            except OSError as exc:
                self.show_error(self.tr("Could not export: {error}").format(error=exc))

    # -- asking ------------------------------------------------------------------
    def send(self, text: str | None = None) -> bool:
        """Send the message box's text (or ``text``); False when nothing was sent."""
        text = (self.input.toPlainText() if not isinstance(text, str) else text).strip()
        if not text or self.client.busy or not self._model_ready:
            return False
        if self.current_id is None:
            self.current_id = self.history.create_conversation(_title_of(text))
        self.history.add_user_message(self.current_id, text)
        self.input.clear()
        self.chat.add_entry(Entry("user", text))
        self._start_answer()
        self.refresh_conversations()
        return True

    def regenerate(self) -> bool:
        """Answer the last question of this conversation again (replacing the last answer)."""
        if self.current_id is None or self.client.busy or not self._model_ready:
            return False
        messages = self.history.messages(self.current_id)
        if not messages:
            return False
        if messages[-1].role == "assistant":
            self.history.delete_message(messages[-1].id)
            self.chat.remove_last()
        self._start_answer()
        return True

    def _start_answer(self) -> None:
        assert self.current_id is not None
        prompt = [
            {"role": m.role, "content": m.content}
            for m in self.history.messages(self.current_id)
            if m.role == "user" or (m.content and m.status != "failed")
        ]
        self.answer.begin(self.current_id)
        self.notice.setVisible(False)
        self.chat.begin_answer()
        self.client.ask(prompt, experts=None, max_tokens=self.max_tokens)
        self._set_busy(True)

    def stop(self) -> None:
        """Stop the running answer (it ends within one token)."""
        self.client.stop()

    def copy_answer(self) -> None:
        """Put the last answer on the clipboard."""
        text = self.chat.last_answer()
        if text:
            QGuiApplication.clipboard().setText(text)

    # -- engine events -----------------------------------------------------------
    def on_token_received(self, text: str) -> None:
        """A token arrived: record it and show it."""
        if self._closed or not self.answer.active:
            return  # queued before the worker stopped
        self.answer.add_token(text)
        if self.current_id == self.answer.conversation_id:
            self.chat.append_token(text)

    def on_notice_received(self, kind: str, message: str) -> None:
        """The engine has something to say during the answer."""
        if self._closed:
            return  # queued before the worker stopped
        self.answer.add_notice(message)
        if kind not in _QUIET_NOTICES:
            self.notice.setText(message)
            self.notice.setVisible(True)

    def on_answer_finished(self, final: FinalEvent) -> None:
        """Store the final text and stats, update the view and the status bar."""
        if self._closed:
            return  # queued before the worker stopped
        shown = self.current_id == self.answer.conversation_id
        text, status, stats = self.answer.finish(final)
        if shown:
            self.chat.finish_answer(text, status, stats, list(self.answer.notices))
        self.status.set_final(final)
        self._after_answer()
        self.answer_completed.emit(final)

    def on_answer_failed(self, message: str) -> None:
        """The engine raised an error: keep what arrived, mark it failed, say why."""
        if self._closed:
            return  # queued before the worker stopped
        shown = self.current_id == self.answer.conversation_id
        text = self.answer.fail(message)
        if shown:
            self.chat.finish_answer(text, "failed", None, list(self.answer.notices))
        self.show_error(message)
        self._after_answer()
        self.answer_completed.emit(message)

    def _after_answer(self) -> None:
        self.answer.conversation_id = None
        self._set_busy(False)
        pending, self._delete_after_answer = self._delete_after_answer, None
        if pending is not None:
            self.delete_conversation(pending)
        self.refresh_conversations()

    # -- state -------------------------------------------------------------------
    def _set_busy(self, busy: bool) -> None:
        ready = self._model_ready
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
        self._settings_timer.stop()
        self.updates.stop()
        self.client.shutdown()
        self.answer.interrupt()  # the worker has ended: keep a partial answer as interrupted
        if not self.history.closed:
            self.history.close()
        # Language and theme are application-wide; hand them back (tests, a second window).
        self.translations.clear()
        self.theme.reset()


def _title_of(text: str) -> str:
    first = text.strip().splitlines()[0] if text.strip() else ""
    return first[:48] + ("…" if len(first) > 48 else "")


def _file_name(info: Any) -> str | None:
    path = getattr(info, "path", None)
    return Path(path).name if path else None
