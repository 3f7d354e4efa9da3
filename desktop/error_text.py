"""The engine's errors in the window's language.

An engine error the operator may see carries a template code and parameters
(:mod:`engine.error_codes`); the worker thread hands it to the GUI thread as an
:class:`engine.error_codes.ErrorMessage` (plain data: no traceback, no engine
objects). This module renders it with the templates of
:data:`engine.error_codes.ENGLISH` translated in the ``ErrorText`` context
(marked for ``lupdate`` by the generated :mod:`desktop.error_strings`). An error
without a known code, or whose parameters do not fit, is shown by its English
message. Parameters (file names, llama.cpp's own words) stay as they are.
"""

from __future__ import annotations

from engine.error_codes import ENGLISH, ErrorMessage, render
from engine.events import FinalEvent
from PySide6.QtCore import QCoreApplication

from desktop.reason_text import reason_text

CONTEXT = "ErrorText"


def translated_templates() -> dict[str, str]:
    """Every error template in the current language."""
    return {
        code: QCoreApplication.translate(CONTEXT, template) for code, template in ENGLISH.items()
    }


def error_text(error: ErrorMessage | str) -> str:
    """The error to show: its template in the current language, else its English message."""
    if isinstance(error, str):
        return error  # already words (an older caller, a message of the window's own)
    return render(error.code, error.params, translated_templates(), error.message)


def final_error(final: FinalEvent) -> ErrorMessage | None:
    """The error a final event ends with (``None`` when it has none), with its code.

    A refusal's ``reason`` parameter is the decision's English reason; it is
    replaced by the final event's reason parts in the window's language.
    """
    if not final.error:
        return None
    params = dict(final.error_params or {})
    if final.error_code == "refused" and "reason" in params:
        params["reason"] = reason_text(final.reason, final.reason_parts)
    return ErrorMessage(final.error, final.error_code, params)
