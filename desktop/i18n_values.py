"""Setting values as people read them, in the window's language.

The policy page lists every effective value. A switch reads "on" or "off" and
a choice reads as its translated name ("balanced" is 標準 in Japanese), the
same words the settings' own fields use; numbers, paths, URLs and free text are
the values themselves, a list of texts is joined by " · ", and an empty value is a dash.
"""

from __future__ import annotations

from engine.settings import SCHEMA
from PySide6.QtCore import QCoreApplication

SCHEMA_CONTEXT = "SettingsSchema"  # the choices' names, as the settings dialog shows them


def setting_value_text(key: str, value: object) -> str:
    """``value`` of the setting ``key`` as shown to people, in the current language."""
    if isinstance(value, bool):
        if value:
            return QCoreApplication.translate("SettingValue", "on")
        return QCoreApplication.translate("SettingValue", "off")
    if isinstance(value, tuple):  # a list of texts (policy only: shown, never edited)
        return " · ".join(str(v) for v in value) or "—"
    spec = SCHEMA.get(key)
    if spec is not None and spec.choices and value in spec.choices:
        return QCoreApplication.translate(SCHEMA_CONTEXT, str(value))
    return str(value) if value != "" else "—"
