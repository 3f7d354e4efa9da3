"""The routing trace: which experts llama.cpp's router picked, per MoE layer and token.

llama.cpp names the router's output ``ffn_moe_topk-<layer>``: an int32 view
``[n_expert_used, n_tokens]`` (strided: it is a slice of the argsort result).
Right after it, ``build_moe_ffn`` (src/llama-graph.cpp) gathers the router's
probabilities of those experts into ``ffn_moe_weights-<layer>``: f32
``[1, n_expert_used, n_tokens]``, in the same order, before any top-N
renormalisation (``ffn_moe_weights_norm``) or scaling. The scheduler's eval
callback (``cb_eval``) lets us ask for both tensors and read them after they are
computed. This module only *reads* ggml tensors through a ctypes mirror of
``struct ggml_tensor``; installing the callback is the adapter's job
(:mod:`engine.local.llama_adapter`, the one module that touches llama.cpp).

Two products, both cleared when taken: the per-token trace (``genba ask
--trace``; kept only when ``keep_tokens``) and the expert load (per layer and
expert: rows routed and the sum of router weights), which is what the
expert-load statistics need and is small enough to cross the worker's pipe
whatever the answer's length.

Invariant: :meth:`RoutingRecorder.observe` never raises into C and never
writes to the tensor.
"""

from __future__ import annotations

import ctypes
import threading
from typing import Any

_GGML_MAX_DIMS = 4
_GGML_MAX_SRC = 10
_GGML_MAX_OP_PARAMS = 64
_GGML_MAX_NAME = 64
_TOPK_PREFIX = b"ffn_moe_topk-"
_WEIGHTS_PREFIX = b"ffn_moe_weights-"  # exact: not ffn_moe_weights_norm-/_sum-/_scaled-
_GGML_TYPE_F32 = 0


class GgmlTensor(ctypes.Structure):
    """Layout of ``struct ggml_tensor`` (ggml.h) — only read, never written."""


