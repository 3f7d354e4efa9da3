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


def _plain_causes() -> dict[str, str]:
    # QCoreApplication.translate with literal context and text: lupdate finds them here.
    too_long = QCoreApplication.translate("PlainCause", "the question is too long for this PC")
    short_of_memory = QCoreApplication.translate("PlainCause", "this PC is short of memory")
    model_unusable = QCoreApplication.translate("PlainCause", "the model on this PC cannot be used")
    model_failed = QCoreApplication.translate("PlainCause", "the model on this PC failed")
    return {
        "context.over": too_long,
        "memory.low": short_of_memory,
        "memory.low_context": short_of_memory,
        "battery.prefers_remote": QCoreApplication.translate(
            "PlainCause", "this PC is running on battery"
        ),
        "speed.slow": QCoreApplication.translate("PlainCause", "this PC is answering too slowly"),
        "model.unavailable": model_unusable,
        "model.missing": model_unusable,
        "model.broken": model_unusable,
        "fallback.local_failed": model_failed,
        "fallback.local_crashed": model_failed,
        "failed.local": model_failed,
    }


def plain_cause(parts: Iterable[Mapping[str, object]] | None) -> str:
    """Why an answer left this PC, in the operator's words ("" when the parts do not say).

    The status line says "Answered by the site server because …"; the engineer's
    reason (:func:`reason_text`) stays in the details.
    """
    if not parts:
        return ""
    try:
        decoded = from_dicts(parts)
    except (TypeError, AttributeError):
        return ""
    causes = _plain_causes()
    for p in decoded:
        if p.code in causes:
            return causes[p.code]
    return ""
