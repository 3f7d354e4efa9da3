"""Expert-load statistics: the numbers, the collection from real answers, the database."""

from __future__ import annotations

import logging
import math
import shutil
import sqlite3
from pathlib import Path

import pytest

from disk.expert_stats import LayerLoad
from disk.hashing import sha256_file
from disk.pointer import ModelRef, Pointer, write_pointer
from engine.events import FinalEvent
from engine.expert_load.identity import identify
from engine.expert_load.load import ExpertLoad
from engine.expert_load.metrics import MIN_TOKENS_FOR_ALERT, gini, report
from engine.expert_load.store import ExpertLoadStore, ModelIdentity
from engine.local.llama_adapter import Sampling
from engine.models.info import inspect_model
from engine.paths import Paths
from engine.service import Engine
from engine.settings import Settings, load_settings

GREEDY = Sampling(temperature=0.0)


def _layer(i: int, counts: list[int]) -> LayerLoad:
    return LayerLoad(i, tuple(counts), tuple(c / 2 for c in counts))


# -- the numbers, worked out by hand --------------------------------------------------------
def test_metrics_match_a_hand_computed_case() -> None:
    # 4 experts, 4 tokens, N = 1 (each layer routes 4 rows).
    layers = [_layer(0, [4, 0, 0, 0]), _layer(1, [1, 1, 1, 1]), _layer(2, [2, 2, 0, 0])]
    r = report(answers=1, tokens=4, layers=layers, threshold=0.5)
    assert r.experts_per_token == 1.0
    one, even, half = r.layers
    # Gini of [0,0,0,4] = 2*(4*4)/(4*4) - 5/4 = 0.75, which is its top-1 ceiling 1 - 1/4.
    assert one.gini == pytest.approx(0.75) and one.normalized_gini == pytest.approx(1.0)
    assert one.entropy == pytest.approx(0.0) and one.max_mean == pytest.approx(4.0)
    assert one.never == (1, 2, 3) and one.share == (1.0, 0.0, 0.0, 0.0)
    assert even.gini == pytest.approx(0.0) and even.normalized_gini == pytest.approx(0.0)
    assert even.entropy == pytest.approx(1.0) and even.max_mean == pytest.approx(1.0)
    assert even.never == ()
    # [0,0,2,2]: 2*(3*2+4*2)/(4*4) - 5/4 = 0.5; /0.75 = 2/3; entropy log 2 / log 4 = 1/2.
    assert half.gini == pytest.approx(0.5) and half.normalized_gini == pytest.approx(2 / 3)
    assert half.entropy == pytest.approx(0.5) and half.max_mean == pytest.approx(2.0)
    assert half.never == (2, 3)
    assert half.weight_share == (0.5, 0.5, 0.0, 0.0)
    # Too few tokens for an alert, whatever the imbalance.
    assert r.alert.value == pytest.approx(1.0) and not r.alert.raised
    assert r.alert.metric == "normalized_gini"


