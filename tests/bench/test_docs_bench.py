"""The documents bench: a --quick smoke run, and the retrieval bar it reports (issue 17)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bench import docs_bench
from bench.docs_set import load_questions, make_docset
from engine.docs.index import DocIndex
from engine.docs.model import DocSource


def test_quick_run_prints_every_part_of_the_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GENBA_OFFLINE", "1")
    assert docs_bench.main(["--quick", "--pages", "200", "--queries", "20",
                            "--work", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert re.search(r"documents 12, indexed 12, skipped 0", out), out
    assert re.search(r"genba +all +[01]\.\d\d", out), out
    assert re.search(r"trigram +all +[01]\.\d\d", out), out
    assert re.search(r"20 queries: p50 [\d.]+ ms, p95 [\d.]+ ms", out), out
    assert "(d)" not in out  # --quick never loads the model


def test_recall_at_5_is_at_least_0_9_in_both_languages(tmp_path: Path) -> None:
    """The issue's bar, on the set's same-language questions (the expected page in the top 5)."""
    folder = tmp_path / "set"
    make_docset(folder)
    index = DocIndex(tmp_path / "index.sqlite3")
    index.update([DocSource("policy", folder, "set")], max_bytes=docs_bench.MAX_BYTES)

    def search(query: str) -> list[tuple[str, int | None, str]]:
        return [(Path(p.path).name, p.page, p.text) for p in index.search(query, limit=5)]

    scores = docs_bench.score(load_questions(), search)
    for lang in ("ja", "en"):
        assert scores[lang].n >= 20
        assert scores[lang].hits / scores[lang].n >= 0.9, lang
