"""Choosing llama.cpp's CPU backend: the installed build is portable; the choice is self-tested.

The variant libraries are the real ones installed by ``make setup``; the self-test
runner is the real child process in the last tests, and an injected function where
the test is about the order and memory of the choice.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

import pytest

from engine.errors import ModelLoadError
from engine.local.child_command import module_command
from engine.local.llama_cpu import (
    CpuVariant,
    choose_variant,
    find_variant_libraries,
    score_variants,
    subprocess_selftest,
)

pytestmark = pytest.mark.skipif(os.uname().machine != "x86_64", reason="x86 CPU variants")


@pytest.fixture(autouse=True)
def llama_cpp_loaded() -> None:
    """Variants link against libggml-base, which is loaded with llama_cpp (as in the worker)."""
    from engine.local.llama_adapter import prepare

    prepare()


def installed_libraries() -> list[Path]:
    spec = importlib.util.find_spec("llama_cpp")
    assert spec is not None and spec.origin is not None
    return find_variant_libraries(Path(spec.origin).parent)


def test_the_installed_build_is_portable() -> None:
    names = {lib.name for lib in installed_libraries()}
    # One backend per x86 level, from a plain x86-64 up to AMX; no single native one.
    for level in ("x64", "sse42", "sandybridge", "haswell", "skylakex", "icelake",
                  "sapphirerapids"):
        assert f"libggml-cpu-{level}.so" in names
    spec = importlib.util.find_spec("llama_cpp")
    assert spec is not None and spec.origin is not None
    assert not list((Path(spec.origin).parent / "lib").glob("libggml-cpu.so*"))


def test_variants_are_scored_best_first_and_the_baseline_always_fits() -> None:
    variants = score_variants(installed_libraries())
    scores = [v.score for v in variants]
    assert scores == sorted(scores, reverse=True)
    by_name = {v.name: v.score for v in variants}
    assert by_name["x64"] > 0 and by_name["sse42"] > by_name["x64"]


@pytest.fixture
def copies(tmp_path: Path) -> list[CpuVariant]:
    """Three real variant libraries copied aside (so a test may touch their files)."""
    wanted = {"x64", "sse42", "haswell"}
    folder = tmp_path / "bin"
    folder.mkdir()
    for lib in installed_libraries():
        if lib.name.removeprefix("libggml-cpu-").removesuffix(".so") in wanted:
            shutil.copy2(lib, folder / lib.name)
    return score_variants(sorted(folder.iterdir()))


def test_the_best_variant_that_passes_is_chosen_and_remembered(
    copies: list[CpuVariant], tmp_path: Path
) -> None:
    cache = tmp_path / "cache" / "llama-cpu.json"
    usable = [v for v in copies if v.score > 0]
    tried: list[str] = []

    def first_one_crashes(variant: CpuVariant) -> str | None:
        tried.append(variant.name)
        return "killed by SIGILL" if variant is usable[0] else None

    chosen, backend = choose_variant(copies, cache_file=cache, forced=None,
                                     selftest=first_one_crashes)
    assert chosen == usable[1] and tried == [usable[0].name, usable[1].name]
    assert backend.how == "self-test"
    assert backend.tried == ((usable[0].name, "killed by SIGILL"), (usable[1].name, "passed"))

    def must_not_run(variant: CpuVariant) -> str | None:
        raise AssertionError("a remembered choice is not tested again")

    again, remembered = choose_variant(copies, cache_file=cache, forced=None,
                                       selftest=must_not_run)
    assert again == chosen and remembered.how == "remembered"


def test_a_changed_library_is_tested_again(copies: list[CpuVariant], tmp_path: Path) -> None:
    cache = tmp_path / "llama-cpu.json"
    calls: list[str] = []

    def passes(variant: CpuVariant) -> str | None:
        calls.append(variant.name)
        return None

    choose_variant(copies, cache_file=cache, forced=None, selftest=passes)
    os.utime(copies[0].path, ns=(1, 1))  # a rebuilt or updated library
    choose_variant(copies, cache_file=cache, forced=None, selftest=passes)
    assert len(calls) == 2


def test_nothing_passing_is_one_clear_error(copies: list[CpuVariant]) -> None:
    with pytest.raises(ModelLoadError, match=r"cannot run on this PC's processor \(.*SIGILL"):
        choose_variant(copies, cache_file=None, forced=None, selftest=lambda v: "killed by SIGILL")


def test_forcing_an_unknown_variant_names_the_installed_ones(copies: list[CpuVariant]) -> None:
    with pytest.raises(ModelLoadError, match=r"not installed .*installed: .*sse42"):
        choose_variant(copies, cache_file=None, forced="pentium4", selftest=lambda v: None)
    chosen, backend = choose_variant(copies, cache_file=None, forced="sse42",
                                     selftest=lambda v: "never run")
    assert chosen.name == "sse42" and backend.how == "forced"


def test_the_real_self_test_passes_for_the_baseline_and_fails_for_a_broken_library(
    copies: list[CpuVariant], tmp_path: Path
) -> None:
    run = subprocess_selftest(module_command("engine.local.llama_selftest"), "GENBA_LLAMA_CPU")
    sse42 = next(v for v in copies if v.name == "sse42")
    assert run(sse42) is None
    broken = tmp_path / "bin" / "libggml-cpu-broken.so"
    broken.write_bytes(b"\x7fELF not really")
    failure = run(CpuVariant("broken", broken, 1))
    assert failure is not None and failure.startswith("exit code 1")
