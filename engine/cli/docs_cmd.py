"""``genba docs index|status|search``: the site-document index from the command line (issue 17).

* ``index [--json] [--quiet]`` — update the index from the configured sources (policy
  ``docs.folders``, the document packs in ``updates.doc_packs``, the operator's folders) in
  a child process (:mod:`engine.docs.index_job`); progress on stderr, a summary on stdout.
* ``status [--json]`` — the sources (and which are missing), totals, and every skipped
  document with its reason.
* ``search QUERY [--limit N] [--json]`` — the best passages: title, page, source, text.

Exit codes: 0 (also when nothing matches), 1 (the indexer kept failing, the index cannot
be opened), 2 (bad input).
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import threading
import time
from dataclasses import asdict
from typing import Any

from engine.cli.common import load_context, print_json
from engine.docs.index import DocIndex
from engine.docs.index_job import run_index_job
from engine.docs.model import DocSource, IndexProgress, Passage
from engine.docs.sources import document_sources, missing_folders, missing_packs
from engine.errors import BadInputError, GenbaError

MAX_LIMIT = 50


class DocsIndexError(GenbaError):
    """The index file cannot be read or written (disk full, permissions, locked)."""


def register(subparsers: Any) -> None:
    """Add ``genba docs`` and its subcommands."""
    p = subparsers.add_parser(
        "docs", help="site documents: update the index, show its status, search it"
    )
    sub = p.add_subparsers(dest="docs_command", metavar="ACTION", required=True)

    ix = sub.add_parser("index", help="index new and changed documents (progress on stderr)")
    ix.add_argument("--json", action="store_true", help="print one JSON object")
    ix.add_argument("--quiet", action="store_true", help="no progress output")
    ix.set_defaults(func=run_index)

    st = sub.add_parser("status", help="sources, totals, and every skipped document with why")
    st.add_argument("--json", action="store_true", help="print one JSON object")
    st.set_defaults(func=run_status)

    se = sub.add_parser("search", help="the passages that best match QUERY (no model needed)")
    se.add_argument("query", metavar="QUERY", help="words or a question, Japanese or English")
    se.add_argument("--limit", type=int, default=5, help=f"passages to show (1-{MAX_LIMIT})")
    se.add_argument("--json", action="store_true", help="print one JSON object")
    se.set_defaults(func=run_search)


def _source_json(source: DocSource) -> dict[str, object]:
    return {
        "kind": source.kind, "folder": str(source.folder), "label": source.label,
        "exists": source.folder.is_dir(),
    }  # fmt: skip


def _guard(what: str, exc: sqlite3.Error | OSError) -> DocsIndexError:
    return DocsIndexError(f"cannot {what} the document index ({exc}); check the disk and retry")


# -- index ---------------------------------------------------------------------
def run_index(args: argparse.Namespace) -> int:
    """``genba docs index``."""
    paths, settings = load_context()
    sources = document_sources(settings, paths)
    max_mb = settings.get("docs.max_file_mb")
    max_bytes = (max_mb if isinstance(max_mb, int) else 100) << 20
    for source in missing_folders(sources):
        print(f"genba: document folder {source.folder} is not there (not mounted?); "
              "its documents are left out", file=sys.stderr)  # fmt: skip
    if not sources:
        print("genba: no document folders are set (policy docs.folders, updates.doc_packs, "
              "or your own docs.personal_folders)", file=sys.stderr)  # fmt: skip
    last = [0.0]

    def progress(p: IndexProgress) -> None:
        now = time.monotonic()
        if args.quiet or (now - last[0] < 0.5 and p.done not in (0, p.total)):
            return
        last[0] = now
        where = f" {p.current}" if p.current else ""
        print(f"[{p.done}/{p.total}]{where}", file=sys.stderr, flush=True)

    cancel = threading.Event()
    try:
        report = run_index_job(
            paths.docs_index_db, sources, max_bytes=max_bytes, progress=progress, cancel=cancel
        )
    except KeyboardInterrupt:
        cancel.set()
        raise
    if args.json:
        print_json({
            "report": asdict(report),
            "sources": [_source_json(s) for s in sources],
            "missing_packs": missing_packs(settings, paths),
            "index": str(paths.docs_index_db),
        })  # fmt: skip
        return 0
    state = "cancelled" if report.cancelled else "done"
    print(
        f"{state}: {report.added} added, {report.updated} updated, {report.removed} removed, "
        f"{report.unchanged} unchanged, {report.skipped} skipped; {report.pages} pages "
        f"read in {report.seconds:.1f} s"
    )
    if report.skipped:
        print("see `genba docs status` for why documents were skipped")
    return 0


# -- status --------------------------------------------------------------------
def run_status(args: argparse.Namespace) -> int:
    """``genba docs status``."""
    paths, settings = load_context()
    sources = document_sources(settings, paths)
    index = DocIndex(paths.docs_index_db)
    try:
        docs = index.status()
        updated = index.last_update()
    except (sqlite3.Error, OSError) as exc:
        raise _guard("read", exc) from exc
    indexed = [d for d in docs if d.state == "indexed"]
    skipped = [d for d in docs if d.state == "skipped"]
    totals = {
        "documents": len(docs), "indexed": len(indexed), "skipped": len(skipped),
        "pages": sum(d.pages for d in indexed), "passages": sum(d.passages for d in indexed),
    }  # fmt: skip
    packs_missing = missing_packs(settings, paths)
    if args.json:
        print_json({
            "index": str(paths.docs_index_db),
            "updated_at": updated,
            "sources": [_source_json(s) for s in sources],
            "missing_packs": packs_missing,
            "totals": totals,
            "documents": [asdict(d) for d in docs],
        })  # fmt: skip
        return 0
    print(f"index: {paths.docs_index_db}")
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(updated)) if updated else "never"
    print(f"last updated: {when}")
    print("sources:" if sources else "sources: none (policy docs.folders, updates.doc_packs)")
    for s in sources:
        note = "" if s.folder.is_dir() else "  (missing: not mounted or removed)"
        print(f"  {s.kind:<8} {s.label}{note}")
    for name in packs_missing:
        print(f"  pack     {name}  (not installed yet: run `genba update`)")
    print(
        f"documents: {totals['indexed']} indexed ({totals['pages']} pages, "
        f"{totals['passages']} passages), {totals['skipped']} skipped"
    )
    for doc in skipped:
        print(f"  skipped: {doc.path}: {doc.reason}")
    return 0


# -- search --------------------------------------------------------------------
def _page(hit: Passage) -> str:
    return f", page {hit.page}" if hit.page is not None else ""


def run_search(args: argparse.Namespace) -> int:
    """``genba docs search QUERY``."""
    if not args.query.strip():
        raise BadInputError("the search text is empty; give words or a question to look for")
    if not 1 <= args.limit <= MAX_LIMIT:
        raise BadInputError(f"--limit must be between 1 and {MAX_LIMIT}, not {args.limit}")
    paths, _settings = load_context()
    index = DocIndex(paths.docs_index_db)
    try:
        hits = index.search(args.query, limit=args.limit)
        empty = not hits and not index.status()
    except (sqlite3.Error, OSError) as exc:
        raise _guard("read", exc) from exc
    if args.json:
        print_json({"query": args.query, "passages": [asdict(h) for h in hits]})
        return 0
    if empty:
        print("genba: the document index is empty; run `genba docs index` first",
              file=sys.stderr)  # fmt: skip
        return 0
    if not hits:
        print(f"nothing found for {args.query!r}")
        return 0
    for number, hit in enumerate(hits, 1):
        heading = f" — {hit.heading}" if hit.heading and hit.heading != hit.title else ""
        print(f"{number}. {hit.title}{heading}{_page(hit)}  [{hit.source}]")
        print(f"   {hit.path}")
        for line in hit.text.splitlines():
            print(f"   | {line}")
    return 0
