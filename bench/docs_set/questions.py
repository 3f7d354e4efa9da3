"""The question set (``questions.toml``) and its grading by accepted key strings."""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path

QUESTIONS_FILE = Path(__file__).with_name("questions.toml")


@dataclass(frozen=True)
class Question:
    """One question about the set, where its answer is, and the strings that count as it."""

    id: str
    lang: str
    """The question's language (``ja`` or ``en``)."""
    text: str
    doc: str
    """The file name of the document that answers it."""
    page: int | None
    """The PDF page the answer is on; None for formats without pages."""
    answers: tuple[str, ...]
    """Accepted key strings; one of them in an answer (after :func:`normalise`) is correct."""
    cross: bool = False
    """Asked in the other language than the document's (bonus: harder for retrieval)."""


def load_questions(path: Path = QUESTIONS_FILE) -> list[Question]:
    """Every question of the set, in file order."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return [
        Question(
            id=q["id"], lang=q["lang"], text=q["q"], doc=q["doc"], page=q.get("page"),
            answers=tuple(q["answers"]), cross=q.get("cross", False),
        )
        for q in data["question"]
    ]


_DROP = re.compile(r"[·・･•‧⋅∙]|(?<=\d),(?=\d{3})")
_DASH = re.compile(r"[–—−〜~]")


def _space(match: re.Match[str]) -> str:
    """White space goes, except one space between two digits (so that "24:00" and a "3."
    on the next line do not run together into "24:003")."""
    text, start, end = match.string, match.start(), match.end()
    between_digits = start > 0 and end < len(text) and text[start - 1].isdigit()
    return " " if between_digits and text[end].isdigit() else ""


def normalise(text: str) -> str:
    """The form answers and keys are compared in: NFKC, lower case, no spaces or middle dots,
    one dash for ranges, no thousands separators ("24 N·m", "24Nm", "24 N・m" are alike)."""
    text = unicodedata.normalize("NFKC", text).lower()
    return _DASH.sub("-", re.sub(r"\s+", _space, _DROP.sub("", text)))


def is_answered(text: str, question: Question) -> bool:
    """True when an accepted key string is in ``text`` ("24nm" does not match "124nm")."""
    body = normalise(text)
    for key in question.answers:
        k = normalise(key)
        pattern = re.escape(k)
        if k[:1].isdigit():
            pattern = r"(?<![\d.])" + pattern
        if k[-1:].isdigit():
            pattern += r"(?![\d])"
        if re.search(pattern, body):
            return True
    return False
