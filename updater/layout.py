"""Where each tensor and expert lives in a GGUF file, read with gguf-py (never the engine).

A GGUF file is: header (magic, metadata, tensor infos, padding) up to ``data_offset``,
then each tensor's bytes at its own offset, aligned, with zero padding between them.
Changing one metadata value changes the header size and so shifts every offset; that
is why diffs and manifests address data by tensor *name* (and expert index), and only
this module turns names into byte ranges.

A stacked expert tensor (name ending in ``_exps.weight``) keeps the expert index as its
slowest dimension, so expert ``e`` of ``E`` is the contiguous block
``[e * length / E, (e + 1) * length / E)`` of the tensor's bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from updater.errors import ContentError

EXPERT_SUFFIX = "_exps.weight"


@dataclass(frozen=True)
class TensorSpan:
    """One tensor's bytes in the file. ``n_expert`` is 0 for tensors that are not stacked."""

    name: str
    offset: int
    length: int
    n_expert: int = 0

    @property
    def expert_length(self) -> int:
        """Bytes per expert slice (the whole tensor when not stacked)."""
        return self.length // self.n_expert if self.n_expert else self.length

    def expert_range(self, start: int, stop: int) -> tuple[int, int]:
        """Absolute ``(offset, length)`` of experts ``[start, stop)``; whole tensor if unstacked."""
        if not self.n_expert:
            return self.offset, self.length
        if not 0 <= start < stop <= self.n_expert:
            raise ContentError(f"{self.name} has {self.n_expert} experts, not [{start}, {stop}).")
        size = self.expert_length
        return self.offset + start * size, (stop - start) * size


@dataclass(frozen=True)
class Layout:
    """Header size, file size and tensors sorted by offset."""

    data_offset: int
    file_length: int
    tensors: tuple[TensorSpan, ...]

    def by_name(self) -> dict[str, TensorSpan]:
        """Tensors keyed by name."""
        return {t.name: t for t in self.tensors}


def read_layout(path: Path) -> Layout:
    """Read tensor names and byte ranges of the GGUF at ``path``; ``ContentError`` if not GGUF."""
    import gguf  # heavy import kept out of `genba update status`

    try:
        reader = gguf.GGUFReader(str(path), "r")
    except (ValueError, OSError, IndexError, KeyError) as exc:
        raise ContentError(
            f"{path.name} is not a readable GGUF model ({exc}). "
            "Download the model again with `genba update check`."
        ) from exc
    try:
        tensors = []
        for t in reader.tensors:
            n_expert = 0
            if t.name.endswith(EXPERT_SUFFIX) and len(t.shape) >= 3:
                n_expert = int(t.shape[-1])  # gguf-py lists dims fastest first
                if n_expert <= 0 or int(t.n_bytes) % n_expert:
                    raise ContentError(f"{t.name} cannot be split into {n_expert} experts.")
            tensors.append(
                TensorSpan(
                    name=str(t.name),
                    offset=int(t.data_offset),
                    length=int(t.n_bytes),
                    n_expert=n_expert,
                )
            )
        data_offset = int(reader.data_offset)
    finally:
        # The reader memory-maps the file; drop it now so the file can be replaced on Windows.
        del reader
    tensors.sort(key=lambda s: s.offset)
    length = path.stat().st_size
    if tensors and tensors[-1].offset + tensors[-1].length > length:
        raise ContentError(f"{path.name} is truncated; download it again.")
    return Layout(data_offset=data_offset, file_length=length, tensors=tuple(tensors))
