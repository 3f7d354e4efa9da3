"""The engine's notices in the window's language.

The engine builds every notice from a template code and parameters
(:mod:`engine.notices`, ``NoticeEvent.code`` and ``params``); this module renders
them with the templates of :data:`engine.notices.ENGLISH` translated in the
``NoticeText`` context (marked for ``lupdate`` by the generated
:mod:`desktop.notice_strings`). A notice without a known code, or whose
parameters do not fit, is shown by its English ``message``. Free text inside a
notice (a server's error, the decision's English reason) stays as it is.
"""

from __future__ import annotations

from engine.events import NoticeEvent
from engine.notices import ENGLISH, render
from PySide6.QtCore import QCoreApplication

CONTEXT = "NoticeText"


def translated_templates() -> dict[str, str]:
    """Every notice template in the current language."""
    return {
        code: QCoreApplication.translate(CONTEXT, template) for code, template in ENGLISH.items()
    }


def notice_text(event: NoticeEvent) -> str:
    """The notice to show: its template in the current language, else its English message."""
    return render(event, translated_templates())
