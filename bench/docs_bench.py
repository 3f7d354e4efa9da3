"""Measure genba's document search and grounded answers (issue 17) and print a table.

Run (about 10 minutes on two cores, most of it the model answering)::

    PYTHONPATH=. .venv/bin/python bench/docs_bench.py            # everything
    PYTHONPATH=. .venv/bin/python bench/docs_bench.py --quick    # smoke run, seconds

(a) **Index the test document set** (:mod:`bench.docs_set`): pages/s, passages, size.
(b) **Retrieval** on its questions: recall@5 (the expected document, and page where the
    format has pages, among the top 5 passages) and MRR, per language, and "passage-only
    accuracy" (an accepted answer string is in the top passage: what the operator sees in
    search mode); the same for a plain FTS5 ``trigram`` baseline (:mod:`bench.docs_set.trigram`).
(c) **Scale**: synthesised pages (:mod:`bench.docs_set.synth`, Markdown files of 50 pages,
    half Japanese) indexed: throughput and size; then query latency p50/p95 over the
    synthesised queries (each asks one page's unique fact; its recall@5 is shown too).
(d) **End-to-end** on the default model (``Paths.default().default_model_path``): each
    question answered with ``Engine.stream(..., docs=False)`` and ``docs=True``, graded by
    the accepted key strings. ``--quick`` leaves (d) out and uses 500 pages for (c).

Numbers depend on the machine and what else runs; run it on an idle PC.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make ``bench`` and genba importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.docs_set import Question, is_answered, load_questions, make_docset
from bench.docs_set.synth import make_pages
from bench.docs_set.trigram import TrigramIndex
from engine.docs.model import DocSource
from engine.paths import Paths

MAX_BYTES = 50 * 1024 * 1024


@dataclass
class Scores:
    """Retrieval scores of one group of questions."""

    n: int = 0
    hits: int = 0
    reciprocal: float = 0.0
    top_answer: int = 0

    def add(self, rank: int | None, top_text: str, question: Question) -> None:
        self.n += 1
        if rank is not None:
            self.hits += 1
            self.reciprocal += 1.0 / rank
        self.top_answer += is_answered(top_text, question)

    def row(self) -> str:
        if not self.n:
            return "     -      -      -    0"
        return (f"{self.hits / self.n:6.2f} {self.reciprocal / self.n:6.2f} "
                f"{self.top_answer / self.n:6.2f} {self.n:4d}")


def group_of(question: Question) -> str:
    """The table row a question counts in: ``ja``, ``en`` or ``cross`` (other language)."""
    return "cross" if question.cross else question.lang


def rank_of(found: Sequence[tuple[str, int | None]], question: Question) -> int | None:
    """1-based rank of the first (file name, page) that is the question's source."""
    for rank, (doc, page) in enumerate(found, 1):
        if doc == question.doc and (question.page is None or page == question.page):
            return rank
    return None


def score(
    questions: list[Question],
    search: Callable[[str], list[tuple[str, int | None, str]]],
) -> dict[str, Scores]:
    """Scores per group (and ``all``) of a search that returns (file name, page, text)."""
    groups = {name: Scores() for name in ("ja", "en", "cross", "all")}
    for question in questions:
        found = search(question.text)
        rank = rank_of([(doc, page) for doc, page, _ in found], question)
        top = found[0][2] if found else ""
        groups[group_of(question)].add(rank, top, question)
        groups["all"].add(rank, top, question)
    return groups


def db_size(path: Path) -> int:
    """The index's bytes on disk (database and write-ahead log)."""
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*") if p.is_file())


def index_folder(db: Path, folder: Path, label: str) -> tuple[Any, Any, float]:
    """A fresh :class:`DocIndex` of ``folder``: (index, IndexReport, wall seconds)."""
    from engine.docs.index import DocIndex

    db.parent.mkdir(parents=True, exist_ok=True)
    index = DocIndex(db)
    start = time.perf_counter()
    report = index.update([DocSource("policy", folder, label)], max_bytes=MAX_BYTES)
    return index, report, time.perf_counter() - start


