"""The plain data of the document feature, shared by the index, the engine, the CLI and the window.

Frozen dataclasses of plain values, so they cross threads, pipes and JSON
(``dataclasses.asdict``) unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

SourceKind = Literal["policy", "pack", "personal"]
"""Where a folder of documents comes from: policy ``docs.folders``, an installed document
pack, or the operator's own ``docs.personal_folders``."""

DocumentKind = Literal["pdf", "docx", "markdown", "text", "html"]

SkipCode = Literal[
    "empty", "too_large", "encrypted", "corrupt", "unreadable", "no_text", "unsupported"
]
"""Why a document is not in the index (translated by the window; English in ``SKIP_ENGLISH``)."""

SKIP_ENGLISH: dict[str, str] = {
    "empty": "the file is empty (0 bytes)",
    "too_large": "the file is larger than {limit_mb} MB (docs.max_file_mb)",
    "encrypted": "the document is password-protected; ask its owner for an open copy",
    "corrupt": "the file is damaged or not a real {kind} file ({detail})",
    "unreadable": "the file cannot be read ({detail})",
    "no_text": "no text found (a scanned document needs OCR first)",
    "unsupported": "this file type is not indexed",
}


@dataclass(frozen=True)
class DocSource:
    """A folder whose documents are indexed, and where the folder comes from."""

    kind: SourceKind
    folder: Path
    label: str
    """What the operator sees: the folder, or the pack's name and version."""


@dataclass(frozen=True)
class Page:
    """The text of one page (PDF) or one section (other formats), in reading order."""

    number: int | None
    """1-based page number in a PDF (or a DOCX with page breaks); None where a format has none."""
    text: str
    heading: str = ""
    """The nearest heading above this text (Markdown, DOCX, HTML), for the source line."""


@dataclass(frozen=True)
class Extracted:
    """A document's title and pages."""

    kind: DocumentKind
    title: str
    pages: list[Page]


class DocumentSkippedError(Exception):
    """A document that is not indexed, with a code from :data:`SkipCode` and its parameters."""

    def __init__(self, code: SkipCode, **params: str | int) -> None:
        self.code: SkipCode = code
        self.params: dict[str, str | int] = dict(params)
        super().__init__(SKIP_ENGLISH[code].format_map(_Missing(self.params)))


class _Missing(dict[str, object]):
    def __missing__(self, key: str) -> str:
        return "?"


@dataclass(frozen=True)
class Passage:
    """A retrieved piece of a document: what the prompt quotes and the window shows."""

    path: str
    """The document's absolute path (the viewer opens it)."""
    title: str
    kind: DocumentKind
    page: int | None
    heading: str
    text: str
    score: float
    """BM25 relevance, higher is better (FTS5's bm25() negated)."""
    source: str = ""
    """The source's label (folder or pack)."""


@dataclass(frozen=True)
class DocumentStatus:
    """One file's state in the index."""

    path: str
    source: str
    state: Literal["indexed", "skipped"]
    pages: int = 0
    passages: int = 0
    skip_code: str = ""
    skip_params: dict[str, str | int] = field(default_factory=dict)
    reason: str = ""
    """The skip reason in English (empty when indexed)."""


@dataclass(frozen=True)
class IndexProgress:
    """Where an index update is: ``done`` of ``total`` files looked at, the current one."""

    done: int
    total: int
    current: str = ""


@dataclass(frozen=True)
class IndexReport:
    """What an index update did."""

    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    skipped: int = 0
    pages: int = 0
    seconds: float = 0.0
    cancelled: bool = False
