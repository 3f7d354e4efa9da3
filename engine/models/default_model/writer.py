"""Write the converted model as a ``qwen2moe`` GGUF that stock llama.cpp runs as a sparse MoE.

Why qwen2moe: llama.cpp's ``llama`` MoE renormalises the top-k weights, while
qwen2moe uses the softmax over all experts as is, which (with the uniform router
softmax from :mod:`router`) lets the MoE output be a plain sum of neuron groups.
qwen2moe also brings what the layout needs and a few quirks, all handled here:

* a shared expert whose output is multiplied by ``sigmoid(x . w)``; llama.cpp
  computes that sigmoid as ``silu(s) / s`` (NaN at s = 0), so ``w`` is a tiny
  multiple of one steadily nonzero hidden channel (sigmoid ≈ 0.5) and the shared
  down projection is doubled;
* an explicit ``output.weight`` (SmolLM2 ties it to the embedding: duplicated);
* NEOX rope, so Q/K rows are un-permuted from llama's interleaved layout.

Quantization: attention, gate and up rows are copied byte for byte from the
Q4_1 source (whole rows move, so blocks stay intact: exact). Down projections
lose their block structure when neurons are regrouped and are scaled, so they
are re-quantized to Q8_0 (error far below Q4_1's). Writes go to a temp file in
the target folder, fsync, then ``os.replace``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gguf
import numpy as np
import numpy.typing as npt
from disk.atomic import staged_file

from engine.models.default_model.dense import DenseModel, unpermute_rows
from engine.models.default_model.grouping import Grouping
from engine.models.useful import USEFUL_MIN_KEY

ARCH = "qwen2moe"
F32 = npt.NDArray[np.float32]
_Q8 = gguf.GGMLQuantizationType.Q8_0
_F32 = gguf.GGMLQuantizationType.F32


@dataclass(frozen=True)
class MoELayer:
    """Everything the writer needs for one converted block."""

    grouping: Grouping
    router: F32  # (n_expert, n_embd), scaled for uniform softmax
    shexp_gate: F32  # (n_embd,), tiny, sigmoid ≈ 0.5 on every token
    down_exps: F32  # (n_expert, n_embd, neurons_per_expert), already multiplied by n_expert
    down_shexp: F32  # (n_embd, n_shared), already doubled


@dataclass(frozen=True)
class ModelCard:
    """Descriptive metadata written into the GGUF."""

    name: str
    description: str
    license: str
    source: str
    source_sha256: str
    recipe: dict[str, Any]
    expert_used_count: int
    down_type: str = "Q8_0"
    useful_min: int | None = None
    """The build's measured useful floor of N (:mod:`engine.models.useful`)."""


def _raw(src: DenseModel, name: str) -> tuple[npt.NDArray[np.uint8], gguf.GGMLQuantizationType]:
    t = src.tensors[name]
    return np.asarray(t.data), t.tensor_type


def _add_raw(w: gguf.GGUFWriter, name: str, data: Any, qtype: gguf.GGMLQuantizationType) -> None:
    if qtype == _F32:
        w.add_tensor(name, np.ascontiguousarray(data, dtype=np.float32))
    else:
        w.add_tensor(name, np.ascontiguousarray(data), raw_dtype=qtype)


def _add_quantized(
    w: gguf.GGUFWriter, name: str, data: F32, qtype: gguf.GGMLQuantizationType
) -> None:
    w.add_tensor(name, gguf.quants.quantize(np.ascontiguousarray(data), qtype), raw_dtype=qtype)


def _copy_tokenizer(w: gguf.GGUFWriter, src: DenseModel) -> None:
    for key, field in src.reader.fields.items():
        if not key.startswith("tokenizer."):
            continue
        vtype = field.types[0]
        sub = field.types[1] if len(field.types) > 1 else None
        w.add_key_value(key, field.contents(), vtype, sub)


