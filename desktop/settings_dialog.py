"""The settings dialog, built from the engine's settings schema, plus the policy page.

Every field comes from :data:`engine.settings.SCHEMA`: its kind picks the
widget, its label and description (translated through the ``SettingsSchema``
context) become the label and help text, its bounds bound the widget. A key set
by policy is shown disabled with a visible, keyboard-reachable note under it
(:class:`~desktop.lock_note.LockNote`: "Set by your administrator", also the
field's tooltip and accessible description); a policy-only key is never
editable here. The policy page lists every effective
value with its source and every problem found in the policy files, like
chrome://policy.

The remote server's token is not a setting: it goes to the OS keyring through
:mod:`desktop.token_store` and is never written to a file.
"""

from __future__ import annotations

from engine.models.access import user_models_allowed
from engine.settings import SCHEMA, Settings, SettingSpec
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QScrollArea,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop import token_store
from desktop.folder_list import FolderList
from desktop.i18n_values import setting_value_text
from desktop.lock_note import LockNote

PAGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("General", ("ui.", "experts.mode")),
    ("Remote server", ("fallback.",)),
    ("History", ("history.",)),
    ("Documents", ("docs.",)),
    ("Advanced", ("",)),
)
"""Pages and the key prefixes they hold; each key goes to the first page that matches."""


FOLDER_KEYS = frozenset({"docs.personal_folders"})
"""Lists of folders the operator edits with a folder picker (other lists are policy only)."""


def schema_text(text: str) -> str:
    """A label, description or choice of the schema, translated."""
    return QCoreApplication.translate("SettingsSchema", text) if text else ""


def page_of(key: str) -> str:
    """Name of the page a key is shown on."""
    for page, prefixes in PAGES:
        if any(key.startswith(p) if p.endswith(".") or not p else key == p for p in prefixes):
            return page
    return PAGES[-1][0]


