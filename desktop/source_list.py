"""The sources under an answer (and a document search's results), as the conversation shows them.

A source is one retrieved passage (``dataclasses.asdict`` of
:class:`engine.docs.model.Passage`, as the engine's final event and the history
carry it). Each is shown as a numbered line "[1] Title — p. 3" (a document with
no pages names its heading instead) with the passage's opening words under it.
The line is a link, so Tab reaches it and Enter or a click opens the source
viewer; the view decides what the link points at (its own per-view scheme).

Under the sources, always, a note that the answer may be wrong and the
document is what counts: the model can misread even a passage it was given.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from PySide6.QtCore import QCoreApplication

EXCERPT_CHARS = 220
"""How much of a passage is shown under its source line (the viewer shows it all)."""



def source_title(source: Mapping[str, Any]) -> str:
    """"Title — p. 3", or "Title — Heading" for a document without pages."""
    title = str(source.get("title") or "") or _file_name(source)
    page = source.get("page")
    if isinstance(page, int) and page > 0:
        return QCoreApplication.translate("Sources", "{title} — p. {page}").format(
            title=title, page=page
        )
    heading = str(source.get("heading") or "").strip()
    if heading and heading != title:
        return f"{title} — {heading}"
    return title


_HEADING_MARK = re.compile(r"^\s{0,3}#{1,6}\s+", re.MULTILINE)


def excerpt(source: Mapping[str, Any], limit: int = EXCERPT_CHARS) -> str:
    """The passage's text on one line, shortened to ``limit`` characters with "…".

    Markdown's heading marks ("## ") are left out: the operator reads words, not syntax.
    """
    text = " ".join(_HEADING_MARK.sub("", str(source.get("text") or "")).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _file_name(source: Mapping[str, Any]) -> str:
    path = str(source.get("path") or "")
    return path.replace("\\", "/").rsplit("/", 1)[-1] or "?"


def sources_html(
    sources: Sequence[Mapping[str, Any]],
    link: Callable[[int, str, str], str],
    *,
    heading: str | None = None,
    note: str | None = None,
    small_size: float = 0.0,
) -> str:
    """The sources block: a heading, numbered links with excerpts, and the caution.

    ``link(number, label, text)`` returns the anchor for source ``number``
    (0-based) showing ``text`` (HTML) with ``label`` (plain) as its title.
    ``note`` replaces the caution under an answer (a search has no answer to doubt);
    ``heading=""`` leaves the heading out.
    """
    size = f"font-size:{small_size:.1f}pt;" if small_size > 0 else ""
    if heading is None:
        heading = QCoreApplication.translate("Sources", "Sources")
    parts = [f"<p><b>{html.escape(heading)}</b></p>"] if heading else []
    for number, source in enumerate(sources):
        label = f"[{number + 1}] {source_title(source)}"
        parts.append(
            f"<p>{link(number, label, html.escape(label))}<br/>"
            f'<span style="{size}">{html.escape(excerpt(source))}</span></p>'
        )
    caution = note or QCoreApplication.translate(
        "Sources",
        "The answer may be wrong: what counts is the document itself. Open a source to check it.",
    )
    parts.append(f'<p style="{size}"><i>{html.escape(caution)}</i></p>')
    return "".join(parts)
