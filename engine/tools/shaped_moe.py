"""Random-weight MoE GGUFs with the shape of real models, written streaming.

:mod:`engine.tools.tiny_moe` makes models small enough for tests; this module makes
models whose *size* matters: the layer count, widths, expert count and vocabulary
of a published MoE (the catalogue :data:`SHAPES`), with random weights, so memory,
disk and speed can be measured without downloading the real model. The files are
loadable by llama.cpp (``llama`` architecture, the same byte-level vocabulary plus
synthetic word pieces up to the real vocabulary size); answers are gibberish.

    from engine.tools.shaped_moe import build_shaped_moe, shape, scaled
    spec = shape("granite-3.1-1b-a400m")             # a TinyMoESpec
    build_shaped_moe(Path("/tmp/g.gguf"), spec)      # ~780 MB
    build_shaped_moe(Path("/tmp/g6.gguf"), scaled(spec, n_layer=6))

Writing streams: tensor infos are declared first, then each tensor's bytes are made
and written one tensor at a time, so the writer's memory is bounded by the largest
tensor (the token embedding), not by the model. Quantized blocks (Q8_0, Q4_0) are
made directly from random bytes with a fixed scale, which is fast; other types go
through ``gguf.quants.quantize``. Every expert slice has its own random stream
(seeded by the spec's seed, the tensor name and the expert index), so
``build_shaped_moe(..., changed=[("blk.3.ffn_up_exps.weight", 5)])`` writes the same
model except that one slice: the pair is a realistic base and update for expert diffs.

``mix="Q4_K_M"`` writes the tensor types llama.cpp's quantizer gives a Q4_K_M file (the
catalogue's downloads; each :class:`Shape` names its ``mix``) instead of the spec's own
types; K-quant blocks are random bytes with a fixed super-block scale, like Q4_0/Q8_0.

Run ``python -m engine.tools.shaped_moe NAME OUT.gguf [--layers N]`` to write one.
"""

from __future__ import annotations

import argparse
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

import gguf
import numpy as np
import numpy.typing as npt

from engine.tools.tiny_moe import TinyMoESpec, write_metadata

Q = gguf.GGMLQuantizationType


@dataclass(frozen=True)
class Shape:
    """A named catalogue shape: the spec and where its numbers come from."""

    spec: TinyMoESpec
    source: str
    mix: str = ""
    """The catalogue download's quantization mix (``Q4_K_M``), for :func:`tensor_plan`."""


SHAPES: dict[str, Shape] = {
    # config.json of ibm-granite/granite-3.1-1b-a400m-instruct (GraniteMoeForCausalLM):
    # hidden 1024, 24 layers, 16 heads / 8 kv heads, 32 experts of 512, top-8,
    # vocab 49,155, 131,072 positions, rope_theta 1.5e6, rms_norm_eps 1e-6, tied embeddings.
    # Types like a Q4_0 file: experts and attention Q4_0, embedding Q8_0 (~780 MB).
    "granite-3.1-1b-a400m": Shape(
        TinyMoESpec(
            n_layer=24,
            n_embd=1024,
            n_head=16,
            n_head_kv=8,
            n_ff=512,
            n_expert=32,
            n_expert_used=8,
            context_length=131072,
            n_vocab=49155,
            rope_freq_base=1.5e6,
            rms_eps=1e-6,
            tied_output=True,
            expert_type=Q.Q4_0,
            dense_type=Q.Q4_0,
            embd_type=Q.Q8_0,
            name="genba shaped MoE (granite-3.1-1b-a400m)",
        ),
        "huggingface.co/ibm-granite/granite-3.1-1b-a400m-instruct config.json",
        "Q4_K_M",
    ),
    # config.json of ibm-granite/granite-3.1-3b-a800m-instruct: hidden 1536, 32 layers,
    # 24 heads / 8 kv heads, 40 experts of 512, top-8, vocab 49,155 (~2 GB in Q4_0).
    "granite-3.1-3b-a800m": Shape(
        TinyMoESpec(
            n_layer=32,
            n_embd=1536,
            n_head=24,
            n_head_kv=8,
            n_ff=512,
            n_expert=40,
            n_expert_used=8,
            context_length=131072,
            n_vocab=49155,
            rope_freq_base=1e7,
            rms_eps=1e-6,
            tied_output=True,
            expert_type=Q.Q4_0,
            dense_type=Q.Q4_0,
            embd_type=Q.Q8_0,
            name="genba shaped MoE (granite-3.1-3b-a800m)",
        ),
        "huggingface.co/ibm-granite/granite-3.1-3b-a800m-instruct config.json",
        "Q4_K_M",
    ),
    # Not a real model: a catalogue-like shape of ~2 MB (same tensor types and tied
    # embedding as the Granite shapes) so tests and a quick try of `genba pilot speed`
    # build and load in about a second.
    "tiny-test": Shape(
        TinyMoESpec(
            n_layer=2,
            n_embd=256,  # K-quant rows are multiples of 256
            n_head=4,
            n_head_kv=2,
            n_ff=256,
            n_expert=4,
            n_expert_used=2,
            context_length=1024,
            n_vocab=512,
            tied_output=True,
            expert_type=Q.Q4_0,
            dense_type=Q.Q4_0,
            embd_type=Q.Q8_0,
            name="genba shaped MoE (tiny-test)",
        ),
        "genba's own tiny shape for tests",
        "Q4_K_M",
    ),
}