def percentile(values: list[float], pct: int) -> float:
    """The ``pct``-th percentile (inclusive method, as a spreadsheet computes it)."""
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


# -- (a) and (b) --------------------------------------------------------------------------------
def bench_set(paths: Paths, work: Path, questions: list[Question]) -> list[str]:
    """Index the test set into ``paths.docs_index_db``; retrieval scores and the baseline."""
    from engine.docs.extract import extract

    set_dir = make_docset(work / "docs_set")
    index, report, seconds = index_folder(paths.docs_index_db, work / "docs_set", "test set")
    statuses = index.status()
    size = db_size(paths.docs_index_db)
    passages = sum(s.passages for s in statuses)
    skipped = [s for s in statuses if s.state != "indexed"]
    out = [
        "(a) test document set",
        f"  documents {len(set_dir)}, indexed {len(statuses) - len(skipped)}, "
        f"skipped {len(skipped)} {[s.path for s in skipped] if skipped else ''}",
        f"  pages {report.pages}, passages {passages}, {seconds:.2f} s, "
        f"{report.pages / seconds:.0f} pages/s, index {size / 1024:.0f} KiB",
    ]

    def genba(query: str) -> list[tuple[str, int | None, str]]:
        return [(Path(p.path).name, p.page, p.text) for p in index.search(query, limit=5)]

    baseline = TrigramIndex()
    for path in set_dir:
        doc = extract(path, max_bytes=MAX_BYTES)
        baseline.add((path.name, page.number, page.text) for page in doc.pages)

    def trigram(query: str) -> list[tuple[str, int | None, str]]:
        return [(h.doc, h.page, h.text) for h in baseline.search(query, limit=5)]

    out += ["", "(b) retrieval on the question set (top 5 passages)",
            "  index        group  recall@5  MRR  top-passage-acc  n"]
    for name, search in (("genba", genba), ("trigram", trigram)):
        for group, scores in score(questions, search).items():
            out.append(f"  {name:<12} {group:<6} {scores.row()}")
    misses = [q.id for q in questions if rank_of([(d, p) for d, p, _ in genba(q.text)], q) is None]
    out.append(f"  genba misses: {', '.join(misses) or 'none'}")
    return out


# -- (c) -----------------------------------------------------------------------------------------
def bench_scale(work: Path, pages: int, queries: int) -> list[str]:
    """Index ``pages`` synthesised pages; query latency and recall over ``queries`` queries."""
    folder = work / "synth"
    start = time.perf_counter()
    asked = make_pages(folder, pages, queries=queries)
    made = time.perf_counter() - start
    db = work / "synth-index" / "docs-index.sqlite3"
    index, report, seconds = index_folder(db, folder, "synthesised")
    size = db_size(db)
    latencies: list[float] = []
    hits = {"ja": 0, "en": 0}
    index.search("ウォームアップ warm-up", limit=5)  # first query opens the database
    for query in asked:
        start = time.perf_counter()
        found = index.search(query.text, limit=5)
        latencies.append((time.perf_counter() - start) * 1000)
        hits[query.lang] += any(
            Path(p.path).name == query.file and query.answer in p.text for p in found
        )
    asked_in = {lang: sum(q.lang == lang for q in asked) or 1 for lang in hits}
    return [
        "", f"(c) scale: {pages} synthesised pages (generated in {made:.1f} s)",
        f"  indexed pages {report.pages} in {seconds:.1f} s: {report.pages / seconds:.0f} pages/s, "
        f"index {size / 1024 / 1024:.1f} MiB ({size / max(report.pages, 1) / 1024:.1f} KiB/page)",
        f"  {len(latencies)} queries: p50 {percentile(latencies, 50):.1f} ms, "
        f"p95 {percentile(latencies, 95):.1f} ms, max {max(latencies):.1f} ms; "
        f"recall@5 of the page's key fact (near misses on every page): "
        f"ja {hits['ja'] / asked_in['ja']:.2f}, en {hits['en'] / asked_in['en']:.2f}",
    ]


