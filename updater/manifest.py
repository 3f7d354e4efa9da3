"""Per-expert hash manifest of a model file: what a client checks its local file against.

A manifest lists the sha256 of the header, of every tensor and of every expert slice
of every stacked ``*_exps`` tensor, plus the whole file's length and sha256. The
publisher signs it as a TUF target next to the model. A client uses it to tell *which*
pieces of its local file are damaged (:func:`compare_file`) and so whether a diff can
apply or a full download is needed. Manifests are built in one sequential pass with
bounded memory.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from updater.errors import ContentError
from updater.files import CHUNK
from updater.layout import Layout, TensorSpan, read_layout

KIND = "genba-expert-manifest"
FORMAT = 1


@dataclass(frozen=True)
class TensorHashes:
    """Hashes of one tensor: whole tensor, and each expert slice when stacked."""

    span: TensorSpan
    sha256: str
    experts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Manifest:
    """Everything a client needs to verify a model file piece by piece."""

    version: str
    length: int
    sha256: str
    header_sha256: str
    layout: Layout
    tensors: tuple[TensorHashes, ...]

    def by_name(self) -> dict[str, TensorHashes]:
        """Tensor hashes keyed by tensor name."""
        return {t.span.name: t for t in self.tensors}

    def to_json(self) -> dict[str, Any]:
        """JSON form (what the publisher signs as a target)."""
        return {
            "kind": KIND,
            "format": FORMAT,
            "version": self.version,
            "length": self.length,
            "sha256": self.sha256,
            "header": {"length": self.layout.data_offset, "sha256": self.header_sha256},
            "tensors": [
                {
                    "name": t.span.name,
                    "offset": t.span.offset,
                    "length": t.span.length,
                    "n_expert": t.span.n_expert,
                    "sha256": t.sha256,
                    "experts": list(t.experts),
                }
                for t in self.tensors
            ],
        }

    def to_bytes(self) -> bytes:
        """Serialised JSON (compact, stable)."""
        return json.dumps(self.to_json(), sort_keys=True, separators=(",", ":")).encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> Manifest:
        """Parse a manifest; ``ContentError`` if it is not one."""
        try:
            obj = json.loads(raw)
            if obj.get("kind") != KIND or obj.get("format") != FORMAT:
                raise ValueError("not a genba expert manifest of format 1")
            tensors = tuple(
                TensorHashes(
                    span=TensorSpan(t["name"], t["offset"], t["length"], t["n_expert"]),
                    sha256=t["sha256"],
                    experts=tuple(t["experts"]),
                )
                for t in obj["tensors"]
            )
            layout = Layout(obj["header"]["length"], obj["length"], tuple(t.span for t in tensors))
            return cls(
                version=str(obj["version"]),
                length=int(obj["length"]),
                sha256=str(obj["sha256"]),
                header_sha256=str(obj["header"]["sha256"]),
                layout=layout,
                tensors=tensors,
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ContentError(f"The model manifest is malformed: {exc}.") from exc


def _hash_range(fh: BinaryIO, offset: int, length: int, *also: Any) -> str:
    """sha256 of ``length`` bytes at ``offset``, also feeding every digest in ``also``."""
    fh.seek(offset)
    digest = hashlib.sha256()
    left = length
    while left > 0:
        chunk = fh.read(min(CHUNK, left))
        if not chunk:
            raise ContentError("The model file ended early; it is truncated.")
        digest.update(chunk)
        for other in also:
            other.update(chunk)
        left -= len(chunk)
    return digest.hexdigest()


def build_manifest(path: Path, version: str) -> Manifest:
    """Hash every piece of the GGUF at ``path`` in one sequential pass."""
    layout = read_layout(path)
    whole = hashlib.sha256()
    tensors: list[TensorHashes] = []
    with path.open("rb") as fh:
        header = _hash_range(fh, 0, layout.data_offset, whole)
        pos = layout.data_offset
        for span in layout.tensors:
            if span.offset > pos:  # alignment padding belongs to the file hash only
                _hash_range(fh, pos, span.offset - pos, whole)
            experts = []
            tensor_digest = hashlib.sha256()
            for e in range(span.n_expert):
                off, length = span.expert_range(e, e + 1)
                experts.append(_hash_range(fh, off, length, tensor_digest, whole))
            if span.n_expert:
                sha = tensor_digest.hexdigest()
            else:
                sha = _hash_range(fh, span.offset, span.length, whole)
            tensors.append(TensorHashes(span=span, sha256=sha, experts=tuple(experts)))
            pos = span.offset + span.length
        if layout.file_length > pos:
            _hash_range(fh, pos, layout.file_length - pos, whole)
    return Manifest(
        version=version,
        length=layout.file_length,
        sha256=whole.hexdigest(),
        header_sha256=header,
        layout=layout,
        tensors=tuple(tensors),
    )


def compare_file(path: Path, manifest: Manifest) -> list[str]:
    """Names of the pieces of ``path`` that differ from ``manifest`` (empty list: file is intact).

    Pieces are ``"header"``, tensor names, and ``"<tensor>#<expert>"`` for expert slices.
    """
    try:
        local = build_manifest(path, manifest.version)
    except ContentError:
        return ["header"]
    if local.sha256 == manifest.sha256:
        return []
    bad: list[str] = []
    if local.header_sha256 != manifest.header_sha256:
        bad.append("header")
    mine = local.by_name()
    for want in manifest.tensors:
        have = mine.get(want.span.name)
        if have is None or have.span.length != want.span.length:
            bad.append(want.span.name)
        elif have.experts and len(have.experts) == len(want.experts):
            bad += [
                f"{want.span.name}#{e}"
                for e, (a, b) in enumerate(zip(have.experts, want.experts, strict=True))
                if a != b
            ]
        elif have.sha256 != want.sha256:
            bad.append(want.span.name)
    return bad or ["padding"]
