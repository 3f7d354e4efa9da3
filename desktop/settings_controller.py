"""The window's settings: apply effective settings, save the operator's changes, follow policy.

Effective settings (policy over user over defaults) reach the window here:
language, text size, high contrast, answer mode, export permission, the
network state and the open or closed details of the status bar, and the
engine worker. Keys locked by policy
disable their menu entries and say why. A :class:`~desktop.settings_poller.SettingsPoller`
polls the settings watcher off the GUI thread (with a timeout), so policy or
settings files edited outside the app are applied while it runs and a slow or
stuck policy folder never freezes the window; the GUI thread opens no policy file.

The effective settings live here (:attr:`SettingsController.settings`); every
change is reported by :attr:`SettingsController.settings_applied`, and a
refused save by :attr:`SettingsController.error_occurred`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from engine.error_codes import ErrorMessage
from engine.errors import SettingsError
from engine.remote.network import NetworkConfig
from engine.settings import Settings, SettingsWatcher, save_user_setting
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from desktop.actions import WindowActions
from desktop.button_row import ButtonRow
from desktop.engine_worker import EngineClient
from desktop.error_text import error_text
from desktop.i18n import Translations, resolve_language
from desktop.settings_poller import SettingsPoller
from desktop.status_panel import StatusPanel
from desktop.theme import Theme, ThemeManager

if TYPE_CHECKING:
    from engine.paths import Paths

WATCH_INTERVAL_MS = 2000
"""How often settings and policy files are checked for outside changes."""

WATCH_TIMEOUT_MS = 10_000
"""A check taking longer is abandoned (logged); the window keeps its current settings."""


class SettingsController(QObject):
    """Applies and saves the settings of one window."""

    settings_applied = Signal(object)  # Settings, after the window shows them
    error_occurred = Signal(str)  # a sentence for the operator

    def __init__(
        self,
        parent: QWidget,
        paths: Paths,
        watcher: SettingsWatcher,
        settings: Settings,
        *,
        client: EngineClient,
        status: StatusPanel,
        buttons: ButtonRow,
        actions: WindowActions,
        translations: Translations,
        theme: ThemeManager,
    ) -> None:
        super().__init__(parent)
        self._parent = parent  # the settings dialog's parent
        self._paths, self._watcher, self.settings = paths, watcher, settings
        self._client, self._status, self._buttons, self._actions = client, status, buttons, actions
        self._translations, self._theme = translations, theme
        a = actions
        buttons.mode_chosen.connect(self.on_mode_chosen)
        status.details_toggled.connect(self.on_details_toggled)
        a.settings.triggered.connect(self.open_settings)
        a.larger_text.triggered.connect(lambda: self.step_font(+25))
        a.smaller_text.triggered.connect(lambda: self.step_font(-25))
        a.high_contrast.triggered.connect(
            lambda on: self.save_setting("ui.high_contrast", bool(on))
        )
        a.japanese.triggered.connect(lambda: self.save_setting("ui.language", "ja"))
        a.english.triggered.connect(lambda: self.save_setting("ui.language", "en"))
        self.poller = SettingsPoller(
            watcher, self, interval_ms=WATCH_INTERVAL_MS, timeout_ms=WATCH_TIMEOUT_MS
        )
        self.poller.changed.connect(self.on_settings_changed)
        self.poller.start()

    def apply_settings(self, settings: Settings) -> None:
        """Apply new effective settings: language, text size, contrast, network, export."""
        self.settings = settings
        self._apply_look(settings)
        self._actions.export.setEnabled(settings.get_bool("history.export_allowed"))
        self.show_mode_lock()
        self._show_details(settings)
        self._apply_network(settings)
        self._client.update_settings(settings)
        self.settings_applied.emit(settings)

    def reload(self) -> None:
        """Apply the operator's settings file as it is now (after a model was imported or built).

        Only the user's own settings file is read here, over the policy as last
        polled; policy changes follow from the poll started at the same time.
        """
        self.apply_settings(self._watcher.reload_user())
        self.poller.poll_now()

    def _apply_look(self, settings: Settings) -> None:
        a = self._actions
        lang = resolve_language(settings.get_str("ui.language"))
        if lang != self._translations.language or not self._translations.installed:
            self._translations.switch(lang)
        self._theme.apply(
            Theme(settings.get_int("ui.font_scale"), settings.get_bool("ui.high_contrast"))
        )
        a.high_contrast.setChecked(settings.get_bool("ui.high_contrast"))
        for key, action in (
            ("ui.high_contrast", a.high_contrast),
            ("ui.language", a.japanese),
            ("ui.language", a.english),
            ("ui.font_scale", a.larger_text),
            ("ui.font_scale", a.smaller_text),
        ):
            action.setEnabled(not settings.is_locked(key))

    def _apply_network(self, settings: Settings) -> None:
        status = self._status
        offline = NetworkConfig.from_settings(settings).offline  # the one network state
        url = settings.get_str("fallback.url")
        if offline:
            status.set_network("offline", self.tr("Offline mode is on"))
        elif settings.get_bool("fallback.enabled") and url:
            status.set_network("online", url)
        else:
            status.set_network("local", self.tr("No remote server is configured"))

    def save_setting(self, key: str, value: object) -> bool:
        """Save one of the operator's settings and apply the result; False if refused."""
        try:
            self.apply_settings(save_user_setting(self._paths, key, value))
        except SettingsError as exc:
            self.error_occurred.emit(error_text(ErrorMessage.of(exc)))
            return False
        return True

    def show_mode_lock(self) -> None:
        """Show the answer mode; lock its box when policy fixed the mode, and say why."""
        settings = self.settings
        if settings.is_locked("experts.mode"):
            why = self.tr("Set by your administrator")
        elif not settings.get_bool("experts.user_can_choose"):
            why = self.tr("Your administrator has fixed the answer mode")
        else:
            why = ""
        self._buttons.set_mode(settings.get_str("experts.mode"), why)

    def _show_details(self, settings: Settings) -> None:
        """Open or close the status details as the settings say (policy may fix it)."""
        locked = settings.is_locked("ui.status_details")
        lock = self.tr("Set by your administrator") if locked else ""
        self._status.set_details_shown(settings.get_bool("ui.status_details"), lock)

    def on_details_toggled(self, shown: bool) -> None:
        """The operator opened or closed the status details: remember it."""
        if shown != self.settings.get_bool("ui.status_details"):
            self.save_setting("ui.status_details", shown)

    def on_mode_chosen(self, mode: str) -> None:
        """The operator picked fast / balanced / thorough: used from the next answer."""
        if mode != self.settings.get_str("experts.mode"):
            self.save_setting("experts.mode", mode)

    def step_font(self, delta: int) -> None:
        """Make the text larger or smaller by ``delta`` percent (kept within 100–200 %)."""
        scale = max(100, min(200, self.settings.get_int("ui.font_scale") + delta))
        self.save_setting("ui.font_scale", scale)

    def on_settings_changed(self, fresh: Settings) -> None:
        """A poll found policy or settings files changed outside the app: apply them."""
        if fresh != self.settings:
            self.apply_settings(fresh)

    def open_settings(self) -> None:
        """Show the settings dialog and save what the operator changed."""
        from desktop.settings_dialog import SettingsDialog
        from desktop.token_store import set_token

        dialog = SettingsDialog(self.settings, self._parent)
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
                self.error_occurred.emit(error_text(ErrorMessage.of(exc)))

    def stop(self) -> None:
        """Stop watching the settings files (the window is closing)."""
        self.poller.stop()
