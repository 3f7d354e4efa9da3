"""A page of text into passages of about :data:`TARGET_CHARS`–:data:`MAX_CHARS` characters.

A passage is what a question retrieves and what the prompt quotes, so it should hold one
instruction with its context: paragraphs are kept together up to :data:`MAX_CHARS`; a longer
paragraph is cut after a sentence (``。``, ``.``, ``!``, ``?`` …), and only a sentence
longer than the limit is cut in the middle. A short tail joins the passage before it.
Passages never cross pages, so each one has exactly one page number.
"""

from __future__ import annotations

import re

TARGET_CHARS = 500
MAX_CHARS = 800
_TAIL_CHARS = 200

_PARAGRAPHS = re.compile(r"\n[ \t\u3000]*\n+")
_SENTENCE_END = re.compile(r"(?<=[。．！？!?])|(?<=[.;:])(?=\s)")


def _units(text: str) -> list[str]:
    units: list[str] = []
    for raw in _PARAGRAPHS.split(text):
        lines = (" ".join(line.split()) for line in raw.strip().splitlines())
        para = "\n".join(line for line in lines if line)
        if not para:
            continue
        if len(para) <= MAX_CHARS:
            units.append(para)
            continue
        for piece in _SENTENCE_END.split(para):
            sentence = piece.strip()
            while len(sentence) > MAX_CHARS:
                units.append(sentence[:MAX_CHARS])
                sentence = sentence[MAX_CHARS:].strip()
            if sentence:
                units.append(sentence)
    return units


def passages(text: str) -> list[str]:
    """The passages of one page's text, in order (empty text: none)."""
    out: list[str] = []
    current = ""
    for unit in _units(text):
        if current and (len(current) >= TARGET_CHARS or len(current) + 1 + len(unit) > MAX_CHARS):
            out.append(current)
            current = unit
        else:
            current = f"{current}\n{unit}" if current else unit
    if current:
        short = len(current) < _TAIL_CHARS
        if out and short and len(out[-1]) + 1 + len(current) <= MAX_CHARS + _TAIL_CHARS:
            out[-1] = f"{out[-1]}\n{current}"
        else:
            out.append(current)
    return out
