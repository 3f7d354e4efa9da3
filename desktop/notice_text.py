"""The engine's notices in the window's language.

The engine builds every notice from a template code and parameters
(:mod:`engine.notices`, ``NoticeEvent.code`` and ``params``); this module renders
them with the templates of :data:`engine.notices.ENGLISH` translated in the
``NoticeText`` context (marked for ``lupdate`` by the generated
:mod:`desktop.notice_strings`). A notice without a known code, or whose
parameters do not fit, is shown by its English ``message``. Free text inside a
notice (a server's error) stays as it is; an engine error quoted with its code
(``error_code``, :func:`engine.notices.error_params`) is put in the window's
language too (:mod:`desktop.error_text`), and so is a decision's reason that
comes with its parts (``reason_parts``, :func:`engine.notices.reason_params`;
:mod:`desktop.reason_text`).
"""

from __future__ import annotations

import dataclasses

from engine.error_codes import ErrorMessage, ParamValue
from engine.events import NoticeEvent
from engine.notices import ENGLISH, render
from PySide6.QtCore import QCoreApplication

from desktop.error_text import error_text, reason_translated
from desktop.i18n_text import localized

CONTEXT = "NoticeText"
_NESTED = "error."


def translated_templates() -> dict[str, str]:
    """Every notice template in the current language."""
    return {
        code: QCoreApplication.translate(CONTEXT, template) for code, template in ENGLISH.items()
    }


def notice_text(event: NoticeEvent) -> str:
    """The notice to show: its template in the current language, else its English message."""
    text = render(_reason_translated(_error_translated(event)), translated_templates())
    if not event.code:
        return text  # nothing to render it again from
    record = {
        "notice": {
            "kind": event.kind,
            "message": event.message,
            "code": event.code,
            "params": [list(p) for p in event.params],
        }
    }
    return localized(text, record)  # a language switch renders it again


def _reason_translated(event: NoticeEvent) -> NoticeEvent:
    """``event`` with a reason that came with its parts rendered in the current language."""
    params = reason_translated(dict(event.params))
    return dataclasses.replace(event, params=tuple(sorted(params.items())))


def _error_translated(event: NoticeEvent) -> NoticeEvent:
    """``event`` with a quoted coded error (``error_code``) rendered in the current language."""
    params = dict(event.params)
    code = params.get("error_code")
    if not isinstance(code, str) or not code or "error" not in params:
        return event
    nested: dict[str, ParamValue] = {
        name.removeprefix(_NESTED): value
        for name, value in params.items()
        if name.startswith(_NESTED)
    }
    params["error"] = error_text(ErrorMessage(str(params["error"]), code, nested))
    return dataclasses.replace(event, params=tuple(sorted(params.items())))
