"""The engine's per-answer reason in the window's language.

The engine explains each answer as structured parts (:mod:`engine.reasons`,
``FinalEvent.reason_parts``); this module renders them with the templates of
:data:`engine.reasons.ENGLISH` translated in the ``ReasonText`` context (marked
for ``lupdate`` by the generated :mod:`desktop.reason_strings`). Without parts
(an older engine, an old history row) the English ``reason`` is shown as is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from engine.reasons import ENGLISH, SEPARATOR, from_dicts, render
from PySide6.QtCore import QCoreApplication

CONTEXT = "ReasonText"


def translated_templates() -> dict[str, str]:
    """Every reason template in the current language (free text stays as it is)."""
    return {
        code: template if code == "text" else QCoreApplication.translate(CONTEXT, template)
        for code, template in ENGLISH.items()
    }


def reason_text(reason: str, parts: Iterable[Mapping[str, object]] | None) -> str:
    """The reason to show: ``parts`` rendered in the current language, else ``reason``."""
    if not parts:
        return reason
    try:
        decoded = from_dicts(parts)
    except (TypeError, AttributeError):
        return reason  # not what the engine writes: show its English words instead
    separator = QCoreApplication.translate(CONTEXT, SEPARATOR)
    return render(decoded, translated_templates(), separator) or reason
