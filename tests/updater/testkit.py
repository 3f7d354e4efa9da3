"""Test helpers for the updater: derive a changed copy of a GGUF at the byte level.

Shared by the updater tests and by their subprocess helpers.
"""

from __future__ import annotations

import struct
from pathlib import Path

import gguf

# The experts that differ between the test models "base" and "new".
CHANGED = [
    ("blk.1.ffn_up_exps.weight", 3),
    ("blk.2.ffn_down_exps.weight", 0),
    ("blk.2.ffn_down_exps.weight", 1),
]


def _tensor_info_end(reader: gguf.GGUFReader) -> int:
    last = max(reader.tensors, key=lambda t: t.field.offset).field
    return int(last.offset) + sum(int(p.nbytes) for p in last.parts)


def derive_model(
    base: Path,
    donor: Path,
    out: Path,
    changes: list[tuple[str, int]],
    new_name: str | None = "genba tiny test MoE, retrained experts",
) -> Path:
    """Write ``out``: ``base`` with expert slices ``(tensor, e)`` taken from ``donor``.

    When ``new_name`` is given, ``general.name`` is replaced too, which changes the header
    size and so shifts every tensor's absolute offset (the case diffs must survive).
    """
    reader = gguf.GGUFReader(str(base))
    donor_reader = gguf.GGUFReader(str(donor))
    raw = base.read_bytes()
    donor_raw = donor.read_bytes()
    header = raw[: _tensor_info_end(reader)]
    if new_name is not None:
        field = reader.fields["general.name"]
        # parts: key len, key, type, value len, value
        value_len_off = int(field.offset) + sum(int(p.nbytes) for p in field.parts[:3])
        old_len = int(field.parts[3][0])
        value_off = value_len_off + 8
        encoded = new_name.encode()
        header = (
            header[:value_len_off]
            + struct.pack("<Q", len(encoded))
            + encoded
            + header[value_off + old_len :]
        )
    alignment = reader.alignment
    pad = (-len(header)) % alignment
    data = bytearray(raw[reader.data_offset :])
    spans = {t.name: t for t in donor_reader.tensors}
    for t in reader.tensors:
        for name, e in changes:
            if t.name != name:
                continue
            n_expert = int(t.shape[-1])
            size = int(t.n_bytes) // n_expert
            start = int(t.data_offset) - reader.data_offset + e * size
            d = spans[name]
            donor_start = int(d.data_offset) + e * size
            data[start : start + size] = donor_raw[donor_start : donor_start + size]
    out.write_bytes(header + bytes(pad) + bytes(data))
    return out
