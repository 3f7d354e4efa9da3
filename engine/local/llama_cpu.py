"""Which of llama.cpp's CPU backends this PC runs: chosen by a self-test, remembered per machine.

genba's llama.cpp is built portable (``scripts/build-llama.sh``: ``GGML_NATIVE=OFF``,
``GGML_BACKEND_DL=ON``, ``GGML_CPU_ALL_VARIANTS=ON``), so its CPU code is not
inside ``libggml`` but in one shared library per x86 level
(``libggml-cpu-sse42.so``, ``-haswell``, ``-icelake``, ``-sapphirerapids`` …).
llama-cpp-python loads none of them, so genba must, before the first model:

1. Each variant's own ``ggml_backend_score()`` says, from ``cpuid`` in *this*
   process, whether the CPU has its instruction set (0 = no) and how good it is.
2. A CPU that advertises a feature the operating system does not grant (AMX
   without the kernel's permission, seen on a Xeon here) would still crash, so
   the best-scored variants are tried in a throw-away process
   (:mod:`engine.local.llama_selftest`: load it, decode a few tokens with a quantized
   model) until one survives; a crash there costs nothing.
3. The winner is remembered in the cache folder, keyed by the variants' scores
   (the CPU's features as ggml sees them) and the library files, so a changed
   CPU or a rebuilt library tests again.

The variant is registered through the *same* ``libggml`` that ``libllama`` uses:
wheels store ``libggml.so`` and ``libggml.so.0`` as two copies, and a handle to
the wrong one has its own empty backend registry. ``GENBA_LLAMA_CPU`` (read in
:mod:`engine.paths`) forces a variant by name or path, for IT and for tests.

A library built without ``GGML_BACKEND_DL`` has its CPU backend built in; it is
used as it is and reported as not portable.
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import logging
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import ModuleType

from engine.errors import ModelLoadError

log = logging.getLogger(__name__)

SELFTEST_TIMEOUT_S = 120.0
"""A self-test that has not finished by then counts as failed (a hang is a failure too)."""

_PREFIX = "libggml-cpu-" if sys.platform != "win32" else "ggml-cpu-"
_SUFFIX = ".so" if sys.platform.startswith(("linux", "freebsd")) else (
    ".dll" if sys.platform == "win32" else ".so"
)


@dataclass(frozen=True)
class CpuVariant:
    """One CPU backend library and its score on this CPU (0: the CPU lacks its instructions)."""

    name: str
    path: Path
    score: int


@dataclass(frozen=True)
class CpuBackend:
    """The CPU backend in use in this process, and how it was chosen."""

    variant: str
    """Variant name (``icelake``…), or ``built-in`` for a library without dynamic backends."""
    how: str
    """``self-test``, ``remembered``, ``forced`` or ``built-in``."""
    portable: bool
    tried: tuple[tuple[str, str], ...] = field(default=())
    """Self-tests run for this choice: ``(variant, outcome)``, best first."""

    def describe(self) -> str:
        """One line for logs and ``genba doctor``."""
        if not self.portable:
            return "built-in CPU backend (library not built portable: run `make setup` again)"
        return f"{self.variant} ({self.how})"


SelftestRunner = Callable[[CpuVariant], str | None]
"""Runs the self-test of one variant in another process: ``None`` if it passed, else why not."""


def variant_name(path: Path) -> str:
    """``libggml-cpu-haswell.so`` -> ``haswell``."""
    return path.name[len(_PREFIX) : -len(_SUFFIX)]


def find_variant_libraries(package_dir: Path) -> list[Path]:
    """The CPU variant libraries installed with llama-cpp-python at ``package_dir``.

    CMake installs them into ``site-packages/bin`` (llama-cpp-python's install
    rule covers only ``lib``); a frozen build puts them beside the others in ``lib``.
    """
    found: dict[str, Path] = {}
    for folder in (package_dir / "lib", package_dir.parent / "bin", package_dir):
        if folder.is_dir():
            for lib in sorted(folder.glob(f"{_PREFIX}*{_SUFFIX}")):
                found.setdefault(lib.name, lib)
    return list(found.values())


def score_variants(libraries: Sequence[Path]) -> list[CpuVariant]:
    """Each variant's own score for this CPU, best first (unloadable ones score 0)."""
    variants = []
    for lib in libraries:
        score = 0
        try:
            handle = ctypes.CDLL(str(lib))
            score_fn = handle.ggml_backend_score
            score_fn.restype = ctypes.c_int
            score_fn.argtypes = []
            score = int(score_fn())
        except (OSError, AttributeError) as exc:
            log.warning("cannot score CPU backend %s: %s", lib.name, exc)
        variants.append(CpuVariant(variant_name(lib), lib, score))
    return sorted(variants, key=lambda v: (-v.score, v.name))


