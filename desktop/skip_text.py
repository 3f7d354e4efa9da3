"""Why a document is not in the index, in the window's language.

The index records a skip as a code and parameters
(:data:`engine.docs.model.SKIP_ENGLISH`); this module renders them with the
same templates translated in the ``SkipText`` context. The literals below are
the engine's English templates word for word (a test keeps them equal), so
``lupdate`` finds them. A code this window does not know (a newer engine) is
shown in the engine's own English words rather than not at all.
"""

from __future__ import annotations

from collections.abc import Mapping

from engine.docs.model import SKIP_ENGLISH
from PySide6.QtCore import QCoreApplication

CONTEXT = "SkipText"


def templates() -> dict[str, str]:
    """Every skip reason's template in the current language."""
    # QCoreApplication.translate with literal context and text: lupdate finds them here.
    t = QCoreApplication
    return {
        "empty": t.translate("SkipText", "the file is empty (0 bytes)"),
        "too_large": t.translate(
            "SkipText", "the file is larger than {limit_mb} MB (docs.max_file_mb)"
        ),
        "encrypted": t.translate(
            "SkipText", "the document is password-protected; ask its owner for an open copy"
        ),
        "corrupt": t.translate(
            "SkipText", "the file is damaged or not a real {kind} file ({detail})"
        ),
        "unreadable": t.translate("SkipText", "the file cannot be read ({detail})"),
        "no_text": t.translate(
            "SkipText", "no text found (a scanned document needs OCR first)"
        ),
        "unsupported": t.translate("SkipText", "this file type is not indexed"),
    }


def english_templates() -> dict[str, str]:
    """The engine's own English templates (what :func:`templates` translates)."""
    return dict(SKIP_ENGLISH)


class _Missing(dict[str, object]):
    def __missing__(self, key: str) -> str:
        return "?"


def skip_text(code: str, params: Mapping[str, object], english: str = "") -> str:
    """The reason for skip ``code`` with ``params``, translated; ``english`` when unknown."""
    template = templates().get(code)
    if template is None:
        return english or code
    try:
        return template.format_map(_Missing(params))
    except (ValueError, IndexError):  # a translation with a broken placeholder
        return english or SKIP_ENGLISH.get(code, code)
