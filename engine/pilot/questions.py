"""A site's question set and how one answer is scored against it.

A question file is TOML (an array of ``[[question]]`` tables) or JSON Lines (one
object per line) with, per question: ``question`` (required), an optional ``id``,
and at least one expectation:

``keywords``
    a list of words that must *all* appear in the answer (case and full-/half-width
    insensitive: both sides are NFKC-normalised and lower-cased);
``regex``
    a Python regular expression that must match somewhere (case-insensitive);
``reference``
    a reference answer: the answer must contain at least ``REFERENCE_RECALL`` of the
    reference's character bigrams (spaces and punctuation left out), a measure that
    works the same for Japanese, which has no spaces between words.

Several expectations on one question must all hold. A bad file raises
:class:`~engine.errors.BadInputError` with one line naming the file and the entry.
"""

from __future__ import annotations

import itertools
import json
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from disk.regular_file import FileReadError, read_regular_file

from engine.errors import BadInputError

REFERENCE_RECALL = 0.5
MAX_QUESTION_FILE_BYTES = 16 << 20  # thousands of questions; a bigger file is a wrong path
"""Share of the reference answer's character bigrams the answer must contain."""


@dataclass(frozen=True)
class Question:
    """One question of the site's set and what a correct answer contains."""

    id: str
    question: str
    keywords: tuple[str, ...] = ()
    regex: str = ""
    reference: str = ""

    def is_correct(self, answer: str) -> bool:
        """Whether ``answer`` meets every expectation of this question."""
        text = _normal(answer)
        if any(_normal(k) not in text for k in self.keywords):
            return False
        if self.regex and not re.search(self.regex, answer, re.IGNORECASE):
            return False
        return not self.reference or reference_recall(self.reference, answer) >= REFERENCE_RECALL


def _normal(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _bigrams(text: str) -> set[str]:
    chars = [c for c in _normal(text) if c.isalnum()]
    return {a + b for a, b in itertools.pairwise(chars)}


def reference_recall(reference: str, answer: str) -> float:
    """Share of the reference's character bigrams found in the answer (0..1)."""
    wanted = _bigrams(reference)
    if not wanted:
        return 1.0
    return len(wanted & _bigrams(answer)) / len(wanted)


def _question(entry: object, where: str) -> Question:
    if not isinstance(entry, dict):
        raise BadInputError(f"{where}: expected a table/object with 'question'")
    text = entry.get("question")
    if not isinstance(text, str) or not text.strip():
        raise BadInputError(f"{where}: 'question' must be a non-empty string")
    keywords = entry.get("keywords", [])
    if isinstance(keywords, str):
        keywords = [keywords]
    if not isinstance(keywords, list) or not all(isinstance(k, str) and k for k in keywords):
        raise BadInputError(f"{where}: 'keywords' must be a list of non-empty strings")
    regex = entry.get("regex", "")
    reference = entry.get("reference", "")
    if not isinstance(regex, str) or not isinstance(reference, str):
        raise BadInputError(f"{where}: 'regex' and 'reference' must be strings")
    if regex:
        try:
            re.compile(regex)
        except re.error as exc:
            raise BadInputError(f"{where}: bad regex ({exc})") from None
    if not (keywords or regex or reference.strip()):
        raise BadInputError(f"{where}: give 'keywords', 'regex' or 'reference' to score against")
    ident = entry.get("id", "")
    return Question(
        id=str(ident) if ident else "", question=text, keywords=tuple(keywords),
        regex=regex, reference=reference,
    )


def load_questions(path: Path) -> list[Question]:
    """The questions of a ``.toml`` or ``.jsonl`` file (one clear line when it is wrong)."""
    try:
        raw = read_regular_file(path, MAX_QUESTION_FILE_BYTES).decode("utf-8")
    except FileReadError as exc:
        raise BadInputError(f"cannot read the question file: {exc}") from None
    except UnicodeDecodeError as exc:
        raise BadInputError(f"the question file {path} is not UTF-8 text ({exc})") from None
    entries: list[tuple[object, str]] = []
    if path.suffix.lower() == ".toml":
        try:
            data = tomllib.loads(raw)
        except tomllib.TOMLDecodeError as exc:
            raise BadInputError(f"{path}: not valid TOML ({exc})") from None
        table = data.get("question", [])
        if not isinstance(table, list):
            raise BadInputError(f"{path}: write each question as a [[question]] table")
        entries = [(e, f"{path}: question {i + 1}") for i, e in enumerate(table)]
    elif path.suffix.lower() in (".jsonl", ".ndjson"):
        for number, line in enumerate(raw.splitlines(), 1):
            if not line.strip():
                continue
            try:
                entries.append((json.loads(line), f"{path}: line {number}"))
            except json.JSONDecodeError as exc:
                raise BadInputError(f"{path}: line {number} is not JSON ({exc.msg})") from None
    else:
        raise BadInputError(f"{path}: question files are .toml or .jsonl")
    questions = [_question(entry, where) for entry, where in entries]
    if not questions:
        raise BadInputError(f"{path}: no questions in the file")
    return [q if q.id else _with_id(q, i) for i, q in enumerate(questions, 1)]


def _with_id(question: Question, number: int) -> Question:
    return Question(f"q{number}", question.question, question.keywords, question.regex,
                    question.reference)