GgmlTensor._fields_ = [
    ("type", ctypes.c_int),
    ("buffer", ctypes.c_void_p),
    ("ne", ctypes.c_int64 * _GGML_MAX_DIMS),
    ("nb", ctypes.c_size_t * _GGML_MAX_DIMS),
    ("op", ctypes.c_int),
    ("op_params", ctypes.c_int32 * (_GGML_MAX_OP_PARAMS // 4)),
    ("flags", ctypes.c_int32),
    ("src", ctypes.POINTER(GgmlTensor) * _GGML_MAX_SRC),
    ("view_src", ctypes.POINTER(GgmlTensor)),
    ("view_offs", ctypes.c_size_t),
    ("data", ctypes.c_void_p),
    ("name", ctypes.c_char * _GGML_MAX_NAME),
    ("extra", ctypes.c_void_p),
    ("padding", ctypes.c_char * 8),
]


class _LayerLoad:
    """Running totals of one layer: rows, and per expert the rows and router weight."""

    __slots__ = ("count", "rows", "weight")

    def __init__(self) -> None:
        self.rows = 0
        self.count: list[int] = []
        self.weight: list[float] = []

    def grow(self, expert: int) -> None:
        if expert >= len(self.count):
            extra = expert + 1 - len(self.count)
            self.count.extend([0] * extra)
            self.weight.extend([0.0] * extra)


class RoutingRecorder:
    """Collects the expert ids llama.cpp selects, per MoE layer and per token, and the load.

    Fed from llama.cpp's compute threads through ``cb_eval``; read from the
    caller's thread after each decode. ``keep_tokens`` (default on) keeps the
    per-token lists of :meth:`take`; the load (:meth:`take_load`) is always summed.
    """

    def __init__(self, *, keep_tokens: bool = True) -> None:
        self._lock = threading.Lock()
        self.keep_tokens = keep_tokens
        self._by_layer: dict[int, list[list[int]]] = {}
        self._load: dict[int, _LayerLoad] = {}
        # The ids of the latest top-k per layer, waiting for their weights (same order).
        self._pending: dict[int, list[list[int]]] = {}
        # The ctypes callback wrapping observe(): held here because ctypes frees
        # callbacks that nothing references, and C would then call freed memory.
        self.keepalive: Any = None

    def observe(self, tensor_ptr: int, ask: bool) -> bool:
        """The ``cb_eval`` body: ask for top-k and weight tensors, then copy their values out."""
        tensor = ctypes.cast(tensor_ptr, ctypes.POINTER(GgmlTensor)).contents
        name = bytes(tensor.name)
        if name.startswith(_TOPK_PREFIX):
            layer = _layer_of(name, _TOPK_PREFIX)
            if layer is None:
                return False
            if not ask:
                self._take_ids(tensor, layer)
            return True
        if name.startswith(_WEIGHTS_PREFIX) and tensor.type == _GGML_TYPE_F32:
            # Exactly "ffn_moe_weights-<layer>": its reshaped views are named
            # "ffn_moe_weights-<layer> (reshaped)" and hold the same numbers again.
            layer = _layer_of(name, _WEIGHTS_PREFIX)
            if layer is None:
                return False
            if not ask:
                self._take_weights(tensor, layer)
            return True
        return False

    def _take_ids(self, tensor: GgmlTensor, layer: int) -> None:
        n_used, n_tokens = int(tensor.ne[0]), int(tensor.ne[1])
        row_stride, col_stride = int(tensor.nb[1]), int(tensor.nb[0])
        base = int(tensor.data)
        rows: list[list[int]] = []
        for tok in range(n_tokens):
            row_addr = base + tok * row_stride
            if col_stride == ctypes.sizeof(ctypes.c_int32):  # one read per row
                rows.append(list((ctypes.c_int32 * n_used).from_address(row_addr)))
            else:
                rows.append([
                    ctypes.c_int32.from_address(row_addr + e * col_stride).value
                    for e in range(n_used)
                ])
        with self._lock:
            if self.keep_tokens:
                self._by_layer.setdefault(layer, []).extend(rows)
            load = self._load.setdefault(layer, _LayerLoad())
            load.rows += n_tokens
            for chosen in rows:
                for expert in chosen:
                    if expert >= len(load.count):
                        load.grow(expert)
                    load.count[expert] += 1
            self._pending[layer] = rows

    def _take_weights(self, tensor: GgmlTensor, layer: int) -> None:
        # [1, n_used, n_tokens]: ne[1] slots per token, ne[2] tokens.
        n_used, n_tokens = int(tensor.ne[1]), int(tensor.ne[2])
        slot_stride, row_stride = int(tensor.nb[1]), int(tensor.nb[2])
        base = int(tensor.data)
        with self._lock:
            rows = self._pending.pop(layer, None)
            if rows is None or len(rows) != n_tokens or (rows and len(rows[0]) != n_used):
                return  # not the weights of the ids just seen: never pair them wrongly
            load = self._load[layer]
            for tok, chosen in enumerate(rows):
                row_addr = base + tok * row_stride
                for slot, expert in enumerate(chosen):
                    value = ctypes.c_float.from_address(row_addr + slot * slot_stride).value
                    load.weight[expert] += value

    def take(self) -> list[list[list[int]]]:
        """Return ``routing[layer][token] -> expert ids`` recorded so far and clear it."""
        with self._lock:
            layers = sorted(self._by_layer)
            out = [self._by_layer[i] for i in layers]
            self._by_layer = {}
        return out

    def take_load(self) -> list[dict[str, Any]]:
        """The load since the last call, per layer, and clear it.

        ``[{"layer", "rows", "count": [..], "weight": [..]}]`` in layer order; the
        lists run to the highest expert id seen (the caller pads to the model's count).
        """
        with self._lock:
            out = [
                {"layer": i, "rows": ly.rows, "count": list(ly.count),
                 "weight": list(ly.weight)}
                for i, ly in sorted(self._load.items())
            ]
            self._load = {}
            self._pending = {}
        return out


def _layer_of(name: bytes, prefix: bytes) -> int | None:
    """The layer number of ``<prefix><layer>``; None for any other name (a view's)."""
    digits = name[len(prefix) :].split(b"\0", 1)[0]
    return int(digits) if digits.isdigit() else None
