"""disk.pointer: the one current.json reader — format 1, names confined to the models folder."""

from __future__ import annotations

import hashlib
import json
import os
import sys
import threading
from pathlib import Path

import pytest

from disk.errors import PointerError
from disk.pointer import ModelRef, Pointer, file_problem, read_pointer, write_pointer

SHA = "ab" * 32


def _write(path: Path, obj: object) -> Path:
    path.write_text(json.dumps(obj), encoding="utf-8")
    return path


def _valid(**fields: object) -> dict[str, object]:
    return {"format": 1, "path": "m.gguf", "sha256": SHA, "version": "1", **fields}


def test_round_trip(tmp_path: Path) -> None:
    pointer = Pointer(ModelRef("new.gguf", SHA, "2"), previous=ModelRef("old.gguf", SHA, "1"))
    write_pointer(tmp_path / "current.json", pointer)
    assert read_pointer(tmp_path / "current.json") == pointer
    assert [p.name for p in tmp_path.iterdir()] == ["current.json"]


def test_no_pointer_is_none(tmp_path: Path) -> None:
    assert read_pointer(tmp_path / "current.json") is None


BAD = [
    ("parent folder", _valid(path="../x")),
    ("absolute path", _valid(path="/etc/passwd")),
    ("windows absolute path", _valid(path="C:\\models\\m.gguf")),
    ("windows parent", _valid(path="..\\m.gguf")),
    ("sub folder", _valid(path="sub/m.gguf")),
    ("dot dot", _valid(path="..")),
    ("empty name", _valid(path="")),
    ("wrong format", _valid(format=2)),
    ("no format", {k: v for k, v in _valid().items() if k != "format"}),
    ("sha256 not text", _valid(sha256=None)),
    ("bad previous", _valid(previous={"path": "../old.gguf", "sha256": SHA, "version": "0"})),
    ("a list", [1, 2]),
]


@pytest.mark.parametrize(("case", "obj"), BAD, ids=[c for c, _ in BAD])
def test_a_pointer_breaking_the_rules_is_refused(tmp_path: Path, case: str, obj: object) -> None:
    with pytest.raises(PointerError):
        read_pointer(_write(tmp_path / "current.json", obj))


def test_not_json_is_refused(tmp_path: Path) -> None:
    (tmp_path / "current.json").write_bytes(b"{half")
    with pytest.raises(PointerError, match="not valid JSON"):
        read_pointer(tmp_path / "current.json")


def test_a_huge_pointer_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    (tmp_path / "current.json").write_bytes(b" " * (1 << 20) + b"{}")
    with pytest.raises(PointerError, match="larger than"):
        read_pointer(tmp_path / "current.json")


def test_a_folder_in_the_pointer_s_place_is_refused(tmp_path: Path) -> None:
    (tmp_path / "current.json").mkdir()
    with pytest.raises(PointerError, match="not a regular file"):
        read_pointer(tmp_path / "current.json")


def _promptly(func: object) -> list[object]:
    result: list[object] = []

    def run() -> None:
        try:
            result.append(func())  # type: ignore[operator]
        except PointerError as exc:
            result.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(30)
    assert not thread.is_alive(), "blocked on a FIFO"
    return result


@pytest.mark.skipif(sys.platform == "win32", reason="FIFOs")
def test_a_fifo_pointer_is_refused_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "current.json")
    [outcome] = _promptly(lambda: read_pointer(tmp_path / "current.json"))
    assert isinstance(outcome, PointerError)


@pytest.mark.skipif(sys.platform == "win32", reason="FIFOs")
def test_a_fifo_named_by_the_pointer_is_never_hashed(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "m.gguf")
    [outcome] = _promptly(lambda: file_problem(tmp_path, ModelRef("m.gguf", SHA, "1")))
    assert outcome == f"{tmp_path / 'm.gguf'} is not a regular file"


def test_file_problem_checks_the_hash(tmp_path: Path) -> None:
    (tmp_path / "m.gguf").write_bytes(b"model bytes")
    good = hashlib.sha256(b"model bytes").hexdigest()
    assert file_problem(tmp_path, ModelRef("m.gguf", good, "1")) is None
    assert file_problem(tmp_path, ModelRef("m.gguf", good.upper(), "1")) is not None
    assert "is missing" in str(file_problem(tmp_path, ModelRef("gone.gguf", good, "1")))
    wrong = file_problem(tmp_path, ModelRef("m.gguf", SHA, "1"))
    assert wrong is not None and good in wrong


def test_an_upper_case_hash_in_the_pointer_is_read_as_lower_case(tmp_path: Path) -> None:
    pointer = read_pointer(_write(tmp_path / "current.json", _valid(sha256=SHA.upper())))
    assert pointer is not None and pointer.current.sha256 == SHA
