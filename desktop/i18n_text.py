"""Texts from the engine that can be shown again in another language.

A notice or an error is rendered in the window's language when it arrives
(:mod:`desktop.notice_text`, :mod:`desktop.error_text`). The rendered text is a
:class:`LocalizedText`: a ``str`` that also keeps how it was made (its template
code and parameters, plain JSON data), so the chat can render it again after a
language switch (:func:`retranslated`) and the history can keep it with the
answer (:func:`stored`, :func:`restored`). Anything else passes through as it is.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

_RECENT = 512  # texts remembered for widgets that keep only a plain copy (a QLabel)
_recent: OrderedDict[str, dict[str, Any]] = OrderedDict()


class LocalizedText(str):
    """A text in the window's language, with the record it can be rendered again from."""

    record: dict[str, Any]

    def __new__(cls, text: str, record: dict[str, Any]) -> LocalizedText:
        obj = super().__new__(cls, text)
        obj.record = record
        return obj


def localized(text: str, record: dict[str, Any]) -> LocalizedText:
    """``text`` remembering ``record`` (``{"notice": …}`` or ``{"error": …}``)."""
    _recent[text] = record
    _recent.move_to_end(text)
    while len(_recent) > _RECENT:
        _recent.popitem(last=False)
    return LocalizedText(text, record)


def retranslated(text: str) -> str:
    """``text`` in the current language when it is one of ours, else ``text`` itself."""
    record = text.record if isinstance(text, LocalizedText) else _recent.get(text)
    return _render(record) if record else text


def stored(text: str) -> dict[str, str]:
    """What the history keeps beside the shown text so it can be rendered again ({} if none)."""
    if isinstance(text, LocalizedText):
        return {"localized": json.dumps(text.record, ensure_ascii=False)}
    return {}


def restored(notice: Mapping[str, str]) -> str:
    """A stored notice (``message``, maybe ``localized``) in the current language."""
    message = notice.get("message", "")
    try:
        record = json.loads(notice["localized"]) if "localized" in notice else None
    except ValueError:
        record = None
    if not isinstance(record, dict):
        return message
    text = _render(record)
    return localized(text, record) if text else message


def _render(record: Mapping[str, Any]) -> str:
    """The text of a record in the current language ("" when the record is not usable)."""
    from engine.error_codes import ErrorMessage
    from engine.events import NoticeEvent

    from desktop.error_text import error_text
    from desktop.notice_text import notice_text

    try:
        if "notice" in record:
            n = record["notice"]
            params = tuple((str(k), v) for k, v in n["params"])
            return notice_text(NoticeEvent(n["kind"], n["message"], params, n["code"]))
        if "error" in record:
            e = record["error"]
            return error_text(ErrorMessage(e["message"], e["code"], dict(e["params"])))
    except (KeyError, TypeError, ValueError):
        pass
    return ""