# -- (d) -----------------------------------------------------------------------------------------
def answer(engine: Any, question: Question, *, docs: bool, max_tokens: int) -> tuple[str, float]:
    """The final answer text to ``question`` and its seconds."""
    from engine.events import FinalEvent

    start = time.perf_counter()
    final = None
    for event in engine.stream([{"role": "user", "content": question.text}], docs=docs,
                               max_tokens=max_tokens):
        if isinstance(event, FinalEvent):
            final = event
    text = final.text if final is not None else ""
    return text, time.perf_counter() - start


def bench_answers(paths: Paths, questions: list[Question], max_tokens: int) -> list[str]:
    """Accuracy of the default model's answers without and with the documents."""
    from engine.service import Engine

    model = Paths.default().default_model_path
    if not model.is_file():
        return ["", f"(d) skipped: no default model at {model} (run genba once to build it)"]
    engine = Engine(paths=paths, model_path=model)
    out = ["", f"(d) end-to-end on {model.name}, max_tokens {max_tokens}",
           "  docs   group  accuracy  n   s/answer"]
    wrong: dict[bool, list[str]] = {False: [], True: []}
    overall: dict[bool, float] = {}
    for docs in (False, True):
        groups: dict[str, list[bool]] = {"ja": [], "en": [], "cross": [], "all": []}
        seconds: list[float] = []
        for question in questions:
            text, took = answer(engine, question, docs=docs, max_tokens=max_tokens)
            ok = is_answered(text, question)
            groups[group_of(question)].append(ok)
            groups["all"].append(ok)
            seconds.append(took)
            if not ok:
                wrong[docs].append(question.id)
            # Progress (and the answers, for reading what went wrong) on stderr.
            print(f"{question.id} docs={docs} {'ok' if ok else 'wrong'} {took:.1f}s "
                  f"{text[:160]!r}", file=sys.stderr, flush=True)
        overall[docs] = sum(groups["all"]) / max(len(groups["all"]), 1)
        for group, oks in groups.items():
            acc = sum(oks) / len(oks) if oks else 0.0
            out.append(f"  {'with' if docs else 'without':<6} {group:<6} {acc:8.2f} "
                       f"{len(oks):3d} {statistics.mean(seconds):6.1f}")
    out.append(f"  accuracy gain from the documents: {overall[True] - overall[False]:+.2f} "
               f"({overall[False]:.2f} -> {overall[True]:.2f})")
    out.append(f"  wrong with documents: {', '.join(wrong[True]) or 'none'}")
    return out


def main(argv: list[str] | None = None) -> int:
    """Run the bench and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: 500 synthesised pages, 50 queries, no model")
    parser.add_argument("--pages", type=int, help="synthesised pages (default 10000)")
    parser.add_argument("--queries", type=int, help="latency queries (default 300)")
    parser.add_argument("--no-model", action="store_true", help="leave out (d)")
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--answers", type=int,
                        help="answer only the first N questions (taken from both languages)")
    parser.add_argument("--work", type=Path, help="keep the files here (default: temporary)")
    args = parser.parse_args(argv)
    pages = args.pages or (500 if args.quick else 10_000)
    queries = args.queries or (50 if args.quick else 300)
    os.environ.setdefault("GENBA_OFFLINE", "1")  # the bench measures this PC, never a server
    questions = load_questions()
    with tempfile.TemporaryDirectory(prefix="genba-docs-bench-") as tmp:
        work = args.work or Path(tmp)
        paths = Paths.under(work / "home")
        print("\n".join(bench_set(paths, work, questions)), flush=True)
        print("\n".join(bench_scale(work, pages, queries)), flush=True)
        if not (args.quick or args.no_model):
            asked = questions
            if args.answers:
                ja = [q for q in questions if q.lang == "ja"]
                en = [q for q in questions if q.lang == "en"]
                asked = ja[: (args.answers + 1) // 2] + en[: args.answers // 2]
            print("\n".join(bench_answers(paths, asked, args.max_tokens)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