def shape_names() -> list[str]:
    """Names of the catalogue shapes, sorted."""
    return sorted(SHAPES)


def shape(name: str) -> TinyMoESpec:
    """The spec of catalogue shape ``name``; ``KeyError`` names the known shapes."""
    try:
        return SHAPES[name].spec
    except KeyError:
        raise KeyError(f"unknown shape {name!r}; known: {', '.join(shape_names())}") from None


def scaled(spec: TinyMoESpec, *, n_layer: int) -> TinyMoESpec:
    """The same shape with another layer count (file size is about linear in layers)."""
    return replace(spec, n_layer=n_layer, name=f"{spec.name}, {n_layer} layers")


@dataclass(frozen=True)
class _Tensor:
    name: str
    shape: tuple[int, ...]  # numpy order: slowest first, row length last
    qtype: gguf.GGMLQuantizationType
    scale: float
    n_expert: int = 0
    constant: float | None = None  # norms: all ones


def _more_bits(i: int, n: int) -> bool:
    """llama.cpp's ``use_more_bits``: the layers a ``_M`` K-quant mix gives Q6_K."""
    return i < n // 8 or i >= 7 * n // 8 or (i - n // 8) % 3 == 2


def _mixed(plan: list[_Tensor], mix: str, n_layer: int) -> list[_Tensor]:
    """``plan`` with the tensor types llama.cpp's quantizer picks for ``mix``.

    Q4_K_M (``llama_tensor_get_type``): the output — with a tied embedding, the token
    embedding — Q6_K; ``attn_v`` and ``ffn_down`` (experts included) Q6_K in the
    :func:`_more_bits` layers; every other matrix Q4_K; norms and the router stay F32.
    For the Granite 1B shape this gives 820.1 MB, the catalogue file's size.
    """
    if not mix:
        return plan
    if mix != "Q4_K_M":
        raise ValueError(f"unknown quantization mix {mix!r}")
    tied = all(t.name != "output.weight" for t in plan)
    out = []
    for t in plan:
        qtype = t.qtype
        if t.name == "output.weight" or (tied and t.name == "token_embd.weight"):
            qtype = Q.Q6_K
        elif t.name == "token_embd.weight":
            qtype = Q.Q4_K
        elif t.name.startswith("blk.") and t.qtype != Q.F32:
            layer, kind = int(t.name.split(".")[1]), t.name.split(".")[2]
            more = kind in ("attn_v", "ffn_down_exps") and _more_bits(layer, n_layer)
            qtype = Q.Q6_K if more else Q.Q4_K
        out.append(replace(t, qtype=qtype))
    return out