class SettingsDialog(QDialog):
    """Edit the operator's own settings; shows locked keys and the effective policy."""

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.editors: dict[str, QWidget] = {}
        self._labels: dict[str, QLabel] = {}
        self._help: dict[str, QLabel] = {}
        self.lock_notes: dict[str, LockNote] = {}
        self.tabs = QTabWidget(self)
        self._pages: dict[str, QFormLayout] = {}
        self._page_widgets: dict[str, QWidget] = {}
        for page, _ in PAGES:
            body = QWidget()
            form = QFormLayout(body)
            form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
            scroll = QScrollArea()
            scroll.setWidgetResizable(True)
            scroll.setWidget(body)
            self.tabs.addTab(scroll, "")
            self._pages[page] = form
            self._page_widgets[page] = scroll
        for key, spec in SCHEMA.items():
            self._add_field(key, spec)
        self.token_edit = QLineEdit()
        self.token_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.token_label = QLabel()
        self.token_help = QLabel()
        self.token_help.setWordWrap(True)
        self._pages["Remote server"].addRow(self.token_label, self.token_edit)
        self._pages["Remote server"].addRow(self.token_help)
        self.policy_table = QTableWidget(0, 3)
        header = self.policy_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.resizeSection(1, self.fontMetrics().horizontalAdvance("M") * 14)
        self.policy_table.verticalHeader().setVisible(False)
        self.policy_table.setWordWrap(False)
        self.policy_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.problems_label = QLabel()
        self.problems = QListWidget()
        policy = QWidget()
        pl = QVBoxLayout(policy)
        pl.addWidget(self.policy_table, 3)
        pl.addWidget(self.problems_label)
        pl.addWidget(self.problems, 1)
        self.tabs.addTab(policy, "")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(self.buttons)
        self.retranslate()

    # -- fields ---------------------------------------------------------------
    def _add_field(self, key: str, spec: SettingSpec) -> None:
        editor = self._editor(spec, self.settings.get(key))
        editor.setObjectName(key)
        label = QLabel()
        label.setBuddy(editor)
        help_label = QLabel()
        help_label.setWordWrap(True)
        help_label.setEnabled(False)  # drawn in the muted colour
        form = self._pages[page_of(key)]
        # The note comes right after the editor: the next Tab stop when the editor is locked.
        note = LockNote()
        form.addRow(label, editor)
        form.addRow(note)
        form.addRow(help_label)
        self.lock_notes[key] = note
        self.editors[key] = editor
        self._labels[key] = label
        self._help[key] = help_label

    def _editor(self, spec: SettingSpec, value: object) -> QWidget:
        if spec.kind == "bool":
            box = QCheckBox()
            box.setChecked(bool(value))
            return box
        if spec.kind == "int":
            spin = QSpinBox()
            spin.setRange(int(spec.minimum or 0), int(spec.maximum or 2**31 - 1))
            spin.setValue(int(value))  # type: ignore[call-overload]
            return spin
        if spec.kind == "float":
            dspin = QDoubleSpinBox()
            dspin.setRange(spec.minimum or 0.0, spec.maximum or 1e9)
            dspin.setValue(float(value))  # type: ignore[arg-type]
            return dspin
        if spec.kind == "enum":
            combo = QComboBox()
            for choice in spec.choices:
                combo.addItem(choice, choice)
            combo.setCurrentIndex(max(0, combo.findData(value)))
            return combo
        if spec.key in FOLDER_KEYS:
            return FolderList(value if isinstance(value, tuple) else ())
        shown = setting_value_text(spec.key, value) if spec.kind == "texts" else str(value)
        edit = QLineEdit(shown)
        edit.setClearButtonEnabled(True)
        return edit

    def value_of(self, key: str) -> object:
        """The value currently shown in the field of ``key``."""
        w = self.editors[key]
        if isinstance(w, QCheckBox):
            return w.isChecked()
        if isinstance(w, QSpinBox | QDoubleSpinBox):
            return w.value()
        if isinstance(w, QComboBox):
            return w.currentData()
        if isinstance(w, FolderList):
            return w.folders()
        assert isinstance(w, QLineEdit)
        return w.text().strip()

    def set_value(self, key: str, value: object) -> None:
        """Put ``value`` in the field of ``key`` (for keyboard-free tests and presets)."""
        w = self.editors[key]
        if isinstance(w, QCheckBox):
            w.setChecked(bool(value))
        elif isinstance(w, QSpinBox):
            w.setValue(int(value))  # type: ignore[call-overload]
        elif isinstance(w, QDoubleSpinBox):
            w.setValue(float(value))  # type: ignore[arg-type]
        elif isinstance(w, QComboBox):
            w.setCurrentIndex(w.findData(value))
        elif isinstance(w, FolderList):
            w.set_folders(value if isinstance(value, list | tuple) else ())
        elif isinstance(w, QLineEdit):
            w.setText(str(value))

    def changes(self) -> dict[str, object]:
        """The editable keys whose shown value differs from the effective settings."""
        return {
            key: self.value_of(key)
            for key in SCHEMA
            if self.editors[key].isEnabled() and self.value_of(key) != self.settings.get(key)
        }

    def new_token(self) -> str | None:
        """The token typed in the dialog, or None when the field was left empty."""
        text = self.token_edit.text().strip()
        return text or None

    # -- texts ------------------------------------------------------------------
    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        """Re-read every translated text and lock state."""
        self.setWindowTitle(self.tr("Settings"))
        titles = {
            "General": self.tr("General"),
            "Remote server": self.tr("Remote server"),
            "History": self.tr("History"),
            "Documents": self.tr("Documents"),
            "Advanced": self.tr("Advanced"),
        }
        for i, (page, _) in enumerate(PAGES):
            self.tabs.setTabText(i, titles[page])
        self.tabs.setTabText(len(PAGES), self.tr("Policy"))
        for key, spec in SCHEMA.items():
            self._retranslate_field(key, spec)
        self.token_label.setText(self.tr("Access token"))
        self.token_edit.setAccessibleName(self.tr("Access token"))
        usable = token_store.available()
        stored = usable and token_store.has_token(self.settings.get_str("fallback.url"))
        self.token_edit.setPlaceholderText(
            self.tr("A token is stored (type to replace it)") if stored else self.tr("No token")
        )
        self.token_help.setText(
            self.tr(
                "The token is kept in the system keyring, never in a file. Leave empty to "
                "keep the stored one."
            )
            if usable
            else self.tr("No safe system keyring is available, so a token cannot be stored.")
            + "\n"
            + token_store.unavailable_reason()
        )
        self.token_edit.setEnabled(usable)
        self._fill_policy_page()

    def _retranslate_field(self, key: str, spec: SettingSpec) -> None:
        editor = self.editors[key]
        label = schema_text(spec.label) or key
        if spec.unit:
            label += f" ({schema_text(spec.unit)})"
        self._labels[key].setText(label)
        editor.setAccessibleName(label)
        self._help[key].setText(schema_text(spec.description))
        if isinstance(editor, QComboBox):
            for i, choice in enumerate(spec.choices):
                editor.setItemText(i, schema_text(choice))
        locked_why = self._locked_why(key, spec)
        description = schema_text(spec.description)
        editor.setEnabled(locked_why is None)
        editor.setToolTip(locked_why or description)
        editor.setAccessibleDescription(
            f"{locked_why} — {description}" if locked_why else description
        )
        self._labels[key].setToolTip(locked_why or "")
        self.lock_notes[key].set_lock(locked_why or "", label)

    def _locked_why(self, key: str, spec: SettingSpec) -> str | None:
        if self.settings.is_locked(key):
            return self.tr("Set by your administrator")
        if spec.policy_only:
            return self.tr("Only your administrator can set this")
        if key == "experts.mode" and not self.settings.get_bool("experts.user_can_choose"):
            return self.tr("Your administrator has fixed the answer mode")
        if key == "model.path" and not user_models_allowed(self.settings):
            return self.tr("Your administrator allows only the models IT installs")
        if key == "docs.personal_folders" and not self.settings.get_bool("docs.allow_personal"):
            return self.tr("Your administrator does not allow own document folders")
        return None

    def _source_text(self, source: str) -> str:
        if source == "default":
            return self.tr("Default")
        if source == "user":
            return self.tr("Your settings")
        return self.tr("Policy: {file}").format(file=source.split(":", 1)[1])

    def _fill_policy_page(self) -> None:
        table = self.policy_table
        table.setHorizontalHeaderLabels([self.tr("Setting"), self.tr("Value"), self.tr("Source")])
        table.setAccessibleName(self.tr("Effective settings"))
        table.setRowCount(len(SCHEMA))
        for row, key in enumerate(SCHEMA):
            value = self.settings.get(key)
            shown = setting_value_text(key, value)  # "on", a choice's name: in the UI's language
            items = [key, shown, self._source_text(self.settings.source(key))]
            for col, text in enumerate(items):
                item = QTableWidgetItem(text)
                if self.settings.is_locked(key):
                    item.setToolTip(self.tr("Set by your administrator"))
                table.setItem(row, col, item)
        self.problems_label.setText(
            self.tr("Problems in policy and settings files:")
            if self.settings.problems
            else self.tr("No problems found in policy and settings files.")
        )
        self.problems.setAccessibleName(self.tr("Problems in policy and settings files"))
        self.problems.clear()
        for p in self.settings.problems:
            severity = self.tr("Error") if p.severity == "error" else self.tr("Warning")
            where = p.file + (f" [{p.key}]" if p.key else "")
            self.problems.addItem(f"{severity}: {where}: {p.message}")
        if getattr(self.settings, "fail_closed", False):
            self.problems.addItem(
                self.tr(
                    "Because a policy file has errors, security settings use their safest values."
                )
            )
        self.problems.setVisible(bool(self.settings.problems))
