"""Keeping the document index up to date in the background, and saying how far it got.

When runs start:

* once after the window is shown (:meth:`DocsIndexer.start`);
* when the effective settings that decide the documents change (``docs.*``,
  ``updates.doc_packs``, the model store that holds the packs);
* when the document sources themselves change: a pack installed or updated by
  ``genba update``, a folder appearing. A short-lived thread compares
  :func:`engine.docs.sources.document_sources` with the last run's every
  :data:`CHECK_MS` (it reads a few small pointer files; never on the GUI thread);
* every :data:`RESCAN_S` anyway, for documents edited inside the same folders.

One run at a time; a request while one runs is kept and started when it ends.
The update itself runs in a child process (:mod:`engine.docs.index_job`), so
a PDF that crashes the extractor can never take the window down; this object
waits for it on a daemon thread and hands progress and the result to the GUI
thread through queued signals. Closing the window cancels the run.

Everything the operator sees is built by :class:`~desktop.docs_status.DocsStatus`
from :attr:`DocsIndexer.progressed`, :attr:`DocsIndexer.finished` and
:attr:`DocsIndexer.failed`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from engine.docs.model import DocSource, DocumentStatus, IndexProgress, IndexReport
from engine.paths import Paths
from engine.settings import Settings
from PySide6.QtCore import QObject, Qt, QTimer, Signal

log = logging.getLogger(__name__)

CHECK_MS = 60_000
"""How often the document sources are compared with the last run's (pack installed, folder back)."""

RESCAN_S = 15 * 60
"""How often the same sources are updated anyway, for documents edited, added or removed in
their folders (an unchanged file costs one stat: the update is incremental)."""

WATCHED_KEYS = (
    "docs.folders",
    "docs.allow_personal",
    "docs.personal_folders",
    "docs.max_file_mb",
    "updates.doc_packs",
    "model.store",
)
"""The settings whose change means another set of documents (or another size limit)."""

Runner = Callable[..., IndexReport]
"""``runner(paths, sources, max_bytes=, progress=, cancel=) -> IndexReport``."""


@dataclass(frozen=True)
class IndexOutcome:
    """What a finished run leaves for the status line: totals and every skipped document."""

    report: IndexReport
    documents: list[DocumentStatus] = field(default_factory=list)
    sources: list[DocSource] = field(default_factory=list)
    """The sources this run indexed (the periodic check compares with them)."""
    unreachable: list[DocSource] = field(default_factory=list)
    """Sources whose folder was not there (a share not connected, renamed, deleted)."""

    @property
    def indexed(self) -> int:
        """Documents in the index."""
        return sum(1 for d in self.documents if d.state == "indexed")

    @property
    def skipped(self) -> list[DocumentStatus]:
        """Documents not in the index, each with its reason."""
        return [d for d in self.documents if d.state == "skipped"]


def run_in_child(
    paths: Paths,
    sources: Sequence[DocSource],
    *,
    max_bytes: int,
    progress: Callable[[IndexProgress], None],
    cancel: threading.Event,
) -> IndexReport:
    """The real runner: the index update in a child process (:mod:`engine.docs.index_job`)."""
    from engine.docs.index_job import run_index_job

    return run_index_job(
        paths.docs_index_db, list(sources), max_bytes=max_bytes, progress=progress, cancel=cancel
    )


def document_statuses(paths: Paths) -> list[DocumentStatus]:
    """Every document the index knows, indexed or skipped (read-only, on the caller's thread)."""
    if not paths.docs_index_db.exists():
        return []
    from engine.docs.index import DocIndex

    return DocIndex(paths.docs_index_db).status()


class _Courier(QObject):
    """Carries a run's news from its thread to the GUI thread (queued connections)."""

    progressed = Signal(object)  # IndexProgress
    finished = Signal(object)  # IndexOutcome
    failed = Signal(str)  # the error, in English (logged; the line says "ask IT")
    sources_read = Signal(object)  # list[DocSource], from a check


