"""A numpy reference forward pass of the dense llama-architecture source model.

The converter needs what llama.cpp does not expose: every layer's FFN input and
its neuron activations on calibration text. :class:`DenseModel` reads the GGUF
with gguf-py, dequantizes one layer at a time (memory stays around 30 MB per
layer instead of 0.5 GB for the whole model) and runs the layer on all
calibration sequences at once, so the caller can process layer by layer.

Q/K weights are un-permuted from llama's interleaved rope layout to NEOX
(half-split) on load, mirroring ``permute`` in llama.cpp's convert_hf_to_gguf;
the forward then uses NEOX rope, exactly what the qwen2moe graph will do with
the same weights. Everything is float32, as llama.cpp computes on CPU.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gguf
import numpy as np
import numpy.typing as npt

from engine.errors import ModelFileError

F32 = npt.NDArray[np.float32]


@dataclass(frozen=True)
class DenseHParams:
    """The few hyperparameters of the llama-architecture source that the forward needs."""

    n_layer: int
    n_embd: int
    n_ff: int
    n_head: int
    n_head_kv: int
    rope_base: float
    rms_eps: float
    context_length: int

    @property
    def head_dim(self) -> int:
        """Width of one attention head."""
        return self.n_embd // self.n_head


@dataclass(frozen=True)
class LayerWeights:
    """One dequantized transformer block (numpy layout: ``(out, in)``)."""

    attn_norm: F32
    wq: F32
    wk: F32
    wv: F32
    wo: F32
    ffn_norm: F32
    gate: F32
    up: F32
    down: F32


def unpermute_rows(rows: Any, n_head: int) -> Any:
    """Undo convert_hf_to_gguf's Q/K ``permute``: llama interleaved rope → NEOX halves.

    Works on float matrices and on quantized byte rows alike, because it only
    reorders whole rows (output features) within each head.
    """
    head_rows = rows.shape[0] // n_head
    shaped = rows.reshape(n_head, head_rows // 2, 2, *rows.shape[1:])
    return shaped.swapaxes(1, 2).reshape(rows.shape)


def rms_norm(x: F32, weight: F32, eps: float) -> F32:
    """RMSNorm over the last axis, as llama.cpp's ``build_norm(LLM_NORM_RMS)``."""
    scale = 1.0 / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + np.float32(eps))
    out: F32 = (x * scale.astype(np.float32)) * weight
    return out


def silu(x: F32) -> F32:
    """SiLU activation."""
    return (x / (np.float32(1.0) + np.exp(-x))).astype(np.float32)