def machine_key(variants: Sequence[CpuVariant]) -> str:
    """Fingerprint of this CPU (as the variants score it) and of the library files."""
    digest = hashlib.sha256()
    for v in sorted(variants, key=lambda v: v.name):
        try:
            stat = v.path.stat()
            stamp = f"{stat.st_size}:{stat.st_mtime_ns}"
        except OSError:
            stamp = "missing"
        digest.update(f"{v.name}={v.score}@{stamp};".encode())
    return digest.hexdigest()[:32]


def _remembered(cache_file: Path, key: str) -> str | None:
    try:
        data = json.loads(cache_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    entry = data.get(key) if isinstance(data, dict) else None
    return entry.get("variant") if isinstance(entry, dict) else None


def _remember(cache_file: Path, key: str, backend: CpuBackend) -> None:
    from disk.atomic import write_bytes_atomically

    try:
        data = json.loads(cache_file.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            data = {}
    except (OSError, ValueError):
        data = {}
    data[key] = asdict(backend)
    try:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        write_bytes_atomically(cache_file, json.dumps(data, indent=1).encode("utf-8"))
    except OSError as exc:  # a read-only profile costs a self-test next time, nothing more
        log.warning("cannot remember the CPU backend in %s: %s", cache_file, exc)


def choose_variant(
    variants: Sequence[CpuVariant],
    *,
    cache_file: Path | None,
    forced: str | None,
    selftest: SelftestRunner,
) -> tuple[CpuVariant, CpuBackend]:
    """Pick the variant to load: forced, else remembered, else the best that passes a self-test.

    Raises ModelLoadError when no variant suits this CPU.
    """
    if forced:
        for v in variants:
            if forced in (v.name, str(v.path)):
                return v, CpuBackend(v.name, "forced", portable=True)
        if Path(forced).name.startswith(_PREFIX) and Path(forced).is_file():
            path = Path(forced)  # a library elsewhere (a self-test of a copy, a hotfix)
            return CpuVariant(variant_name(path), path, 0), CpuBackend(
                variant_name(path), "forced", portable=True
            )
        names = ", ".join(v.name for v in variants)
        raise ModelLoadError.of("cpu.forced_missing", forced=forced, installed=names)
    usable = [v for v in variants if v.score > 0]
    key = machine_key(variants)
    if cache_file is not None:
        name = _remembered(cache_file, key)
        for v in usable:
            if v.name == name:
                return v, CpuBackend(v.name, "remembered", portable=True)
    tried: list[tuple[str, str]] = []
    for v in usable:
        failure = selftest(v)
        tried.append((v.name, failure or "passed"))
        if failure is None:
            backend = CpuBackend(v.name, "self-test", portable=True, tried=tuple(tried))
            log.info("CPU backend %s chosen by self-test (tried: %s)", v.name, tried)
            if cache_file is not None:
                _remember(cache_file, key, backend)
            return v, backend
        log.warning("CPU backend %s failed its self-test: %s", v.name, failure)
    detail = "; ".join(f"{n}: {why}" for n, why in tried) or "no variant supports this CPU"
    raise ModelLoadError.of("cpu.none_runs", detail=detail)


def describe_exit(returncode: int) -> str:
    """``-4`` -> ``killed by SIGILL``; ``3`` -> ``exit code 3``."""
    if returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exit code {returncode}"


def subprocess_selftest(command: Sequence[str], env_var: str) -> SelftestRunner:
    """A :data:`SelftestRunner` that runs ``command`` with ``env_var`` naming the variant."""

    def run(variant: CpuVariant) -> str | None:
        env = {**os.environ, env_var: str(variant.path), "GGML_NO_BACKTRACE": "1"}
        try:
            done = subprocess.run(
                list(command), env=env, capture_output=True, timeout=SELFTEST_TIMEOUT_S,
                check=False, stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired:
            return f"no result within {SELFTEST_TIMEOUT_S:.0f} s"
        except OSError as exc:
            return f"cannot start the self-test ({exc})"
        if done.returncode == 0 and b"selftest ok" in done.stdout:
            return None
        tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        return f"{describe_exit(done.returncode)} {tail[0][:160]}".strip()

    return run


def _registry_ggml() -> ctypes.CDLL:
    """The ``libggml`` that ``libllama`` is linked against (by soname, not by path)."""
    names = {"win32": ["ggml.dll"], "darwin": ["libggml.dylib"]}.get(
        sys.platform, ["libggml.so.0", "libggml.so"]
    )
    last: OSError | None = None
    for name in names:
        try:
            return ctypes.CDLL(name)
        except OSError as exc:
            last = exc
    raise ModelLoadError.of("cpu.ggml_missing", error=str(last))


def registered_backends(ggml: ctypes.CDLL) -> int:
    """How many backends ggml's registry holds (a built-in CPU backend counts)."""
    fn = ggml.ggml_backend_reg_count
    fn.restype = ctypes.c_size_t
    return int(fn())


_state: dict[str, CpuBackend] = {}


def ensure_cpu_backend(
    llama_cpp: ModuleType,
    *,
    cache_file: Path | None,
    forced: str | None,
    selftest: SelftestRunner,
) -> CpuBackend:
    """Register this PC's CPU backend with llama.cpp once per process, and return it."""
    if "backend" in _state:
        return _state["backend"]
    package_dir = Path(str(llama_cpp.__file__)).parent
    ggml = _registry_ggml()
    libraries = find_variant_libraries(package_dir)
    if not libraries:
        if registered_backends(ggml) == 0:
            raise ModelLoadError.of("cpu.no_backend")
        backend = CpuBackend("built-in", "built-in", portable=False)
        log.warning("llama.cpp was not built portable; it may crash on other CPUs")
    else:
        variant, backend = choose_variant(
            score_variants(libraries), cache_file=cache_file, forced=forced, selftest=selftest
        )
        load = ggml.ggml_backend_load
        load.restype = ctypes.c_void_p
        load.argtypes = [ctypes.c_char_p]
        if not load(str(variant.path).encode()):
            raise ModelLoadError.of("cpu.load_failed", file=variant.path.name)
        log.info("llama.cpp CPU backend: %s", backend.describe())
    _state["backend"] = backend
    return backend


_NOTABLE_FLAGS = (
    "sse4_2", "avx", "f16c", "fma", "avx2", "avx512f", "avx512_vnni", "avx512_bf16",
    "avx_vnni", "amx_tile", "amx_int8",
)


def cpu_description() -> tuple[str, list[str]]:
    """The CPU's model name and its instruction-set extensions that matter to llama.cpp.

    Read from ``/proc/cpuinfo`` on Linux; elsewhere the name only (the variants'
    scores still tell what the CPU can do).
    """
    import platform

    name, flags = platform.processor() or platform.machine(), set[str]()
    try:
        with Path("/proc/cpuinfo").open(encoding="utf-8", errors="replace") as info:
            for line in info:
                key, _, value = line.partition(":")
                if key.strip() == "model name" and value.strip():
                    name = value.strip()
                elif key.strip() == "flags":
                    flags = set(value.split())
                    break
    except OSError:
        pass
    return name, [f for f in _NOTABLE_FLAGS if f in flags]


def current_backend() -> CpuBackend | None:
    """The backend registered in this process, if any yet."""
    return _state.get("backend")
