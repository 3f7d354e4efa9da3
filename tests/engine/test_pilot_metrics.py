"""Pilot metrics after real answers: one row of numbers per answer, never any text.

Real engine, tiny model, real llama.cpp worker, real SQLite file; the remote side is
a loopback fault server (a server error sends the answer back to this PC: *degraded*).
"""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

from engine.events import Event, FinalEvent
from engine.local.llama_adapter import Sampling
from engine.paths import Paths
from engine.pilot.energy import SOURCES
from engine.pilot.store import FILE_NAME, AnswerMetrics, MetricsStore
from engine.service import Engine
from engine.settings import Settings, defaults
from tests.engine.remote_servers import FaultServer

QUESTION_TEXT = "Which torque does the flange bolt M12 need, zxqv-7731?"
QUESTION = [{"role": "user", "content": QUESTION_TEXT}]
GREEDY = Sampling(temperature=0.0)
HUGE_RESERVE_MB = 1_048_576


def settings_with(**values: Any) -> Settings:
    return defaults().with_values(
        {k.replace("__", "."): v for k, v in values.items()}, source="policy:test"
    )


def answer(engine: Engine, **kw: Any) -> FinalEvent:
    events: list[Event] = list(engine.stream(QUESTION, sampling=GREEDY, **kw))
    final = events[-1]
    assert isinstance(final, FinalEvent)
    return final


def stored(paths: Paths) -> list[AnswerMetrics]:
    return MetricsStore(paths.data_dir / FILE_NAME).rows()


def test_each_local_answer_stores_its_numbers_and_no_text(engine_for: Any, paths: Paths) -> None:
    engine = engine_for(defaults())
    first = answer(engine, max_tokens=12)
    second = answer(engine, max_tokens=12, experts=4)
    rows = stored(paths)
    assert len(rows) == 2
    for row, final in zip(rows, (first, second), strict=True):
        assert row.route == "local" and row.final_route == "local"
        assert row.experts == final.experts
        assert row.generated_tokens == final.generated_tokens > 0
        assert row.prompt_tokens == final.prompt_tokens
        assert row.ttft_s == final.ttft_s and row.tokens_per_s == final.tokens_per_s
        assert row.total_s >= (row.ttft_s or 0.0)
        assert row.stop_reason == final.stop_reason
        assert row.cpu_s is not None and row.cpu_s > 0  # the worker's CPU time
        assert row.energy_source in SOURCES and row.energy_j is not None
        assert "experts." in row.reasons  # codes, no parameters
        assert row.at.endswith("+00:00")
    assert rows[1].experts == 4
    # Neither the question nor the answer is anywhere in the database's files.
    blobs = b"".join(p.read_bytes() for p in paths.data_dir.glob(FILE_NAME + "*"))
    assert QUESTION_TEXT.encode() not in blobs and b"zxqv" not in blobs


def test_no_rows_when_the_policy_turns_metrics_off(engine_for: Any, paths: Paths) -> None:
    engine = engine_for(settings_with(metrics__enabled=False))
    answer(engine, max_tokens=4)
    assert not (paths.data_dir / FILE_NAME).exists()


def test_a_failed_remote_answer_finished_locally_is_degraded(
    engine_for: Any, paths: Paths
) -> None:
    with FaultServer("status500") as server:
        engine = engine_for(settings_with(
            fallback__enabled=True, fallback__url=server.url, fallback__timeout_s=2.0,
            resources__reserve_ram_mb=HUGE_RESERVE_MB,
        ))
        final = answer(engine, max_tokens=4)
    assert final.route == "local"
    (row,) = stored(paths)
    assert row.route == "degraded" and row.final_route == "local"
    assert "fallback.remote_failed" in row.reasons.split(",")


def test_a_damaged_database_is_moved_aside_and_a_new_one_started(
    paths: Paths, caplog: pytest.LogCaptureFixture
) -> None:
    path = paths.data_dir / FILE_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"this is not a database " * 200)
    store = MetricsStore(path)
    row = AnswerMetrics("2026-01-01T00:00:00+00:00", "local", "local", 4, "", "stop",
                        0.1, 1.0, 10, 5, 5.0, 0.5, 5.0, "estimate", "m")
    store.add(row)
    assert store.rows() == [row]
    moved = list(paths.data_dir.glob(FILE_NAME + ".damaged-*"))
    assert len(moved) == 1 and moved[0].read_bytes().startswith(b"this is not")
    warnings = [r.getMessage() for r in caplog.records if "damaged" in r.getMessage()]
    assert len(warnings) == 1 and "\n" not in warnings[0]
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
