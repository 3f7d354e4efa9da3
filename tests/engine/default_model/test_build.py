"""The converted default model: loads in stock llama.cpp as a MoE, equals dense at N = E."""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import replace
from pathlib import Path

import gguf
import pytest

from disk.temps import is_temp_name
from engine.assets import asset_text
from engine.local.llama_adapter import LlamaModel, load_dense, tokenize_with_vocab
from engine.models.default_model import ensure_default_model
from engine.models.default_model.build import build_default_model
from engine.models.demo import is_demo_model
from engine.models.info import inspect_model
from engine.models.store import list_models
from engine.paths import Paths
from tests.engine.default_model.conftest import SMALL_RECIPE

pytestmark = pytest.mark.slow

N_TOKENS = 192


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def eval_tokens(source_gguf: Path) -> list[int]:
    return tokenize_with_vocab(source_gguf, asset_text("eval.txt"), special=True)[:N_TOKENS]


def _moe_ppl(model: Path, experts: int, tokens: list[int]) -> float:
    m = LlamaModel.load(
        model, architecture="qwen2moe", expert_count=SMALL_RECIPE.n_expert, experts=experts,
        n_ctx=256, n_threads=2, logits_all=True,
    )  # fmt: skip
    try:
        return m.perplexity(tokens)
    finally:
        m.close()


def test_all_experts_reproduce_the_dense_model(
    small_moe: Path, source_gguf: Path, eval_tokens: list[int]
) -> None:
    dense = load_dense(source_gguf, n_ctx=256, n_threads=2, logits_all=True)
    try:
        dense_ppl = dense.perplexity(eval_tokens)
    finally:
        dense.close()
    moe_ppl = _moe_ppl(small_moe, SMALL_RECIPE.n_expert, eval_tokens)
    assert abs(moe_ppl - dense_ppl) / dense_ppl < 0.01, (moe_ppl, dense_ppl)


def test_fewer_experts_really_drop_neurons(small_moe: Path, eval_tokens: list[int]) -> None:
    full = _moe_ppl(small_moe, SMALL_RECIPE.n_expert, eval_tokens)
    two = _moe_ppl(small_moe, 2, eval_tokens)
    assert full < two < 1e4  # routing is live, and the output stays finite


def test_metadata_describes_a_qwen2moe_with_its_origin(small_moe: Path) -> None:
    info = inspect_model(small_moe)
    assert info.architecture == "qwen2moe"
    assert info.expert_count == SMALL_RECIPE.n_expert
    assert info.expert_used_count == SMALL_RECIPE.expert_used_count
    assert info.moe_layers == info.block_count == 30
    assert info.expert_used_overridable
    assert is_demo_model(info)  # the window warns that its answers are often wrong
    reader = gguf.GGUFReader(str(small_moe))
    recipe = json.loads(reader.fields["genba.build.recipe"].contents())
    assert recipe["calibration_tokens"] == SMALL_RECIPE.calibration_tokens
    assert reader.fields["general.license"].contents() == "Apache-2.0"
    shared = reader.fields["qwen2moe.expert_shared_feed_forward_length"].contents()
    assert shared == SMALL_RECIPE.n_shared


def test_the_build_writes_the_useful_floor_from_its_own_evaluation(
    small_moe: Path, tmp_path: Path, source_gguf: Path, calibration_tokens: list[int]
) -> None:
    """The floor is the smallest N whose measured FFN error is within the recipe's tolerance."""
    useful = inspect_model(small_moe).useful_range
    assert useful.source == "file"
    # Within tolerance before all experts, and not at N = 1 (which loses ~half the FFN).
    assert 2 <= useful.floor < SMALL_RECIPE.n_expert
    strict = replace(SMALL_RECIPE, useful_tolerance=0.0)  # only all experts are exact
    out = build_default_model(source_gguf, tmp_path / "strict.gguf", calibration_tokens, strict)
    assert inspect_model(out).useful_range.floor == SMALL_RECIPE.n_expert


def test_chat_answer_is_sensible_with_all_experts(small_moe: Path) -> None:
    from engine.local.llama_adapter import Sampling

    n = SMALL_RECIPE.n_expert
    m = LlamaModel.load(
        small_moe, architecture="qwen2moe", expert_count=n, experts=n, n_ctx=512, n_threads=2
    )
    try:
        prompt = m.chat_prompt_tokens(
            [{"role": "user", "content": "Name three primary colors."}]
        )
        text = "".join(t for _, t in m.generate(prompt, max_tokens=40, sampling=Sampling(0.0)))
    finally:
        m.close()
    assert "red" in text.lower() and "blue" in text.lower(), text


def test_build_is_deterministic(
    small_moe: Path, tmp_path: Path, source_gguf: Path, calibration_tokens: list[int]
) -> None:
    again = build_default_model(
        source_gguf, tmp_path / "again.gguf", calibration_tokens, SMALL_RECIPE
    )
    assert _sha(again) == _sha(small_moe)


def test_ensure_default_model_builds_once_into_the_store(
    paths: Paths, source_gguf: Path, small_moe: Path
) -> None:
    cache = paths.cache_dir / "default-model"
    cache.mkdir(parents=True)
    shutil.copy(source_gguf, cache / source_gguf.name)
    stages: list[tuple[str, float]] = []
    built = ensure_default_model(
        paths, lambda s, f: stages.append((s, f)), allow_download=False, recipe=SMALL_RECIPE
    )
    assert built == paths.default_model_path
    assert _sha(built) == _sha(small_moe)
    assert ("writing model", 1.0) in stages
    assert [f for s, f in stages if s == "converting layers"] == sorted(
        f for s, f in stages if s == "converting layers"
    )
    stamp = built.stat().st_mtime_ns
    again = ensure_default_model(paths, allow_download=False, recipe=SMALL_RECIPE)
    assert again == built and built.stat().st_mtime_ns == stamp
    assert not [p for p in paths.models_dir.iterdir() if is_temp_name(p.name)]
    stored = list_models(paths)
    assert [(m.origin, m.sha256) for m in stored] == [("default", _sha(built))]
    # A newer recipe replaces a default built by an older one.
    newer = replace(SMALL_RECIPE, expert_used_count=SMALL_RECIPE.expert_used_count - 1)
    ensure_default_model(paths, allow_download=False, recipe=newer)
    assert inspect_model(built).expert_used_count == newer.expert_used_count
