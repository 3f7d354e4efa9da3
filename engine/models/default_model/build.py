"""Build genba's default offline MoE from the dense SmolLM2-135M-Instruct ("MoEfication").

Recipe, per transformer block, on calibration text run through the dense model:

1. the most important FFN neurons become an always-on shared expert, the rest
   are split into ``n_expert`` equal co-activation groups (:mod:`grouping`);
2. a linear router is fitted by least squares to each expert's output norm and
   scaled so qwen2moe's softmax is uniform (:mod:`router`);
3. down projections are scaled so the MoE output is the sum of the selected
   groups: with N = E the model *is* the dense model.

The hidden states that feed layer ``l+1`` always come from the dense layer
``l`` (teacher forcing), so one pass over the layers suffices and memory holds
one dequantized layer at a time. Same source, recipe and calibration text →
byte-identical file on a given machine (no randomness beyond a fixed seed).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from engine.assets import asset_text
from engine.errors import ModelStoreError
from engine.models.default_model.dense import DenseModel, LayerWeights
from engine.models.default_model.grouping import group_neurons
from engine.models.default_model.router import fit_router
from engine.models.default_model.source import SOURCE, ensure_source_gguf
from engine.models.default_model.writer import ModelCard, MoELayer, write_moe_gguf
from engine.paths import Paths

if TYPE_CHECKING:
    from engine.remote.network import NetworkConfig

log = logging.getLogger(__name__)

F32 = npt.NDArray[np.float32]
Progress = Callable[[str, float], None]

SHEXP_GATE_SPREAD = 1e-4
"""Largest |x . w| of the shared-expert gate on calibration tokens: sigmoid within 2.5e-5 of 0.5."""


@dataclass(frozen=True)
class BuildRecipe:
    """Every choice that shapes the default model's bytes (it is stored in the GGUF)."""

    # 16 experts of 64 neurons + a 512-neuron shared expert measured better than 8 of
    # 160 + 256 at every equal number of active neurons (docs/default-model.md);
    # 32 experts makes llama.cpp 0.3.36 abort while building its graph.
    n_expert: int = 16
    n_shared: int = 512
    # Smallest N with question accuracy >= dense and perplexity within 40 % of it
    # (docs/default-model.md, bench/eval_default_model.py).
    expert_used_count: int = 11
    calibration_tokens: int = 4096  # the shipped text has ~4,000: 15 sequences of 256
    seq_len: int = 256
    seed: int = 20261127
    kmeans_iters: int = 20
    router_ridge: float = 1e-2
    down_type: str = "Q8_0"  # re-quantization type of the regrouped down projections
    # The useful floor written to the GGUF: the smallest N whose FFN output differs from
    # the all-experts output by at most this much on calibration tokens (mean relative
    # error over tokens and layers; see ``useful_min_of`` and docs/default-model.md).
    useful_tolerance: float = 0.33
    useful_eval_tokens: int = 512  # calibration tokens (evenly spaced) the per-N error uses
    version: int = 2
    notes: dict[str, str] = field(default_factory=dict)


DEFAULT_RECIPE = BuildRecipe()


def calibration_batches(tokens: list[int], recipe: BuildRecipe) -> npt.NDArray[np.int64]:
    """Cut calibration tokens into ``(batch, seq_len)`` sequences."""
    usable = min(len(tokens), recipe.calibration_tokens) // recipe.seq_len * recipe.seq_len
    if usable == 0:
        raise ModelStoreError("The calibration text is too short to build the default model.")
    return np.asarray(tokens[:usable], dtype=np.int64).reshape(-1, recipe.seq_len)


def shexp_gate(x: F32) -> F32:
    """A shared-expert gate vector whose dot product with every FFN input is tiny but nonzero.

    llama.cpp computes the gate's sigmoid as silu(s)/s, which is NaN at s = 0, so
    the gate reads one hidden channel that stays far from zero on every
    calibration token (transformers keep a few such "massive" channels).
    """
    mags = np.abs(x)
    steadiness = mags.min(axis=0) / np.maximum(mags.max(axis=0), 1e-30)
    channel = int(np.argmax(steadiness))
    eps = 2.0 ** np.floor(np.log2(SHEXP_GATE_SPREAD / float(mags[:, channel].max())))
    gate = np.zeros(x.shape[1], dtype=np.float32)
    gate[channel] = np.float32(eps)
    return gate


