"""Bad model files: refused before llama.cpp sees them, in one line, the same way everywhere.

Table-driven: each case starts from the real tiny MoE, breaks one thing (a metadata
value llama.cpp 0.3.36 aborts on, a cut, a pipe instead of a file) and says what
genba must answer. Every case runs through the real ``genba`` command line three
ways — ``inspect``, ``models import`` and ``doctor --model`` — because all of them
(and the engine's load) share :func:`engine.models.info.inspect_model`.

Exit codes: ``inspect`` and ``models import`` exit 2 (bad input) with one line on
stderr. ``doctor`` is a report: it exits 1 ("problems found") and carries the same
sentence as ``model_error`` in its JSON.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gguf
import pytest

from engine.cli import main
from engine.errors import ModelFileError, NotMoEError
from engine.models.info import LLAMA_MAX_EXPERTS, LLAMA_MAX_LAYERS, inspect_model
from engine.paths import Paths

HANG_LIMIT_S = 30.0  # generous: a refused file takes well under a second
ARRAY, UINT32, INT32 = gguf.GGUFValueType.ARRAY, gguf.GGUFValueType.UINT32, gguf.GGUFValueType.INT32

Corrupt = Callable[[Path, Path], Path]
"""Make a bad file from the intact tiny model: ``(tiny model, folder) -> bad path``."""


# -- ways to break the tiny model ---------------------------------------------------------
def intact(tiny: Path, folder: Path) -> Path:
    """The tiny model as it is (the table's control row)."""
    return Path(shutil.copyfile(tiny, folder / "intact.gguf"))


def set_value(key: str, value: int) -> Corrupt:
    """Patch one scalar metadata value in place, the way a hex editor or a bad tool would."""

    def corrupt(tiny: Path, folder: Path) -> Path:
        bad = Path(shutil.copyfile(tiny, folder / f"{key}={value}.gguf"))
        reader = gguf.GGUFReader(bad, "r+")
        found = reader.fields[key]
        found.parts[found.data[0]][0] = value
        reader.data.flush()
        del reader
        return bad

    return corrupt


def rewrite(key: str, value: Any = None, vtype: Any = None, sub: Any = None) -> Corrupt:
    """Write a fresh file with ``key`` set to ``value`` (added if absent, dropped if None)."""

    def corrupt(tiny: Path, folder: Path) -> Path:
        bad = folder / f"{key}-rewritten.gguf"
        reader = gguf.GGUFReader(tiny)
        writer = gguf.GGUFWriter(str(bad), arch="llama")
        for f in reader.fields.values():
            if f.name.startswith("GGUF.") or f.name in ("general.architecture", key):
                continue
            sub_type = f.types[-1] if f.types[0] == ARRAY else None
            writer.add_key_value(f.name, f.contents(), f.types[0], sub_type=sub_type)
        if value is not None:
            writer.add_key_value(key, value, vtype, sub_type=sub)
        for t in reader.tensors:
            writer.add_tensor_info(t.name, t.data.shape, t.data.dtype, t.data.nbytes, t.tensor_type)
        writer.write_header_to_file()
        writer.write_kv_data_to_file()
        writer.write_ti_data_to_file()
        for t in reader.tensors:
            writer.write_tensor_data(t.data)
        writer.close()
        return bad

    return corrupt


def garble(key: str) -> Corrupt:
    """Make a text entry invalid UTF-8 (a flipped byte in a string)."""

    def corrupt(tiny: Path, folder: Path) -> Path:
        bad = Path(shutil.copyfile(tiny, folder / f"{key}-garbled.gguf"))
        reader = gguf.GGUFReader(bad, "r+")
        found = reader.fields[key]
        found.parts[found.data[0]][0] = 0xFF
        reader.data.flush()
        del reader
        return bad

    return corrupt


def per_layer_used(*values: int, vtype: Any = UINT32) -> Corrupt:
    """``expert_used_count`` as a per-layer array (the tiny model has 4 layers)."""
    return rewrite("llama.expert_used_count", list(values), ARRAY, vtype)


def cut_inside(section: str) -> Corrupt:
    """Cut the file short inside one of its sections, found from its real layout."""

    def corrupt(tiny: Path, folder: Path) -> Path:
        reader = gguf.GGUFReader(tiny)
        at = {
            "header": 10,  # magic and version, not the counts
            "metadata": reader.fields["llama.block_count"].offset + 3,
            "tensor list": reader.tensors[0].field.offset + 5,
            "tensor data": int(reader.data_offset) + 1000,
            "last byte": tiny.stat().st_size - 1,
        }[section]
        bad = folder / f"cut-{section.replace(' ', '-')}.gguf"
        with tiny.open("rb") as src:
            bad.write_bytes(src.read(at))
        return bad

    return corrupt


def fifo(tiny: Path, folder: Path) -> Path:
    """A named pipe with no writer: opening it for reading would block forever."""
    path = folder / "pipe.gguf"
    os.mkfifo(path)
    return path


def folder_named_gguf(tiny: Path, folder: Path) -> Path:
    """A directory where a model file should be."""
    path = folder / "model.gguf"
    path.mkdir()
    return path


def empty(tiny: Path, folder: Path) -> Path:
    """A zero-byte file (a copy that never started)."""
    path = folder / "empty.gguf"
    path.touch()
    return path


# -- the table ------------------------------------------------------------------------------
@dataclass(frozen=True)
class BadModel:
    """One row: how to break the model, the exit code inspect/import give, and the message."""

    name: str
    corrupt: Corrupt
    code: int
    message: str


CASES = [
    BadModel("intact model", intact, 0, ""),
    BadModel("per-layer N, same in every layer", per_layer_used(2, 2, 2, 2), 0, ""),
    BadModel("per-layer N as int32", per_layer_used(2, 2, 2, 2, vtype=INT32), 0, ""),
    BadModel("name not valid text", garble("general.name"), 0, ""),
    BadModel("architecture not valid text", garble("general.architecture"), 2,
             "its 'general.architecture' entry is not valid text"),
    # 1. layers (llama-model.cpp:1328 and :1330)
    BadModel("block_count 0", set_value("llama.block_count", 0), 2,
             "0 layers (block_count); llama.cpp loads 1 to 512"),
    BadModel("block_count above the limit", set_value("llama.block_count", LLAMA_MAX_LAYERS + 1),
             2, "513 layers (block_count); llama.cpp loads 1 to 512"),
    BadModel("nextn layers above block_count", rewrite("llama.nextn_predict_layers", 5, UINT32),
             2, "5 of its 4 layers predict ahead"),
    # 2. experts (llama-model.cpp:1361, :1365-1369)
    BadModel("expert_count above the limit",
             set_value("llama.expert_count", LLAMA_MAX_EXPERTS + 1), 2,
             "1025 experts (expert_count); llama.cpp allows at most 1024"),
    BadModel("as many expert groups as experts", rewrite("llama.expert_group_count", 8, UINT32),
             2, "in 8 groups"),
    BadModel("expert groups not dividing the experts",
             rewrite("llama.expert_group_count", 3, UINT32), 2, "in 3 groups"),
    # 3. N (llama-model.cpp:1362, :1364; a 0 inside an array is a SIGSEGV later)
    BadModel("expert_used_count 0", set_value("llama.expert_used_count", 0), 2,
             "activates 0 experts per token (expert_used_count) but has 8"),
    BadModel("expert_used_count above expert_count", set_value("llama.expert_used_count", 9), 2,
             "activates 9 experts per token (expert_used_count) but has 8"),
    BadModel("expert_used_count missing", rewrite("llama.expert_used_count"), 2,
             "does not say how many experts are active per token"),
    BadModel("per-layer N above expert_count", per_layer_used(2, 9, 2, 2), 2,
             "activates 9 experts per token in layer 1"),
    BadModel("per-layer N 0 in one layer", per_layer_used(2, 2, 0, 2), 2,
             "activates 0 experts per token in layer 2"),
    BadModel("per-layer N negative", per_layer_used(2, 2, 2, -1, vtype=INT32), 2,
             "activates -1 experts per token in layer 3"),
    BadModel("per-layer N for the wrong number of layers", per_layer_used(2, 2, 2), 2,
             "gives active experts for 3 layers (expert_used_count) but has 4 layers"),
    BadModel("per-layer N differing between layers", per_layer_used(2, 3, 2, 3), 2,
             "a different number of experts in different layers (2 to 3)"),
    # 4. expert_count against the expert tensors
    BadModel("expert_count below the tensors'", set_value("llama.expert_count", 4), 2,
             "4 experts (expert_count) but its tensor blk.0.ffn_gate_exps.weight holds 8"),
    BadModel("expert_count above the tensors'", set_value("llama.expert_count", 9), 2,
             "9 experts (expert_count) but its tensor blk.0.ffn_gate_exps.weight holds 8"),
    # 5. cut short
    BadModel("empty file", empty, 2, "is empty (0 bytes)"),
    BadModel("cut inside the header", cut_inside("header"), 2, "ends inside its header"),
    BadModel("cut inside the metadata", cut_inside("metadata"), 2, "ends inside its metadata"),
    BadModel("cut inside the tensor list", cut_inside("tensor list"), 2,
             "ends inside its tensor list"),
    BadModel("cut inside the tensor data", cut_inside("tensor data"), 2,
             "is incomplete: its tensor data needs 1,186,112 bytes"),
    BadModel("last byte missing", cut_inside("last byte"), 2,
             "needs 1,186,112 bytes but the file has 1,186,111"),
    # 6. not a regular file
    BadModel("named pipe", fifo, 2, "is not a regular file"),
    BadModel("folder", folder_named_gguf, 2, "is a folder"),
]
COMMANDS = ["inspect", "models import", "doctor --model"]


def _run_guarded(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str, str]:
    """Run ``genba argv`` in-process; fail (never hang) if it does not return in time."""
    result: dict[str, Any] = {}

    def target() -> None:
        try:
            result["code"] = main(argv)
        except BaseException as exc:  # re-raised in the test thread, where pytest sees it
            result["error"] = exc

    runner = threading.Thread(target=target, daemon=True)
    runner.start()
    runner.join(HANG_LIMIT_S)
    if runner.is_alive():
        _unblock_pipes(argv)
        pytest.fail(f"genba {' '.join(argv)} still runs after {HANG_LIMIT_S} s")
    if "error" in result:
        raise result["error"]
    out, err = capsys.readouterr()
    return int(result["code"]), out, err


def _unblock_pipes(argv: list[str]) -> None:
    """Give a reader stuck on a named pipe a writer, so the thread can end."""
    for arg in argv:
        path = Path(arg)
        if path.is_fifo():
            os.close(os.open(path, os.O_RDWR | os.O_NONBLOCK))


def _one_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


_NUMPY_OR_STRUCT = ("reshape", "out of bounds", "dtype", "unpack", "buffer", "axis")


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_model_files_are_refused_in_one_line(
    capsys: pytest.CaptureFixture[str], tiny_moe_path: Path, tmp_path: Path,
    case: BadModel, command: str,
) -> None:
    folder = tmp_path / "given"
    folder.mkdir()
    model = case.corrupt(tiny_moe_path, folder)
    if command == "doctor --model":
        code, out, err = _run_guarded(capsys, ["doctor", "--json", "--model", str(model)])
        report = json.loads(out)
        assert "Traceback" not in err
        if case.code == 0:
            assert "model_error" not in report
            assert report["model"]["expert_count"] == 8
            return
        assert code == 1
        message = report["model_error"]
        assert "\n" not in message
    else:
        code, _, err = _run_guarded(capsys, [*command.split(), str(model)])
        if case.code == 0:
            assert code == 0, err
            return
        assert code == case.code
        message = _one_line(err)
    assert case.message in message
    assert str(model) in message  # which file, so a script's log says what to fix
    assert not any(word in message for word in _NUMPY_OR_STRUCT), message
    if command == "models import":  # nothing half-copied into the store
        store = Paths.default().models_dir
        assert not store.exists() or not any(store.iterdir())


# -- 7. a per-layer N fixes N ------------------------------------------------------------------
def test_per_layer_n_is_reported_as_fixed(tiny_moe_path: Path, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    model = per_layer_used(2, 2, 2, 2)(tiny_moe_path, tmp_path)
    info = inspect_model(model)
    assert info.expert_used_per_layer == (2, 2, 2, 2)
    assert not info.expert_used_overridable
    assert info.expert_used_count == 2
    code, out, _ = _run_guarded(capsys, ["inspect", "--json", str(model)])
    assert code == 0
    assert json.loads(out)["expert_used_per_layer"] == [2, 2, 2, 2]
    code, out, _ = _run_guarded(capsys, ["inspect", str(model)])
    assert "no: the file fixes N=2 in every layer" in out
    assert "N=2 " in out and "N=4 " not in out  # no other N can run
    assert inspect_model(tiny_moe_path).expert_used_per_layer is None


def test_experts_asked_for_a_per_layer_model_is_the_n_that_runs(
    tiny_moe_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = per_layer_used(2, 2, 2, 2)(tiny_moe_path, tmp_path)
    code, out, err = _run_guarded(capsys, [
        "ask", "--model", str(model), "--experts", "4", "--max-tokens", "2",
        "--temperature", "0", "--trace", "--json", "hi",
    ])
    assert code == 0, err
    answer = json.loads(out)
    ran = {len(ids) for layer in answer["routing"] for ids in layer}
    assert ran == {2}  # what llama.cpp really did: the file's N, whatever was asked
    assert answer["experts"] == 2  # ...and what genba must report


def test_a_file_without_tensors_is_not_called_incomplete(tmp_path: Path) -> None:
    # llama.cpp's vocabulary files end right after the tensor list, unpadded.
    writer = gguf.GGUFWriter(str(tmp_path / "vocab.gguf"), arch="llama")
    writer.add_block_count(2)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_ti_data_to_file()
    writer.close()
    with pytest.raises(NotMoEError, match="no experts"):
        inspect_model(tmp_path / "vocab.gguf")


# -- no foreign exception ever escapes ----------------------------------------------------------
def test_random_damage_to_the_header_gives_only_model_file_errors(
    tiny_moe_path: Path, tmp_path: Path
) -> None:
    raw = tiny_moe_path.read_bytes()
    data_start = int(gguf.GGUFReader(tiny_moe_path).data_offset)
    rng = random.Random(20261127)
    damaged = tmp_path / "damaged.gguf"
    outcomes: set[str] = set()
    for _ in range(300):
        changed = bytearray(raw)
        for _ in range(rng.choice((1, 2, 4))):
            changed[rng.randrange(data_start)] = rng.randrange(256)
        damaged.write_bytes(changed)
        try:
            inspect_model(damaged)
            outcomes.add("accepted")
        except ModelFileError as exc:
            outcomes.add(type(exc).__name__)
            assert "\n" not in str(exc)
    assert {"accepted", "TruncatedModelError", "InvalidModelError"} <= outcomes
