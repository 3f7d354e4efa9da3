"""An index update in a child process, so a crash inside pdfium never reaches the caller.

The window (from a QThread) and ``genba docs index`` call :func:`run_index_job`. It starts
this module as a child the way the inference worker is started
(:func:`engine.local.child_command.module_command`, so it works frozen too), sends it one
JSON request on stdin and reads JSON lines on stdout::

    parent → child   {"db": ..., "max_bytes": ..., "sources": [{"kind", "folder", "label"}]}
                     then "cancel" (or end of input: the parent is gone) to stop
    child → parent   {"op": "progress", "done": .., "total": .., "current": ..}  per file
                     {"op": "report", ...IndexReport}                              at the end

Each document is its own transaction, so a child that dies leaves a usable index. The
child marks the file it is extracting (:class:`~engine.docs.index.DocIndex`), so when it
dies on a file the next run records that file as skipped ("crashed the extractor") and
goes on: the job restarts the child up to :data:`MAX_RESTARTS` times, then gives up with
:class:`IndexJobError`. A cancel lets the child finish its current document; if it has not
stopped :data:`CANCEL_GRACE_S` later (stuck in one huge file) it is killed and its mark
cleared, since that file did not crash anything.
"""

from __future__ import annotations

import collections
import contextlib
import json
import logging
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import IO, Any

from engine.docs.index import DocIndex
from engine.docs.model import DocSource, IndexProgress, IndexReport
from engine.errors import GenbaError
from engine.local.child_command import module_command
from engine.local.llama_cpu import describe_exit

log = logging.getLogger(__name__)

MODULE = "engine.docs.index_job"
MAX_RESTARTS = 2
"""Children that may die in one job (each death skips the file it died on)."""
CANCEL_GRACE_S = 10.0
"""How long a cancelled child may take to finish its current document before it is killed."""


class IndexJobError(GenbaError):
    """The indexing child process kept dying, or could not be started."""


def run_index_job(
    db_path: Path,
    sources: list[DocSource],
    *,
    max_bytes: int,
    progress: Callable[[IndexProgress], None] | None = None,
    cancel: threading.Event | None = None,
    command: Sequence[str] | None = None,
    max_restarts: int = MAX_RESTARTS,
) -> IndexReport:
    """Update the index at ``db_path`` from ``sources`` in a child process.

    ``progress`` is called on this thread for each file; ``cancel`` stops the update after
    the current document (the report says ``cancelled``). ``command`` replaces the child's
    command line (tests). Raises :class:`IndexJobError` when the child keeps dying.
    """
    request = {
        "db": str(db_path), "max_bytes": max_bytes,
        "sources": [{"kind": s.kind, "folder": str(s.folder), "label": s.label} for s in sources],
    }  # fmt: skip
    cmd = list(command) if command is not None else module_command(MODULE)
    deaths: list[str] = []
    while True:
        report, how = _run_child(cmd, request, db_path, progress, cancel)
        if report is not None:
            return report
        deaths.append(how)
        again = len(deaths) <= max_restarts
        log.warning("the document indexer stopped (%s); %s", how,
                    "starting it again" if again else "giving up")  # fmt: skip
        if len(deaths) > max_restarts:
            raise IndexJobError(
                f"the document indexer stopped {len(deaths)} times ({'; '.join(deaths)}); "
                "the documents indexed so far stay searchable, and `genba docs status` lists "
                "the files it stopped on"
            )


def _run_child(
    cmd: list[str],
    request: dict[str, Any],
    db_path: Path,
    progress: Callable[[IndexProgress], None] | None,
    cancel: threading.Event | None,
) -> tuple[IndexReport | None, str]:
    """One child run: its report, or None and how it ended."""
    try:
        proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
    except OSError as exc:
        raise IndexJobError(f"cannot start the document indexer ({exc})") from exc
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    stderr: collections.deque[str] = collections.deque(maxlen=10)
    finished = threading.Event()
    killed = threading.Event()
    threading.Thread(target=_drain, args=(proc.stderr, stderr), daemon=True).start()
    watcher = threading.Thread(
        target=_watch_cancel, args=(proc, cancel, finished, killed), daemon=True
    )
    report: IndexReport | None = None
    try:
        proc.stdin.write(json.dumps(request).encode() + b"\n")
        proc.stdin.flush()
        watcher.start()
        for raw in proc.stdout:
            try:
                message = json.loads(raw)
            except ValueError:
                continue  # a library printing on stdout; not ours
            if not isinstance(message, dict):
                continue
            if message.get("op") == "progress" and progress is not None:
                progress(IndexProgress(
                    int(message["done"]), int(message["total"]), str(message["current"])
                ))  # fmt: skip
            elif message.get("op") == "report":
                fields = {k: v for k, v in message.items() if k != "op"}
                report = IndexReport(**fields)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("document indexer output broken: %s", exc)
        proc.kill()
    finally:
        finished.set()
        with contextlib.suppress(OSError):
            proc.stdin.close()
        returncode = proc.wait()
        proc.stdout.close()
    if killed.is_set():
        # Stopped on purpose: the file it was on did not crash anything.
        DocIndex(db_path).clear_extracting_mark()
        return IndexReport(cancelled=True), ""
    if report is not None and returncode == 0:
        return report, ""
    how = describe_exit(returncode)
    return None, f"{how}: {stderr[-1]}" if stderr else how


def _drain(stream: IO[bytes], lines: collections.deque[str]) -> None:
    with contextlib.suppress(OSError, ValueError):
        for raw in iter(stream.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip()
            if line:
                lines.append(line)
    with contextlib.suppress(OSError):
        stream.close()


def _watch_cancel(
    proc: subprocess.Popen[bytes], cancel: threading.Event | None,
    finished: threading.Event, killed: threading.Event,
) -> None:
    """Pass a cancel on to the child; kill it if it does not stop in time."""
    if cancel is None:
        return
    while not finished.is_set():
        if cancel.wait(0.1):
            break
    if finished.is_set():
        return
    assert proc.stdin is not None
    with contextlib.suppress(OSError, ValueError):
        proc.stdin.write(b"cancel\n")
        proc.stdin.flush()
    if not finished.wait(CANCEL_GRACE_S):
        killed.set()
        proc.kill()


# -- the child -------------------------------------------------------------------
def _emit(obj: dict[str, Any], lock: threading.Lock) -> None:
    with lock:
        sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
        sys.stdout.flush()


def main() -> int:
    """The child: read the request, update the index, stream progress and the report."""
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")  # fmt: skip
    request = json.loads(sys.stdin.readline())
    sources = [
        DocSource(s["kind"], Path(s["folder"]), s["label"]) for s in request["sources"]
    ]
    cancel = threading.Event()
    lock = threading.Lock()

    def read_commands() -> None:
        for line in sys.stdin:
            if line.strip() == "cancel":
                break
        cancel.set()  # "cancel", or the parent went away

    threading.Thread(target=read_commands, daemon=True).start()

    def progress(p: IndexProgress) -> None:
        _emit({"op": "progress", **asdict(p)}, lock)

    report = DocIndex(Path(request["db"])).update(
        sources, max_bytes=int(request["max_bytes"]), progress=progress, cancel=cancel
    )
    _emit({"op": "report", **asdict(report)}, lock)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
