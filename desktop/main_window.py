"""The operator's window: conversations on the left, the chat on the right, status below.

The window is assembly: it creates the parts, connects them and lays them out,
and shuts them down in order. It holds no conversation or model logic:

* :class:`~desktop.session.ChatSession`: the conversation on screen and the
  answer being written, over the history;
* :class:`~desktop.conversation_controller.ConversationController`: new, open,
  rename, delete, search and export conversations;
* :class:`~desktop.answer_controller.AnswerController`: send, regenerate,
  stop, copy, the worker's tokens, notices and final events, and which of
  the :class:`~desktop.button_row.ButtonRow`'s buttons can be used;
* :class:`~desktop.settings_controller.SettingsController`: the effective
  settings, applied and saved (language, text size, contrast, answer mode,
  policy locks), and settings files changed outside the app;
* :class:`~desktop.page_controller.PageController`: the loading, chat and
  first-run pages, following the engine's model, and the
  :class:`~desktop.demo_notice.DemoNotice` while the demonstration model answers;
* :class:`~desktop.welcome_page.WelcomePage`: stacked with the conversation, shown
  for an empty chat, with the site's example questions;
* :class:`~desktop.model_tasks.ModelTasks`: the first-run import and build;
* :class:`~desktop.update_status.UpdateStatus`: the updater's status line;
* :class:`~desktop.pilot_report.PilotReport`: Help → Pilot report…, built by the CLI
  in a child process and opened in the browser;
* :class:`~desktop.docs_controller.DocsController`: the site's documents — indexing
  in the background (its line in the status area), "search documents", and the
  source viewer behind the sources under an answer.

The parts know their collaborators, never the window; they report by signals,
which the window connects in :meth:`MainWindow._connect`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine.error_codes import ErrorMessage
from engine.models.access import user_models_allowed
from engine.paths import Paths
from engine.settings import Settings, SettingsWatcher
from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QCloseEvent, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.actions import WindowActions
from desktop.answer_controller import AnswerController
from desktop.button_row import ButtonRow
from desktop.chat_view import ChatView
from desktop.conversation_controller import ConversationController
from desktop.conversation_list import ConversationList
from desktop.demo_notice import DemoNotice
from desktop.docs_controller import DocsController
from desktop.docs_indexer import Runner, run_in_child
from desktop.docs_status import DocsStatus
from desktop.engine_worker import EngineClient, EngineFactory
from desktop.error_text import error_text
from desktop.first_run import FirstRunPage
from desktop.history import History
from desktop.i18n import Translations
from desktop.i18n_text import retranslated
from desktop.input_box import InputBox
from desktop.model_tasks import ModelTasks
from desktop.page_controller import PageController
from desktop.pilot_report import PilotReport
from desktop.session import ChatSession
from desktop.settings_controller import SettingsController
from desktop.status_panel import StatusPanel
from desktop.theme import ThemeManager
from desktop.update_status import UpdateStatus
from desktop.welcome_page import WelcomePage, site_examples


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
        docs_runner: Runner = run_in_child,
    ) -> None:
        super().__init__()
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        self.paths = paths
        self.model_path = model_path
        watcher = SettingsWatcher(paths)
        settings = settings or watcher.current
        self.translations = Translations(app, paths.cache_dir)
        self.theme = ThemeManager(app)
        self.history = History(paths.history_db if settings.get_bool("history.enabled") else None)
        self.history.apply_retention(settings.get_int("history.retention_days"))
        self.session = ChatSession(self.history, self)
        self.client = EngineClient(engine_factory or self._make_engine, self)
        self.updates = UpdateStatus(self, paths, start=updates)
        self._closed = False
        self._shown_once = False
        self._build()
        self._make_controllers(watcher, settings, max_tokens, docs_runner)
        self._connect()
        self._start()

    # -- construction ------------------------------------------------------------
    def _make_engine(self) -> Any:
        """Build the real engine (runs on the worker thread) with the current settings."""
        from engine.service import Engine

        return Engine(paths=self.paths, settings=self.settings, model_path=self.model_path)

    def _build(self) -> None:
        """The widgets, laid out: sidebar and pages side by side, the status panel below."""
        self.setObjectName("genba-main-window")
        self.actions_ = WindowActions(self)
        self.sidebar = ConversationList()
        self.chat = ChatView()
        self.welcome = WelcomePage()
        self.chat_stack = QStackedWidget()  # the welcome page until the chat has a message
        self.chat_stack.addWidget(self.welcome)
        self.chat_stack.addWidget(self.chat)
        self.demo_notice = DemoNotice()
        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.notice.setVisible(False)
        self.input = InputBox()
        self.buttons = ButtonRow()
        # Always on screen under every answer, whatever the model (operators are not engineers).
        self.reminder = QLabel()
        self.reminder.setObjectName("genba-answer-reminder")
        self.reminder.setWordWrap(True)
        # Italic, in the normal text colour: a disabled (grey) label is hard to read in high
        # contrast and is announced as "unavailable" by screen readers.
        self.reminder.setStyleSheet("font-style: italic")
        self.chat_page = QWidget()
        chat_layout = QVBoxLayout(self.chat_page)
        for widget, stretch in (
            (self.demo_notice, 0), (self.chat_stack, 1), (self.notice, 0), (self.input, 0),
        ):
            chat_layout.addWidget(widget, stretch)
        chat_layout.addWidget(self.buttons)
        # "Search documents" sits under Send, beside the reminder (which wraps): in the button
        # row it would make the window wider than 1024 px at 200 % text.
        under_buttons = QHBoxLayout()
        under_buttons.setContentsMargins(0, 0, 0, 0)
        under_buttons.addWidget(self.reminder, 1)
        under_buttons.addWidget(self.buttons.search_docs_button, 0, Qt.AlignmentFlag.AlignTop)
        chat_layout.addLayout(under_buttons)
        self.loading = QLabel()
        self.loading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.first_run = FirstRunPage()
        self.pages = QStackedWidget()
        for page in (self.chat_page, self.loading, self.first_run):
            self.pages.addWidget(page)
        self.splitter = QSplitter()
        self.splitter.setChildrenCollapsible(False)  # never squeeze a pane below its minimum
        self.splitter.addWidget(self.sidebar)
        self.splitter.addWidget(self.pages)
        self.splitter.setStretchFactor(1, 3)
        self.status = StatusPanel()
        self.docs_status = DocsStatus()
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(self.status)
        layout.addWidget(self.docs_status)
        self.setCentralWidget(central)

    def _make_controllers(
        self, watcher: SettingsWatcher, settings: Settings, tokens: int, docs_runner: Runner
    ) -> None:
        """Each controller gets the collaborators it uses, and connects its own widgets."""
        self.settings_controller = SettingsController(
            self,
            self.paths,
            watcher,
            settings,
            client=self.client,
            status=self.status,
            buttons=self.buttons,
            actions=self.actions_,
            translations=self.translations,
            theme=self.theme,
        )
        self.conversation_controller = ConversationController(
            self,
            self.session,
            self.client,
            sidebar=self.sidebar,
            chat=self.chat,
            input_box=self.input,
            actions=self.actions_,
        )
        self.answer_controller = AnswerController(
            self,
            self.session,
            self.client,
            chat=self.chat,
            input_box=self.input,
            buttons=self.buttons,
            actions=self.actions_,
            notice=self.notice,
            status=self.status,
            max_tokens=tokens,
        )
        self.page_controller = PageController(
            self,
            self.client,
            pages=self.pages,
            chat_page=self.chat_page,
            loading=self.loading,
            first_run=self.first_run,
            status=self.status,
            focus_on_ready=self.input,
            demo_notice=self.demo_notice,
        )
        self.tasks = ModelTasks(self, self.paths, self.client, self.first_run)
        self.pilot_report = PilotReport(self.paths, self)
        self.docs = DocsController(
            self,
            self.paths,
            chat=self.chat,
            input_box=self.input,
            buttons=self.buttons,
            actions=self.actions_,
            status=self.docs_status,
            font_scale=lambda: self.theme.theme.font_scale,
            runner=docs_runner,
        )

    def _connect(self) -> None:
        """The parts' reports, each to the part that acts on it."""
        settings, pages = self.settings_controller, self.page_controller
        settings.settings_applied.connect(self.conversation_controller.on_settings_applied)
        settings.settings_applied.connect(self._apply_site_settings)
        settings.settings_applied.connect(self.docs.apply_settings)
        self.docs.search_shown.connect(self._show_welcome_or_chat)
        self.answer_controller.answer_completed.connect(self.docs.on_answer_completed)
        self.docs.error_occurred.connect(self.show_error)
        session = self.session
        for changed in (
            session.conversation_changed, session.conversations_changed, session.answer_started,
        ):
            changed.connect(self._show_welcome_or_chat)
        self.welcome.prompt_chosen.connect(self._use_example)
        self.demo_notice.import_requested.connect(self._import_from_demo)
        pages.task_failed.connect(self._tell_task_failed)
        settings.error_occurred.connect(self.show_error)
        self.conversation_controller.error_occurred.connect(self.show_error)
        pages.model_ready_changed.connect(self.answer_controller.on_model_ready_changed)
        self.answer_controller.answer_completed.connect(self.answer_completed)
        self.tasks.model_installed.connect(settings.reload)
        self.tasks.model_installed.connect(pages.reload_model)
        self.updates.changed.connect(self.status.set_update_text)
        self.updates.apply_offered.connect(self.status.set_apply_offered)
        self.status.apply_update_requested.connect(self.updates.apply_now)
        settings.settings_applied.connect(self.updates.apply_settings)
        # The status line follows the answer; its numbers belong to the conversation on screen.
        self.session.answer_started.connect(self.status.on_answer_started)
        self.session.answer_ended.connect(self.status.on_answer_ended)
        self.session.conversation_changed.connect(self.status.clear_answer)
        self.tasks.model_installed.connect(self.status.set_loading)
        a = self.actions_
        a.focus_input.triggered.connect(self.input.setFocus)
        a.search.triggered.connect(self.sidebar.search.setFocus)
        a.quit.triggered.connect(self.close)
        a.shortcuts_help.triggered.connect(self._show_shortcuts)
        a.about.triggered.connect(self._show_about)
        a.pilot_report.triggered.connect(self.pilot_report.start)
        self.pilot_report.running_changed.connect(self._pilot_report_state)
        self.pilot_report.failed.connect(self.show_error)

    def _start(self) -> None:
        """Show the effective settings and the latest conversation, then load the model."""
        self.retranslate()
        self.settings_controller.apply_settings(self.settings)
        self._tell_about_history()  # after apply_settings: in the operator's language
        self.updates.start(self.settings)
        self.conversation_controller.refresh_conversations()
        latest = self.history.conversations()
        if latest:
            self.session.open(latest[0].id)
        self.page_controller.show_loading()
        self.client.load()

    def showEvent(self, event: QShowEvent) -> None:
        """The first time the window is on screen, start indexing the documents behind it."""
        super().showEvent(event)
        if not self._shown_once:
            self._shown_once = True
            self.docs.start()

    # -- texts -------------------------------------------------------------------
    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        """Re-read every text this class owns (child widgets retranslate themselves)."""
        self.actions_.retranslate()  # actions are not widgets: they get no LanguageChange
        self.updates.retranslate()
        self.settings_controller.show_mode_lock()  # its reason is the controller's text
        self.setWindowTitle(self.tr("genba — shop-floor assistant"))
        self.loading.setText(self.tr("Loading the model…"))
        self.loading.setAccessibleName(self.tr("Loading the model…"))
        self.notice.setAccessibleName(self.tr("Notice"))
        self.reminder.setText(
            self.tr("Answers may be wrong — check them against your work instructions.")
        )
        self.notice.setText(retranslated(self.notice.text()))  # an engine notice, too

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

    # -- welcome page and demo notice ----------------------------------------------
    def _show_welcome_or_chat(self) -> None:
        """The welcome page for a new chat (no message yet), the conversation otherwise."""
        # A document search shows its passages in the conversation, even in a new chat.
        empty = self.session.current_id is None and not self.chat.entries
        self.chat_stack.setCurrentWidget(self.welcome if empty else self.chat)

    def _apply_site_settings(self, settings: Settings) -> None:
        """The site's example questions (in the window's language), and whether to offer import."""
        self.welcome.set_site_examples(site_examples(settings, self.translations.language))
        self.demo_notice.set_can_import(user_models_allowed(settings))
        self._pilot_report_state()

    def _pilot_report_state(self, _running: bool = False) -> None:
        """Help → Pilot report…: usable unless building now or metrics are off."""
        if self.pilot_report.running:
            state = "running"
        elif not self.settings.get_bool("metrics.enabled"):
            state = "metrics_off"
        else:
            state = "ready"
        self.actions_.set_pilot_report_state(state)

    def _use_example(self, text: str) -> None:
        """Put a picked example in the message box, for the operator to send or change."""
        self.input.put_text(text)

    def _import_from_demo(self) -> None:
        """Import the site's model from the demo notice; its progress shows on the import page."""
        self.tasks.ask_import_file()
        if self.first_run.progress.isVisibleTo(self.first_run):  # a file was picked
            self.page_controller.show_task_page()

    def _tell_task_failed(self, problem: ErrorMessage) -> None:
        self.show_error(error_text(problem))

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

    # -- state and verbs read by tests, the screenshots and bench/gui_latency.py --
    @property
    def settings(self) -> Settings:
        """The effective settings (owned by the settings controller)."""
        return self.settings_controller.settings

    @property
    def current_id(self) -> int | None:
        """The conversation on screen (owned by the session)."""
        return self.session.current_id

    @property
    def model_ready(self) -> bool:
        """True while a model is loaded and questions can be asked."""
        return self.page_controller.model_ready

    @property
    def _model_ready(self) -> bool:
        # The name tests, bench/gui_latency.py and desktop/screenshot.py wait on.
        return self.model_ready

    def send(self, text: str | None = None) -> bool:
        """Send the message box's text (or ``text``); False when nothing was sent."""
        return self.answer_controller.send(text)

    def new_chat(self) -> None:
        """Start an empty conversation (created in history on the first message)."""
        self.conversation_controller.new_chat()

    def open_conversation(self, conversation_id: int) -> None:
        """Show a stored conversation."""
        self.session.open(conversation_id)

    def rename_conversation(self, conversation_id: int, title: str) -> None:
        """Rename a conversation."""
        self.session.rename(conversation_id, title)

    def delete_conversation(self, conversation_id: int) -> None:
        """Delete a conversation (stopping its answer first)."""
        self.conversation_controller.delete_conversation(conversation_id)

    def save_setting(self, key: str, value: object) -> bool:
        """Save one of the operator's settings and apply the result; False if refused."""
        return self.settings_controller.save_setting(key, value)

    def apply_dialog(self, dialog: Any, set_token: Any) -> None:
        """Save the settings dialog's changes (and token) without a modal loop."""
        self.settings_controller.apply_dialog(dialog, set_token)

    # -- closing -----------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        """Stop the answer, join the worker thread and close history cleanly."""
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Everything :meth:`closeEvent` does; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        self.session.begin_shutdown()
        self.page_controller.stop()
        self.docs.stop()
        self.settings_controller.stop()
        self.updates.stop()
        self.client.shutdown()
        self.session.close()  # the worker has ended: keep a partial answer as interrupted
        # Language and theme are application-wide; hand them back (tests, a second window).
        self.translations.clear()
        self.theme.reset()
