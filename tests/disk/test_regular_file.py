"""disk.regular_file: the one way to read a file someone named, never hanging on it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from disk.regular_file import FileReadError, read_regular_file
from engine.errors import BadInputError
from engine.pilot.questions import load_questions


def _kind(path: Path, limit: int = 100) -> str:
    with pytest.raises(FileReadError) as failed:
        read_regular_file(path, limit)
    assert str(path) in str(failed.value)
    return failed.value.kind


def test_reads_up_to_the_limit_and_refuses_the_rest(tmp_path: Path) -> None:
    exact, over = tmp_path / "exact", tmp_path / "over"
    exact.write_bytes(b"x" * 100)
    over.write_bytes(b"x" * 101)
    assert read_regular_file(exact, 100) == b"x" * 100
    assert _kind(over) == "too-large"


def test_fifo_folder_and_missing_file_are_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "policy.fifo"
    os.mkfifo(fifo)  # no writer: a plain open() would wait forever
    assert _kind(fifo) == "not-regular"
    assert _kind(tmp_path) == "not-regular"
    assert _kind(tmp_path / "gone") == "missing"


def test_a_question_file_that_is_a_fifo_is_one_line(tmp_path: Path) -> None:
    fifo = tmp_path / "questions.toml"
    os.mkfifo(fifo)
    with pytest.raises(BadInputError) as failed:
        load_questions(fifo)
    assert "not a regular file" in str(failed.value) and "\n" not in str(failed.value)