class DocsIndexer(QObject):
    """Runs index updates off the GUI thread; reports progress and the outcome by signals."""

    progressed = Signal(object)  # IndexProgress
    finished = Signal(object)  # IndexOutcome
    failed = Signal(str)
    started = Signal()

    def __init__(
        self,
        paths: Paths,
        parent: QObject | None = None,
        *,
        runner: Runner = run_in_child,
        check_ms: int = CHECK_MS,
        rescan_s: float = RESCAN_S,
    ) -> None:
        super().__init__(parent)
        self._paths = paths
        self._runner = runner
        self._settings: Settings | None = None
        self._watched: tuple[object, ...] | None = None
        self._last_sources: list[DocSource] | None = None
        self._rescan_s = rescan_s
        self._last_run_at = 0.0  # time.monotonic() when the last run ended
        self._thread: threading.Thread | None = None
        self._cancel = threading.Event()
        self._pending = False
        self._checking = False
        self._started = False
        self._stopped = False
        self.last: IndexOutcome | None = None
        self._courier = _Courier(self)
        queued = Qt.ConnectionType.QueuedConnection
        self._courier.progressed.connect(self._on_progressed, queued)
        self._courier.finished.connect(self._on_finished, queued)
        self._courier.failed.connect(self._on_failed, queued)
        self._courier.sources_read.connect(self._on_sources_read, queued)
        self._check_timer = QTimer(self)
        self._check_timer.setInterval(check_ms)
        self._check_timer.timeout.connect(self.check_sources)

    @property
    def running(self) -> bool:
        """True while an update runs."""
        return self._thread is not None

    # -- triggers ------------------------------------------------------------------
    def start(self) -> None:
        """The first run (the window is on screen), then the periodic source check."""
        if self._started or self._stopped:
            return
        self._started = True
        self._check_timer.start()
        self.request()

    def apply_settings(self, settings: Settings) -> None:
        """New effective settings: re-index when the ones that pick the documents changed."""
        self._settings = settings
        watched = tuple(settings.get(key) for key in WATCHED_KEYS)
        changed = self._watched is not None and watched != self._watched
        self._watched = watched
        if changed and self._started:
            self.request()

    def request(self) -> None:
        """Run an update now, or right after the one running."""
        if self._stopped or self._settings is None:
            return
        if self.running:
            self._pending = True
            return
        self._pending = False
        self._cancel = threading.Event()
        settings, cancel = self._settings, self._cancel
        self._thread = threading.Thread(
            target=self._run, args=(settings, cancel), name="genba-docs-index", daemon=True
        )
        self.started.emit()
        self._thread.start()

    def check_sources(self) -> None:
        """Compare the document sources with the last run's, on a short-lived thread."""
        if self._stopped or self._checking or self.running or self._settings is None:
            return
        self._checking = True
        settings = self._settings
        threading.Thread(
            target=self._read_sources, args=(settings,), name="genba-docs-check", daemon=True
        ).start()

    # -- threads ---------------------------------------------------------------------
    def _sources(self, settings: Settings) -> list[DocSource]:
        from engine.docs.sources import document_sources

        return list(document_sources(settings, self._paths))

    def _read_sources(self, settings: Settings) -> None:
        try:
            self._courier.sources_read.emit(self._sources(settings))
        except Exception as exc:  # a check must never stop the window
            log.warning("document sources could not be read: %s", exc)
            self._courier.sources_read.emit(None)

    def _run(self, settings: Settings, cancel: threading.Event) -> None:
        courier = self._courier
        try:
            sources = self._sources(settings)
            if not sources and not self._paths.docs_index_db.exists():
                # No documents set up and none ever indexed: no child process to start.
                courier.finished.emit(IndexOutcome(IndexReport()))
                return
            report = self._runner(
                self._paths,
                sources,
                max_bytes=settings.get_int("docs.max_file_mb") * 1024 * 1024,
                progress=courier.progressed.emit,
                cancel=cancel,
            )
            from engine.docs.sources import missing_folders

            outcome = IndexOutcome(
                report, document_statuses(self._paths), sources, missing_folders(sources)
            )
        except Exception as exc:  # reported as one line; the window goes on without documents
            log.warning("the document index could not be updated: %s", exc, exc_info=True)
            courier.failed.emit(str(exc) or type(exc).__name__)
            return
        courier.finished.emit(outcome)

    # -- on the GUI thread ----------------------------------------------------------------
    def _on_progressed(self, progress: IndexProgress) -> None:
        if not self._stopped:
            self.progressed.emit(progress)

    def _on_finished(self, outcome: IndexOutcome) -> None:
        self._thread = None
        if self._stopped:
            return
        self.last = outcome
        self._last_sources = outcome.sources
        self._last_run_at = time.monotonic()
        self.finished.emit(outcome)
        self._after_run()

    def _on_failed(self, message: str) -> None:
        self._thread = None
        if self._stopped:
            return
        self.failed.emit(message)
        self._after_run()

    def _after_run(self) -> None:
        if self._pending:
            self.request()

    def _on_sources_read(self, sources: list[DocSource] | None) -> None:
        self._checking = False
        if self._stopped or sources is None or self.running:
            return
        if self._last_sources is not None and sources != self._last_sources:
            log.info("document sources changed: updating the index")
            self.request()
        elif sources and time.monotonic() - self._last_run_at >= self._rescan_s:
            self.request()  # files edited, added or removed inside the same folders

    def stop(self) -> None:
        """Cancel a running update (the child is ended by the runner) and stop checking."""
        self._stopped = True
        self._check_timer.stop()
        self._cancel.set()
