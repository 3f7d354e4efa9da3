"""The routing trace: which experts llama.cpp's router picked, per MoE layer and token.

llama.cpp names the router's output ``ffn_moe_topk-<layer>``: an int32 view
``[n_expert_used, n_tokens]`` (strided: it is a slice of the argsort result).
The scheduler's eval callback (``cb_eval``) lets us ask for that tensor and
read it after it is computed. This module only *reads* ggml tensors through a
ctypes mirror of ``struct ggml_tensor``; installing the callback is the
adapter's job (:mod:`engine.local.llama_adapter`, the one module that touches llama.cpp).

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


class RoutingRecorder:
    """Collects the expert ids llama.cpp selects, per MoE layer and per token.

    Fed from llama.cpp's compute threads through ``cb_eval``; read from the
    caller's thread after each decode.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_layer: dict[int, list[list[int]]] = {}
        # The ctypes callback wrapping observe(): held here because ctypes frees
        # callbacks that nothing references, and C would then call freed memory.
        self.keepalive: Any = None

    def observe(self, tensor_ptr: int, ask: bool) -> bool:
        """The ``cb_eval`` body: ask for top-k tensors, then copy their ids out."""
        tensor = ctypes.cast(tensor_ptr, ctypes.POINTER(GgmlTensor)).contents
        name = bytes(tensor.name)
        if not name.startswith(_TOPK_PREFIX):
            return False
        if ask:
            return True
        layer = int(name[len(_TOPK_PREFIX) :].split(b"\0", 1)[0])
        n_used, n_tokens = int(tensor.ne[0]), int(tensor.ne[1])
        row_stride, col_stride = int(tensor.nb[1]), int(tensor.nb[0])
        base = int(tensor.data)
        rows = []
        for tok in range(n_tokens):
            row_addr = base + tok * row_stride
            rows.append(
                [
                    ctypes.c_int32.from_address(row_addr + e * col_stride).value
                    for e in range(n_used)
                ]
            )
        with self._lock:
            self._by_layer.setdefault(layer, []).extend(rows)
        return True

    def take(self) -> list[list[list[int]]]:
        """Return ``routing[layer][token] -> expert ids`` recorded so far and clear it."""
        with self._lock:
            layers = sorted(self._by_layer)
            out = [self._by_layer[i] for i in layers]
            self._by_layer = {}
        return out