def test_alert_needs_enough_tokens_and_a_threshold_passed() -> None:
    tokens = MIN_TOKENS_FOR_ALERT
    # N = 2 of 4: the ceiling is 1 - 2/4 = 0.5; [t, t, 0, 0] is as unequal as top-2 allows.
    skewed = [_layer(0, [tokens, tokens, 0, 0])]
    assert report(1, tokens, skewed, 0.7).alert.raised
    assert not report(1, tokens - 1, skewed, 0.7).alert.raised  # not enough tokens yet
    assert not report(1, tokens, skewed, 0.0).alert.raised  # 0: never warn
    even = [_layer(0, [tokens // 2] * 4)]
    assert not report(1, tokens, even, 0.1).alert.raised
    assert gini([]) == 0.0 and gini([0, 0]) == 0.0
    assert math.isclose(gini([1, 3]), 0.25)


# -- the database ---------------------------------------------------------------------------
MODEL = ModelIdentity("cd" * 32, "tiny", "7", 4)


def _load(counts: list[int], tokens: int) -> ExpertLoad:
    return ExpertLoad(1, tokens, (_layer(0, counts), _layer(3, counts[::-1])))


def test_store_sums_answers_and_keeps_models_apart(tmp_path: Path) -> None:
    store = ExpertLoadStore(tmp_path / "expert-load.sqlite3")
    store.record(MODEL, _load([2, 0, 1, 1], 2))
    store.record(MODEL, _load([0, 2, 1, 1], 2))
    other = ModelIdentity("ef" * 32, "other", "", 4)
    store.record(other, _load([4, 0, 0, 0], 4))
    totals = store.totals(MODEL.sha256)
    assert totals is not None
    assert totals.model == MODEL
    assert (totals.load.answers, totals.load.tokens) == (2, 4)
    assert totals.load.layers == (
        LayerLoad(0, (2, 2, 2, 2), (1.0, 1.0, 1.0, 1.0)),
        LayerLoad(3, (2, 2, 2, 2), (1.0, 1.0, 1.0, 1.0)),
    )
    assert {m.sha256 for m in store.models()} == {MODEL.sha256, other.sha256}
    with sqlite3.connect(store.path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        # Numbers only: the tables hold no text beyond model names and file paths.
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert tables == {"models", "load", "file_hashes"}


def test_a_damaged_database_is_moved_aside_with_one_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "expert-load.sqlite3"
    path.write_bytes(b"this is not a database at all" * 200)
    store = ExpertLoadStore(path)
    with caplog.at_level(logging.WARNING, logger="engine.expert_load.store"):
        store.record(MODEL, _load([1, 1, 0, 0], 1))
    assert store.moved_aside is not None and store.moved_aside.exists()
    assert store.moved_aside.read_bytes().startswith(b"this is not a database")
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "\n" not in warnings[0].getMessage()
    totals = store.totals(MODEL.sha256)
    assert totals is not None and totals.load.answers == 1


# -- collection from real answers --------------------------------------------------------------
def _policy(paths: Paths, sample: float) -> Settings:
    paths.policy_dir.mkdir(parents=True, exist_ok=True)
    paths.policy_file.write_text(f"[experts]\nstats_sample = {sample}\n", encoding="utf-8")
    settings = load_settings(paths)
    assert settings.get_float("experts.stats_sample") == sample
    return settings


def _engine(paths: Paths, model: Path, sample: float) -> Engine:
    return Engine(paths=paths, settings=_policy(paths, sample), model_path=model, n_threads=2)


def _ask(engine: Engine, text: str, *, trace: bool = False) -> tuple[int, int]:
    final = list(engine.stream([{"role": "user", "content": text}], experts=2, max_tokens=6,
                               sampling=GREEDY, trace=trace))[-1]
    assert isinstance(final, FinalEvent) and final.route == "local"
    # Counting keeps no per-token lists; only a trace asked for returns them.
    assert (final.routing is not None) == trace
    if trace:
        assert final.routing is not None and len(final.routing) == 4
    return final.prompt_tokens, final.generated_tokens


def test_answers_are_counted_with_a_sample_of_one_and_not_with_zero(
    paths: Paths, tiny_moe_path: Path
) -> None:
    engine = _engine(paths, tiny_moe_path, 0.0)
    store = ExpertLoadStore(paths.expert_load_db)
    try:
        _ask(engine, "Not counted.")
        assert not paths.expert_load_db.exists() or store.models() == []
        engine.update_settings(_policy(paths, 1.0))  # a new policy applies from the next answer
        asked = [_ask(engine, "Which experts answer this?"), _ask(engine, "And this one?")]
        [model] = store.models()
        before = store.totals(model.sha256)
        # A traced answer (genba ask --trace) is counted too; the trace evaluates the
        # whole prompt afresh, so exactly its prompt and generated tokens but the last.
        prompt, generated = _ask(engine, "Trace and count this.", trace=True)
        after = store.totals(model.sha256)
    finally:
        engine.close()
    assert before is not None and after is not None
    assert after.load.answers == 3
    assert after.load.tokens - before.load.tokens == prompt + generated - 1
    totals = before
    load = totals.load
    assert model.name == "genba tiny test MoE" and model.expert_count == 8
    assert model.version == ""  # not the update pointer's model: hashed, no version
    assert len(model.sha256) == 64
    assert load.answers == 2
    # The first layer routes each prompt token and each generated token but the last
    # (the second answer may reuse the first one's prompt prefix from the KV cache).
    first_answer = asked[0][0] + asked[0][1] - 1
    assert first_answer < load.tokens <= sum(p + g - 1 for p, g in asked)
    first = load.layers[0]
    assert sum(first.count) == 2 * load.tokens  # N = 2 experts per token
    assert [ly.layer for ly in load.layers] == [0, 1, 2, 3]
    for ly in load.layers:
        # Router probabilities of the chosen experts: positive, at most 1 per row.
        assert 0 < sum(ly.weight) <= sum(ly.count) / 2 + 1e-6
        assert all(w == 0 for w, c in zip(ly.weight, ly.count, strict=True) if c == 0)



def test_the_update_pointer_names_the_version_so_its_model_is_never_hashed(
    paths: Paths, tiny_moe_path: Path
) -> None:
    paths.models_dir.mkdir(parents=True)
    installed = paths.models_dir / "site-v7.gguf"
    shutil.copyfile(tiny_moe_path, installed)
    sha = sha256_file(installed)
    write_pointer(paths.current_model_pointer, Pointer(ModelRef(installed.name, sha, "7")))
    store = ExpertLoadStore(paths.expert_load_db)
    info = inspect_model(installed)
    model = identify(info, store, paths.current_model_pointer, hash_file=False)
    assert model == ModelIdentity(sha, info.name, "7", 8)
    # Any other file: no identity without hashing, then hashed once and remembered.
    assert identify(inspect_model(tiny_moe_path), store, paths.current_model_pointer,
                    hash_file=False) is None
    hashed = identify(inspect_model(tiny_moe_path), store, None)
    assert hashed is not None and hashed.sha256 == sha and hashed.version == ""
    again = identify(inspect_model(tiny_moe_path), store, None, hash_file=False)
    assert again == hashed