def tensor_plan(spec: TinyMoESpec, mix: str = "") -> list[_Tensor]:
    """Every tensor of the model in file order (the order of ``tiny_moe``).

    ``mix`` (``"Q4_K_M"``) replaces the spec's tensor types with those of that
    llama.cpp quantization mix (:func:`_mixed`).
    """
    n_vocab = max(spec.n_vocab, 261)
    head_dim = spec.n_embd // spec.n_head
    kv = head_dim * spec.n_head_kv
    e, f, d = spec.n_expert, spec.n_ff, spec.n_embd
    plan = [_Tensor("token_embd.weight", (n_vocab, d), spec.embd_type, 0.5)]
    plan.append(_Tensor("output_norm.weight", (d,), Q.F32, 0.0, constant=1.0))
    if not spec.tied_output:
        plan.append(_Tensor("output.weight", (n_vocab, d), spec.embd_type, 0.1))
    for il in range(spec.n_layer):
        b = f"blk.{il}"
        plan += [
            _Tensor(f"{b}.attn_norm.weight", (d,), Q.F32, 0.0, constant=1.0),
            _Tensor(f"{b}.ffn_norm.weight", (d,), Q.F32, 0.0, constant=1.0),
            _Tensor(f"{b}.attn_q.weight", (d, d), spec.dense_type, 0.1),
            _Tensor(f"{b}.attn_k.weight", (kv, d), spec.dense_type, 0.1),
            _Tensor(f"{b}.attn_v.weight", (kv, d), spec.dense_type, 0.1),
            _Tensor(f"{b}.attn_output.weight", (d, d), spec.dense_type, 0.1),
            _Tensor(f"{b}.ffn_gate_inp.weight", (e, d), Q.F32, 1.0),
            _Tensor(f"{b}.ffn_gate_exps.weight", (e, f, d), spec.expert_type, 0.1, n_expert=e),
            _Tensor(f"{b}.ffn_up_exps.weight", (e, f, d), spec.expert_type, 0.1, n_expert=e),
            _Tensor(f"{b}.ffn_down_exps.weight", (e, d, f), spec.expert_type, 0.1, n_expert=e),
        ]
    return _mixed(plan, mix, spec.n_layer)


def _nbytes(t: _Tensor) -> int:
    block, size = gguf.GGML_QUANT_SIZES[t.qtype]
    return int(np.prod(t.shape)) // block * size


