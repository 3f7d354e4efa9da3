"""Fit the linear router of one MoE layer and scale it for qwen2moe's gating.

The router must rank experts by how much each would add to this token's FFN
output. The "oracle" score of expert ``e`` on token ``t`` is the norm of that
expert's output ``||down_e (silu(gate_e x) * up_e x)||``; a linear map of the
FFN input is fitted to it by ridge least squares. Only the ranking within a
token matters, so targets are centred per token (a GGUF router has no bias).

llama.cpp's qwen2moe weights the selected experts by the softmax over *all*
experts without renormalising them. Scaling the logits down until that softmax
is uniform to within ~1e-4 (the ranking is unchanged), and multiplying every
routed expert's down projection by ``n_expert``, makes the MoE output the plain
sum of the selected neuron groups: at N = E exactly the dense FFN.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

F32 = npt.NDArray[np.float32]
Index = npt.NDArray[np.int64]

LOGIT_SPREAD = 1e-4
"""Largest router-logit spread on calibration tokens after scaling (softmax ≈ uniform)."""


@dataclass(frozen=True)
class RouterFit:
    """A fitted router and how well its top-N choice matches the oracle's on calibration."""

    weight: F32  # (n_expert, n_embd), already scaled for uniform softmax
    overlap: dict[int, float]  # N -> mean |router top-N ∩ oracle top-N| / N


def _topn_overlap(pred: npt.NDArray[np.float64], target: npt.NDArray[np.float64], n: int) -> float:
    top_p = np.argsort(-pred, axis=1, kind="stable")[:, :n]
    top_t = np.argsort(-target, axis=1, kind="stable")[:, :n]
    hits = (top_p[:, :, None] == top_t[:, None, :]).any(axis=2).sum(axis=1)
    return float(hits.mean() / n)


def fit_router(x: F32, scores: F32, *, ridge: float = 1e-2) -> RouterFit:
    """Least-squares router from FFN inputs ``x`` ``(tokens, n_embd)`` to oracle ``scores``."""
    x64 = x.astype(np.float64)
    target = scores.astype(np.float64)
    target -= target.mean(axis=1, keepdims=True)
    gram = x64.T @ x64
    lam = ridge * float(np.trace(gram)) / gram.shape[0]
    w = np.linalg.solve(gram + lam * np.eye(gram.shape[0]), x64.T @ target).T  # (E, embd)
    logits = x64 @ w.T
    spread = float((logits.max(axis=1) - logits.min(axis=1)).max())
    # Rounding to float16 precision (after normalising by a power of two) keeps the
    # written bytes stable against last-bit differences between BLAS builds; the
    # power-of-two scales themselves are exact.
    norm = 2.0 ** np.ceil(np.log2(max(float(np.abs(w).max()), 1e-30)))
    scale = 2.0 ** np.floor(np.log2(LOGIT_SPREAD / max(spread, 1e-30)))
    weight = ((w / norm).astype(np.float16).astype(np.float64) * (norm * scale)).astype(np.float32)
    n_expert = scores.shape[1]
    overlap = {n: _topn_overlap(logits, target, n) for n in range(1, n_expert)}
    return RouterFit(weight=weight, overlap=overlap)
