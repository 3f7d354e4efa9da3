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

import json
from collections.abc import Mapping

from engine.error_codes import ENGLISH, ErrorMessage, ParamValue, render
from engine.events import FinalEvent
from PySide6.QtCore import QCoreApplication

from desktop.i18n_text import localized
from desktop.reason_text import reason_text

CONTEXT = "ErrorText"
_PARTS = "reason_parts"


def translated_templates() -> dict[str, str]:
    """Every error template in the current language."""
    return {
        code: QCoreApplication.translate(CONTEXT, template) for code, template in ENGLISH.items()
    }


def error_text(error: ErrorMessage | str) -> str:
    """The error to show: its template in the current language, else its English message."""
    if isinstance(error, str):
        return error  # already words (an older caller, a message of the window's own)
    text = render(
        error.code, reason_translated(error.params), translated_templates(), error.message
    )
    if not error.code:
        return text
    record = {"error": {"message": error.message, "code": error.code, "params": dict(error.params)}}
    return localized(text, record)  # a language switch renders it again


def reason_translated(params: Mapping[str, ParamValue]) -> dict[str, ParamValue]:
    """``params`` with a ``reason`` that came with its parts in the current language.

    The parts travel as JSON in ``reason_parts`` (:func:`engine.notices.reason_params`,
    :func:`final_error`), which is dropped; without usable parts the reason stays as it is.
    """
    out = {k: v for k, v in params.items() if k != _PARTS}
    encoded = params.get(_PARTS)
    if isinstance(encoded, str) and "reason" in out:
        try:
            parts = json.loads(encoded)
        except ValueError:
            return out
        if isinstance(parts, list):
            out["reason"] = reason_text(str(out["reason"]), parts)
    return out


def final_error(final: FinalEvent) -> ErrorMessage | None:
    """The error a final event ends with (``None`` when it has none), with its code.

    A refusal's ``reason`` parameter is the decision's English reason; the final
    event's reason parts come along (``reason_parts``, JSON), and :func:`error_text`
    renders the reason from them in the window's language.
    """
    if not final.error:
        return None
    params = dict(final.error_params or {})
    if final.error_code == "refused" and "reason" in params and final.reason_parts:
        # Rendered in the language of the moment it is shown (error_text), not now.
        params[_PARTS] = json.dumps(final.reason_parts, ensure_ascii=False)
    return ErrorMessage(final.error, final.error_code, params)