def _rng(seed: int, *parts: object) -> np.random.Generator:
    digest = hashlib.sha256(repr((seed, *parts)).encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def _random_bytes(
    rng: np.random.Generator, shape: tuple[int, ...], qtype: gguf.GGMLQuantizationType, scale: float
) -> npt.NDArray[np.uint8]:
    """Bytes of a random tensor of ``shape`` (numpy order) in ``qtype``, std about ``scale``."""
    n = int(np.prod(shape))
    if qtype in (Q.Q4_K, Q.Q6_K):
        # Random blocks with a fixed super-block scale: only speed and size matter here.
        # Q4_K: d, dmin (f16) first, 6-bit sub-scales 0..63 × q 0..15; Q6_K: int8
        # sub-scales × q -32..31, d (f16) last.
        block, size = gguf.GGML_QUANT_SIZES[qtype]
        blocks = np.frombuffer(rng.bytes(n // block * size), dtype=np.uint8).copy()
        blocks = blocks.reshape(-1, size)
        if qtype == Q.Q4_K:
            d = np.float16(scale / (32.0 * 4.6))
            blocks[:, 0:2] = np.frombuffer(d.tobytes(), dtype=np.uint8)
            blocks[:, 2:4] = np.frombuffer(np.float16(scale / 64.0).tobytes(), dtype=np.uint8)
        else:
            d = np.float16(scale / (74.0 * 18.0))
            blocks[:, size - 2:] = np.frombuffer(d.tobytes(), dtype=np.uint8)
        return blocks.reshape(-1)
    if qtype in (Q.Q8_0, Q.Q4_0):
        block, size = gguf.GGML_QUANT_SIZES[qtype]
        # value = d * q: int8 q uniform in [-128, 127] has std ~74; Q4_0's (q - 8) ~4.6
        d = np.float16(scale / (74.0 if qtype == Q.Q8_0 else 4.6))
        blocks = np.frombuffer(rng.bytes(n // block * size), dtype=np.uint8).copy()
        blocks = blocks.reshape(-1, size)
        blocks[:, :2] = np.frombuffer(d.tobytes(), dtype=np.uint8)
        return blocks.reshape(-1)
    data = (rng.standard_normal(n) * scale).astype(np.float32).reshape(shape)
    if qtype == Q.F32:
        return data.view(np.uint8).reshape(-1)
    if qtype == Q.F16:
        return data.astype(np.float16).view(np.uint8).reshape(-1)
    return np.asarray(gguf.quants.quantize(data, qtype), dtype=np.uint8).reshape(-1)


def _tensor_bytes(
    t: _Tensor, seed: int, changed: frozenset[tuple[str, int]]
) -> npt.NDArray[np.uint8]:
    if t.constant is not None:
        return np.full(t.shape, t.constant, dtype=np.float32).view(np.uint8).reshape(-1)
    if not t.n_expert:
        return _random_bytes(_rng(seed, t.name), t.shape, t.qtype, t.scale)
    slices = []
    for e in range(t.n_expert):
        # a changed slice draws from another stream: same shape, other bytes
        stream = _rng(seed, t.name, e, "changed" if (t.name, e) in changed else "")
        slices.append(_random_bytes(stream, t.shape[1:], t.qtype, t.scale))
    return np.concatenate(slices)


def build_shaped_moe(
    path: Path,
    spec: TinyMoESpec,
    *,
    changed: Iterable[tuple[str, int]] = (),
    name: str | None = None,
    mix: str = "",
) -> Path:
    """Write ``spec`` as a GGUF at ``path``, one tensor at a time; returns ``path``.

    ``changed`` lists ``(stacked tensor name, expert index)`` slices that get other
    random bytes than the base model of the same spec; ``name`` replaces
    ``general.name`` (which shifts every tensor offset, as a real new version's
    metadata would); ``mix`` writes the tensor types of that llama.cpp quantization
    mix (``"Q4_K_M"``, as the catalogue downloads). Same arguments → byte-identical file.
    """
    changes = frozenset(changed)
    plan = tensor_plan(spec, mix)
    known = {(t.name, e) for t in plan for e in range(t.n_expert)}
    if not changes <= known:
        raise ValueError(f"no such expert slices: {sorted(changes - known)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = gguf.GGUFWriter(str(path), arch="llama")
    write_metadata(writer, replace(spec, name=name) if name else spec)
    for t in plan:
        # declared as bytes: gguf turns the byte shape back into the element shape
        block, size = gguf.GGML_QUANT_SIZES[t.qtype]
        byte_shape = (*t.shape[:-1], t.shape[-1] // block * size)
        writer.add_tensor_info(t.name, byte_shape, np.dtype(np.uint8), _nbytes(t), t.qtype)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_ti_data_to_file()
    for t in plan:
        writer.write_tensor_data(_tensor_bytes(t, spec.seed, changes))
    writer.close()
    return path


def expected_size(spec: TinyMoESpec, mix: str = "") -> int:
    """Bytes of tensor data of ``spec`` (the file adds its header and padding)."""
    return sum(_nbytes(t) for t in tensor_plan(spec, mix))


def main(argv: list[str] | None = None) -> int:
    """Command-line entry: write a catalogue shape (optionally with another layer count)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("shape", choices=shape_names())
    parser.add_argument("output", type=Path)
    parser.add_argument("--layers", type=int, help="another layer count (smaller/larger file)")
    args = parser.parse_args(argv)
    spec = shape(args.shape)
    if args.layers:
        spec = scaled(spec, n_layer=args.layers)
    print(build_shaped_moe(args.output, spec))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