class DenseModel:
    """Read-only view of the dense source GGUF with a layer-at-a-time forward."""

    def __init__(self, path: Path) -> None:
        try:
            self.reader = gguf.GGUFReader(str(path))
        except (OSError, ValueError) as exc:
            raise ModelFileError(
                f"Cannot read the source model {path} ({exc}). Delete it so it is fetched again."
            ) from exc
        self.tensors = {t.name: t for t in self.reader.tensors}
        self.hparams = self._read_hparams()

    def field(self, key: str) -> Any:
        """A metadata value, decoded (``None`` when absent)."""
        f = self.reader.fields.get(key)
        return None if f is None else f.contents()

    def _read_hparams(self) -> DenseHParams:
        arch = self.field("general.architecture")
        if arch != "llama":
            raise ModelFileError(f"The source model has architecture {arch!r}, expected 'llama'.")
        return DenseHParams(
            n_layer=int(self.field("llama.block_count")),
            n_embd=int(self.field("llama.embedding_length")),
            n_ff=int(self.field("llama.feed_forward_length")),
            n_head=int(self.field("llama.attention.head_count")),
            n_head_kv=int(self.field("llama.attention.head_count_kv")),
            rope_base=float(self.field("llama.rope.freq_base")),
            rms_eps=float(self.field("llama.attention.layer_norm_rms_epsilon")),
            context_length=int(self.field("llama.context_length")),
        )

    def tensor(self, name: str) -> F32:
        """A tensor dequantized to float32 in numpy layout."""
        t = self.tensors[name]
        data = gguf.quants.dequantize(np.asarray(t.data), t.tensor_type)
        return np.ascontiguousarray(data, dtype=np.float32)

    def layer(self, il: int) -> LayerWeights:
        """Block ``il``, dequantized, with Q/K already in NEOX row order."""
        hp = self.hparams
        blk = f"blk.{il}"
        return LayerWeights(
            attn_norm=self.tensor(f"{blk}.attn_norm.weight"),
            wq=unpermute_rows(self.tensor(f"{blk}.attn_q.weight"), hp.n_head),
            wk=unpermute_rows(self.tensor(f"{blk}.attn_k.weight"), hp.n_head_kv),
            wv=self.tensor(f"{blk}.attn_v.weight"),
            wo=self.tensor(f"{blk}.attn_output.weight"),
            ffn_norm=self.tensor(f"{blk}.ffn_norm.weight"),
            gate=self.tensor(f"{blk}.ffn_gate.weight"),
            up=self.tensor(f"{blk}.ffn_up.weight"),
            down=self.tensor(f"{blk}.ffn_down.weight"),
        )

    def embed(self, tokens: npt.NDArray[np.int64]) -> F32:
        """Token embeddings for a ``(batch, seq)`` array of ids."""
        t = self.tensors["token_embd.weight"]
        rows = np.asarray(t.data)[tokens.reshape(-1)]
        emb = gguf.quants.dequantize(rows, t.tensor_type).astype(np.float32)
        return emb.reshape(*tokens.shape, self.hparams.n_embd)

    def logits(self, hidden: F32) -> F32:
        """Output logits from the last hidden state (tied embeddings)."""
        x = rms_norm(hidden, self.tensor("output_norm.weight"), self.hparams.rms_eps)
        return x @ self.tensor("token_embd.weight").T

    # -- forward -------------------------------------------------------------
    def _rope(self, x: F32, positions: npt.NDArray[np.float32]) -> F32:
        half = self.hparams.head_dim // 2
        inv = self.hparams.rope_base ** (-np.arange(half, dtype=np.float64) * 2 / (2 * half))
        ang = positions[:, None].astype(np.float64) * inv[None, :]
        cos = np.cos(ang).astype(np.float32)[None, :, None, :]
        sin = np.sin(ang).astype(np.float32)[None, :, None, :]
        x1, x2 = x[..., :half], x[..., half:]
        out: F32 = np.concatenate([x1 * cos - x2 * sin, x2 * cos + x1 * sin], axis=-1)
        return out

    def attention(self, w: LayerWeights, h: F32) -> F32:
        """Causal GQA self-attention of block weights ``w`` on ``h`` ``(batch, seq, embd)``."""
        hp = self.hparams
        b, s, _ = h.shape
        d = hp.head_dim
        x = rms_norm(h, w.attn_norm, hp.rms_eps)
        pos = np.arange(s, dtype=np.float32)
        q = self._rope((x @ w.wq.T).reshape(b, s, hp.n_head, d), pos)
        k = self._rope((x @ w.wk.T).reshape(b, s, hp.n_head_kv, d), pos)
        v = (x @ w.wv.T).reshape(b, s, hp.n_head_kv, d)
        group = hp.n_head // hp.n_head_kv
        # (batch, head, seq, dim) so that the products below are batched matmuls.
        qh = q.transpose(0, 2, 1, 3)
        kh = np.repeat(k, group, axis=2).transpose(0, 2, 3, 1)
        vh = np.repeat(v, group, axis=2).transpose(0, 2, 1, 3)
        scores = (qh @ kh) * np.float32(1.0 / np.sqrt(d))
        mask = np.triu(np.ones((s, s), dtype=bool), k=1)
        scores[..., mask] = -np.inf
        scores -= scores.max(axis=-1, keepdims=True)
        # Clamp before exp: denormal results would make the products below crawl.
        probs = np.exp(np.maximum(scores, np.float32(-80.0)))
        probs[..., mask] = 0.0
        probs /= probs.sum(axis=-1, keepdims=True)
        out = (probs @ vh).transpose(0, 2, 1, 3).reshape(b, s, hp.n_embd)
        result: F32 = (out @ w.wo.T).astype(np.float32)
        return result

    def ffn_input(self, w: LayerWeights, h: F32) -> F32:
        """The normalised input every FFN (dense or MoE) of this block sees."""
        return rms_norm(h, w.ffn_norm, self.hparams.rms_eps)

    @staticmethod
    def activations(w: LayerWeights, x: F32) -> F32:
        """SwiGLU neuron activations ``silu(gate x) * (up x)`` for FFN input ``x``."""
        return (silu(x @ w.gate.T) * (x @ w.up.T)).astype(np.float32)