def convert_layer(
    w: LayerWeights, x: F32, acts: F32, recipe: BuildRecipe, seed: int
) -> MoELayer:
    """MoEfy one block from its dense weights, calibration FFN inputs ``x`` and activations."""
    grouping = group_neurons(
        acts, w.down, n_expert=recipe.n_expert, n_shared=recipe.n_shared,
        seed=seed, iters=recipe.kmeans_iters,
    )  # fmt: skip
    scores = np.stack(
        [np.linalg.norm(acts[:, idx] @ w.down[:, idx].T, axis=1) for idx in grouping.experts],
        axis=1,
    ).astype(np.float32)
    router = fit_router(x, scores, ridge=recipe.router_ridge)
    down_exps = np.stack([w.down[:, idx] for idx in grouping.experts]) * np.float32(recipe.n_expert)
    return MoELayer(
        grouping=grouping,
        router=router.weight,
        shexp_gate=shexp_gate(x),
        down_exps=down_exps.astype(np.float32),
        down_shexp=(w.down[:, grouping.shared] * np.float32(2.0)).astype(np.float32),
    )


def error_by_n(
    x: F32, acts: F32, down: F32, layer: MoELayer, tokens: int
) -> npt.NDArray[np.float64]:
    """This block's quality at each N = 1..E: mean relative error of the MoE's FFN output.

    The converted MoE's FFN output is the shared expert plus the sum of the selected
    experts' neuron groups (exact by construction, :func:`convert_layer`), so at N the
    error against all experts (= the dense FFN) is the norm of the *unselected*
    groups' sum, relative to the dense output's norm. Experts are ranked by the
    fitted router, as llama.cpp ranks them. Evenly spaced ``tokens`` of the
    calibration set keep it to a fraction of the layer's conversion time.
    """
    step = max(1, x.shape[0] // max(1, tokens))
    xs, a = x[::step][:tokens], acts[::step][:tokens]
    groups = layer.grouping.experts
    outs = np.stack([a[:, idx] @ down[:, idx].T for idx in groups], axis=1)  # (T, E, D)
    dense = a @ down.T
    order = np.argsort(-(xs @ layer.router.T), axis=1, kind="stable")
    ranked = np.take_along_axis(outs, order[:, :, None], axis=1)
    kept = np.cumsum(ranked, axis=1, dtype=np.float64)  # sum of the top-N groups, N = 1..E
    missing = kept[:, -1:, :] - kept
    norm = np.maximum(np.linalg.norm(dense, axis=1), 1e-12)[:, None]
    errors: npt.NDArray[np.float64] = (np.linalg.norm(missing, axis=2) / norm).mean(axis=0)
    return errors


def useful_min_of(errors: npt.NDArray[np.float64], tolerance: float) -> int:
    """The smallest N (1-based) whose mean error is within ``tolerance`` of all experts (0)."""
    within = np.nonzero(errors <= tolerance + 1e-9)[0]
    return int(within[0]) + 1 if within.size else len(errors)


def _card(recipe: BuildRecipe, source_sha256: str, useful_min: int | None = None) -> ModelCard:
    return ModelCard(
        name=f"genba SmolLM2-135M-Instruct MoE ({recipe.n_expert} experts, MoEfied)",
        description=(
            "SmolLM2-135M-Instruct converted to a sparse Mixture-of-Experts by neuron grouping "
            "(MoEfication) and least-squares routers, without training. A demonstration "
            "default: with all experts it equals the dense model; fewer experts trade quality "
            "for a little speed."
        ),
        license=SOURCE.license,
        source=SOURCE.origin,
        source_sha256=source_sha256,
        recipe=asdict(recipe),
        expert_used_count=recipe.expert_used_count,
        down_type=recipe.down_type,
        useful_min=useful_min,
    )


def build_default_model(
    source: Path,
    out: Path,
    tokens: list[int],
    recipe: BuildRecipe = DEFAULT_RECIPE,
    progress: Progress | None = None,
) -> Path:
    """Convert the dense ``source`` GGUF to the MoE GGUF at ``out`` using calibration ``tokens``."""
    report = progress or (lambda _stage, _fraction: None)
    src = DenseModel(source)
    batches = calibration_batches(tokens, recipe)
    h = src.embed(batches)
    layers: list[MoELayer] = []
    n_layer = src.hparams.n_layer
    errors = np.zeros(recipe.n_expert, dtype=np.float64)
    for il in range(n_layer):
        report("converting layers", il / n_layer)
        w = src.layer(il)
        h = h + src.attention(w, h)
        x = src.ffn_input(w, h).reshape(-1, src.hparams.n_embd)
        acts = DenseModel.activations(w, x)
        layers.append(convert_layer(w, x, acts, recipe, seed=recipe.seed + il))
        errors += error_by_n(x, acts, w.down, layers[-1], recipe.useful_eval_tokens) / n_layer
        # Teacher forcing: the next layer sees the dense model's hidden states.
        h = h + (acts @ w.down.T).reshape(h.shape)
    report("converting layers", 1.0)
    useful_min = useful_min_of(errors, recipe.useful_tolerance)
    log.info(
        "default model: FFN error by N %s → useful minimum N=%d (tolerance %.2f)",
        " ".join(f"{n}:{e:.3f}" for n, e in enumerate(errors, 1)), useful_min,
        recipe.useful_tolerance,
    )  # fmt: skip
    report("writing model", 0.0)
    write_moe_gguf(out, src, layers, _card(recipe, SOURCE.gguf_sha256, useful_min))
    report("writing model", 1.0)
    return out


def recipe_json(recipe: BuildRecipe = DEFAULT_RECIPE) -> str:
    """The recipe as stored in the GGUF's ``genba.build.recipe`` key."""
    return json.dumps(asdict(recipe), sort_keys=True)


def _is_current(target: Path, recipe: BuildRecipe) -> bool:
    """True when ``target`` exists and was not built by an older recipe.

    A file without genba's record (copied in by IT, say) is trusted as is; one
    whose record names another recipe is rebuilt.
    """
    from engine.models.store import read_record

    if not target.is_file():
        return False
    built_with = read_record(target).get("recipe")
    return built_with is None or built_with == recipe_json(recipe)


def _network_state(paths: Paths) -> NetworkConfig:
    """The network state for a build (read only when one is needed: it loads settings)."""
    from engine.remote.network import NetworkConfig
    from engine.settings import load_settings

    return NetworkConfig.from_settings(load_settings(paths))


def ensure_default_model(
    paths: Paths,
    progress: Progress | None = None,
    *,
    allow_download: bool | None = None,
    recipe: BuildRecipe = DEFAULT_RECIPE,
) -> Path:
    """Return the default MoE model's path, building it first if it is not there yet.

    The build fetches the dense source once (``allow_download`` permitting; ``None``:
    unless genba is offline, by the network state of this user's settings and the
    environment, :class:`engine.remote.network.NetworkConfig`, through its proxy),
    converts it (about a minute on two cores) and writes the file atomically,
    under a file lock so two genba processes never build it at the same time.
    A default model built by an older recipe is rebuilt in place.
    """
    from disk.temps import remove_stale_temps
    from filelock import FileLock

    from engine.local.worker_client import LlamaWorker
    from engine.models.store import sha256_of, tidy_store, write_record

    target = paths.default_model_path
    if _is_current(target, recipe):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(target.with_name(target.name + ".lock"))):
        if _is_current(target, recipe):  # another process finished it while we waited
            return target
        source_dir = paths.cache_dir / "default-model"
        tidy_store(paths)  # what a killed build left
        remove_stale_temps(source_dir)
        network = _network_state(paths)
        source = ensure_source_gguf(
            source_dir, progress,
            allow_download=not network.offline if allow_download is None else allow_download,
            proxy=network.proxy,
        )  # fmt: skip
        text = asset_text("calibration.txt")
        # Through the inference worker: the app and the CLI never load llama.cpp themselves.
        worker = LlamaWorker(cpu_cache=paths.cpu_backend_file)
        try:
            reply = worker.request("tokenize_file", path=str(source), text=text, special=True)
        finally:
            worker.close()
        tokens = [int(t) for t in reply["tokens"]]
        build_default_model(source, target, tokens, recipe, progress)
        write_record(target, sha256_of(target), "default", recipe=recipe_json(recipe))
    return target