def _add_hparams(
    w: gguf.GGUFWriter, src: DenseModel, layers: list[MoELayer], card: ModelCard
) -> None:
    hp = src.hparams
    first = layers[0].grouping
    w.add_name(card.name)
    w.add_description(card.description)
    w.add_license(card.license)
    w.add_string("general.source.url", card.source)
    w.add_string("genba.source.sha256", card.source_sha256)
    w.add_string("genba.build.recipe", json.dumps(card.recipe, sort_keys=True))
    w.add_bool("genba.demo", True)  # the window warns while it answers (engine.models.demo)
    w.add_context_length(hp.context_length)
    w.add_embedding_length(hp.n_embd)
    w.add_block_count(hp.n_layer)
    w.add_feed_forward_length(hp.n_ff)
    w.add_head_count(hp.n_head)
    w.add_head_count_kv(hp.n_head_kv)
    w.add_rope_dimension_count(hp.head_dim)
    w.add_rope_freq_base(hp.rope_base)
    w.add_layer_norm_rms_eps(hp.rms_eps)
    w.add_expert_count(int(first.experts.shape[0]))
    w.add_expert_used_count(card.expert_used_count)
    if card.useful_min is not None:
        w.add_uint32(USEFUL_MIN_KEY, card.useful_min)
    w.add_expert_feed_forward_length(int(first.experts.shape[1]))
    w.add_expert_shared_feed_forward_length(int(first.shared.shape[0]))
    w.add_file_type(gguf.LlamaFileType.MOSTLY_Q8_0)
    _copy_tokenizer(w, src)


def _add_block(
    w: gguf.GGUFWriter, src: DenseModel, il: int, layer: MoELayer, card: ModelCard
) -> None:
    hp = src.hparams
    blk = f"blk.{il}"
    for name in ("attn_norm", "ffn_norm"):
        _add_raw(w, f"{blk}.{name}.weight", *_raw(src, f"{blk}.{name}.weight"))
    q, qtype = _raw(src, f"{blk}.attn_q.weight")
    _add_raw(w, f"{blk}.attn_q.weight", unpermute_rows(q, hp.n_head), qtype)
    k, ktype = _raw(src, f"{blk}.attn_k.weight")
    _add_raw(w, f"{blk}.attn_k.weight", unpermute_rows(k, hp.n_head_kv), ktype)
    for name in ("attn_v", "attn_output"):
        _add_raw(w, f"{blk}.{name}.weight", *_raw(src, f"{blk}.{name}.weight"))
    g = layer.grouping
    w.add_tensor(f"{blk}.ffn_gate_inp.weight", np.ascontiguousarray(layer.router, dtype=np.float32))
    for part in ("gate", "up"):
        rows, rtype = _raw(src, f"{blk}.ffn_{part}.weight")
        _add_raw(w, f"{blk}.ffn_{part}_exps.weight", rows[g.experts], rtype)
        _add_raw(w, f"{blk}.ffn_{part}_shexp.weight", rows[g.shared], rtype)
    qtype = gguf.GGMLQuantizationType[card.down_type]
    _add_quantized(w, f"{blk}.ffn_down_exps.weight", layer.down_exps, qtype)
    _add_quantized(w, f"{blk}.ffn_down_shexp.weight", layer.down_shexp, qtype)
    w.add_tensor(f"{blk}.ffn_gate_inp_shexp.weight", layer.shexp_gate.astype(np.float32))


def write_moe_gguf(path: Path, src: DenseModel, layers: list[MoELayer], card: ModelCard) -> None:
    """Write the qwen2moe GGUF atomically to ``path``."""
    with staged_file(path) as staged:
        # gguf's writer opens the temp file by name; ``staged`` keeps it marked in use.
        w = gguf.GGUFWriter(str(staged.path), arch=ARCH)
        _add_hparams(w, src, layers, card)
        _add_raw(w, "token_embd.weight", *_raw(src, "token_embd.weight"))
        _add_raw(w, "output_norm.weight", *_raw(src, "output_norm.weight"))
        # Tied embeddings in SmolLM2; qwen2moe insists on its own output matrix.
        _add_raw(w, "output.weight", *_raw(src, "token_embd.weight"))
        for il, layer in enumerate(layers):
            _add_block(w, src, il, layer, card)
        w.write_header_to_file()
        w.write_kv_data_to_file()
        w.write_tensors_to_file()
        w.close()
        staged.commit(path, mode=0o644)  # mkstemp makes it 0600; the model is not a secret
