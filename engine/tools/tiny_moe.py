"""Build a tiny random-weight sparse MoE GGUF, deterministically, for tests and benchmarks.

The model is a Mixtral-style ``llama`` MoE (router + stacked ``*_exps`` expert
tensors in every layer) small enough to load in milliseconds. It carries its own
byte-level SentencePiece vocabulary (every byte is a token, plus the control
tokens of its ChatML template), so no tokenizer download is needed. Same
arguments → byte-identical file.

Run ``python -m engine.tools.tiny_moe OUT.gguf`` to write one.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import gguf
import numpy as np
import numpy.typing as npt

CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)


_BIAS_CARRIER = 8.0
"""Dimension 0 of every token embedding in a model with a router bias."""
_BIAS_STRENGTH = 4.0
"""Router weight of the favoured experts on that dimension (logit ≈ +20 after RMS norm)."""


@dataclass(frozen=True)
class TinyMoESpec:
    """Shape of the tiny model. Defaults give a ~1 MB file with 8 experts, top-2."""

    n_layer: int = 4
    n_embd: int = 64
    n_head: int = 4
    n_head_kv: int = 2
    n_ff: int = 128
    n_expert: int = 8
    n_expert_used: int = 2
    context_length: int = 1024
    seed: int = 20261127
    expert_type: gguf.GGMLQuantizationType = gguf.GGMLQuantizationType.Q8_0
    dense_type: gguf.GGMLQuantizationType = gguf.GGMLQuantizationType.F32
    """Type of the attention matrices (quantized ones reach llama.cpp's repacking kernels)."""
    demo: bool | None = None
    """Write ``genba.demo`` with this value (None: leave the key out, like most models)."""
    router_bias: tuple[int, ...] = ()
    """Experts the router favours for every token in every layer (an *imbalanced* model,
    for the expert-load alert). llama's MoE has no router bias tensor, so the bias rides
    on a constant: every token embedding gets a large constant in dimension 0, which
    survives RMS norm, and only the favoured experts' router rows read that dimension.
    The output layer ignores it, so answers stay as (un)reasonable as the balanced model's."""
    n_vocab: int = 0
    """Vocabulary size; 0 (or anything up to the 261 byte and control tokens) keeps the
    byte-level vocabulary only, larger values add synthetic word pieces (see :func:`vocab`)."""
    embd_type: gguf.GGMLQuantizationType = gguf.GGMLQuantizationType.F32
    """Type of ``token_embd`` (and ``output``, unless the output is tied)."""
    tied_output: bool = False
    """No ``output.weight``: llama.cpp then reuses the token embedding, as Granite does."""
    rope_freq_base: float = 10000.0
    rms_eps: float = 1e-5
    name: str = "genba tiny test MoE"


def _synthetic_piece(i: int) -> str:
    """A unique word piece for token ``i``: letters in base 26, every other one word-initial."""
    letters = ""
    n = i // 2
    while True:
        letters = chr(ord("a") + n % 26) + letters
        n = n // 26 - 1
        if n < 0:
            break
    return ("\u2581" + letters) if i % 2 == 0 else letters


def vocab(n_vocab: int = 0) -> tuple[list[str], list[float], list[int]]:
    """Tokens, scores and token types of a spec's vocabulary (SentencePiece style).

    The first 261 tokens are always the byte-level ones (``<unk>``, ``<s>``, ``</s>``,
    256 byte tokens, the two ChatML control tokens); up to ``n_vocab`` synthetic,
    unique word pieces follow, so a realistic vocabulary size (e.g. 49,155) costs what
    it costs in a real model's header without any download.
    """
    tokens = ["<unk>", "<s>", "</s>"]
    types = [
        gguf.TokenType.UNKNOWN,
        gguf.TokenType.CONTROL,
        gguf.TokenType.CONTROL,
    ]
    tokens += [f"<0x{b:02X}>" for b in range(256)]
    types += [gguf.TokenType.BYTE] * 256
    tokens += ["<|im_start|>", "<|im_end|>"]
    types += [gguf.TokenType.CONTROL] * 2
    scores = [0.0] * len(tokens)
    extra = max(0, n_vocab - len(tokens))
    tokens += [_synthetic_piece(i) for i in range(extra)]
    types += [gguf.TokenType.NORMAL] * extra
    scores += [-1.0 - i / 1000 for i in range(extra)]
    return tokens, scores, [int(t) for t in types]


def _weights(
    rng: np.random.Generator, shape: tuple[int, ...], scale: float
) -> npt.NDArray[np.float32]:
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def _add(
    writer: gguf.GGUFWriter,
    name: str,
    data: npt.NDArray[np.float32],
    qtype: gguf.GGMLQuantizationType = gguf.GGMLQuantizationType.F32,
) -> None:
    if qtype == gguf.GGMLQuantizationType.F32:
        writer.add_tensor(name, data)
    elif qtype == gguf.GGMLQuantizationType.F16:
        writer.add_tensor(name, data.astype(np.float16))
    else:
        writer.add_tensor(name, gguf.quants.quantize(data, qtype), raw_dtype=qtype)


def build_tiny_moe(path: Path, spec: TinyMoESpec | None = None) -> Path:
    """Write a tiny MoE GGUF to ``path`` and return the path."""
    spec = spec or TinyMoESpec()
    rng = np.random.default_rng(spec.seed)
    n_vocab = len(vocab(spec.n_vocab)[0])

    path.parent.mkdir(parents=True, exist_ok=True)
    writer = gguf.GGUFWriter(str(path), arch="llama")
    write_metadata(writer, spec)
    _write_tensors(writer, spec, n_vocab, rng)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def write_metadata(writer: gguf.GGUFWriter, spec: TinyMoESpec) -> int:
    """Write the spec's metadata and vocabulary; returns the vocabulary size."""
    tokens, scores, types = vocab(spec.n_vocab)
    n_vocab = len(tokens)
    head_dim = spec.n_embd // spec.n_head
    writer.add_name(spec.name)
    writer.add_description("Random weights, for tests only. Answers are gibberish.")
    if spec.demo is not None:
        writer.add_bool("genba.demo", spec.demo)
    writer.add_context_length(spec.context_length)
    writer.add_embedding_length(spec.n_embd)
    writer.add_block_count(spec.n_layer)
    writer.add_feed_forward_length(spec.n_ff)
    writer.add_head_count(spec.n_head)
    writer.add_head_count_kv(spec.n_head_kv)
    writer.add_rope_dimension_count(head_dim)
    writer.add_rope_freq_base(spec.rope_freq_base)
    writer.add_layer_norm_rms_eps(spec.rms_eps)
    writer.add_expert_count(spec.n_expert)
    writer.add_expert_used_count(spec.n_expert_used)
    writer.add_vocab_size(n_vocab)
    writer.add_file_type(gguf.LlamaFileType.MOSTLY_Q8_0)
    writer.add_tokenizer_model("llama")
    writer.add_token_list(tokens)
    writer.add_token_scores(scores)
    writer.add_token_types(types)
    writer.add_unk_token_id(0)
    writer.add_bos_token_id(1)
    writer.add_eos_token_id(2)
    writer.add_add_bos_token(True)
    writer.add_add_eos_token(False)
    writer.add_chat_template(CHAT_TEMPLATE)
    return n_vocab


def _write_tensors(
    writer: gguf.GGUFWriter, spec: TinyMoESpec, n_vocab: int, rng: np.random.Generator
) -> None:
    head_dim = spec.n_embd // spec.n_head
    n_embd_kv = head_dim * spec.n_head_kv

    embd = _weights(rng, (n_vocab, spec.n_embd), 0.5)
    output = None if spec.tied_output else _weights(rng, (n_vocab, spec.n_embd), 0.1)
    if spec.router_bias:
        embd[:, 0] = _BIAS_CARRIER
        if output is not None:
            output[:, 0] = 0.0
    _add(writer, "token_embd.weight", embd, spec.embd_type)
    _add(writer, "output_norm.weight", np.ones(spec.n_embd, dtype=np.float32))
    if output is not None:
        _add(writer, "output.weight", output, spec.embd_type)
    for il in range(spec.n_layer):
        blk = f"blk.{il}"
        ones = np.ones(spec.n_embd, dtype=np.float32)
        _add(writer, f"{blk}.attn_norm.weight", ones)
        _add(writer, f"{blk}.ffn_norm.weight", ones)
        _add(
            writer,
            f"{blk}.attn_q.weight",
            _weights(rng, (spec.n_embd, spec.n_embd), 0.1),
            spec.dense_type,
        )
        _add(
            writer,
            f"{blk}.attn_k.weight",
            _weights(rng, (n_embd_kv, spec.n_embd), 0.1),
            spec.dense_type,
        )
        _add(
            writer,
            f"{blk}.attn_v.weight",
            _weights(rng, (n_embd_kv, spec.n_embd), 0.1),
            spec.dense_type,
        )
        _add(
            writer,
            f"{blk}.attn_output.weight",
            _weights(rng, (spec.n_embd, spec.n_embd), 0.1),
            spec.dense_type,
        )
        # A strong router so that the expert ranking is clear-cut per token.
        router = _weights(rng, (spec.n_expert, spec.n_embd), 1.0)
        if spec.router_bias:
            router[:, 0] = 0.0
            router[list(spec.router_bias), 0] = _BIAS_STRENGTH
        _add(writer, f"{blk}.ffn_gate_inp.weight", router)
        exp_in = (spec.n_expert, spec.n_ff, spec.n_embd)
        exp_out = (spec.n_expert, spec.n_embd, spec.n_ff)
        _add(writer, f"{blk}.ffn_gate_exps.weight", _weights(rng, exp_in, 0.1), spec.expert_type)
        _add(writer, f"{blk}.ffn_up_exps.weight", _weights(rng, exp_in, 0.1), spec.expert_type)
        _add(writer, f"{blk}.ffn_down_exps.weight", _weights(rng, exp_out, 0.1), spec.expert_type)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry: write the tiny model to the given path."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("output", type=Path)
    parser.add_argument("--experts", type=int, default=TinyMoESpec.n_expert)
    parser.add_argument("--seed", type=int, default=TinyMoESpec.seed)
    args = parser.parse_args(argv)
    out = build_tiny_moe(args.output, TinyMoESpec(n_expert=args.experts, seed=args.seed))
    print(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
