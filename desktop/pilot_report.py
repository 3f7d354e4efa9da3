"""Help → Pilot report…: build ``genba pilot report`` off the GUI thread and open it in the browser.

The report is the CLI's (``engine/cli/pilot_cmd.py``), run as a child process by
:class:`~PySide6.QtCore.QProcess`, so the window never waits on the metrics
database or matplotlib: from source ``python -m engine.cli``, in the frozen build
the console program ``genba`` that sits beside ``genba-desktop`` (one PyInstaller
folder, ``installers/genba.spec``). It writes into ``<data>/pilot/report`` and the
window opens ``report.html`` there (the folder, if the report has no HTML page)
with :meth:`QDesktopServices.openUrl`. A failure is one line: the CLI's own last
line on stderr, or why it did not start.
"""

from __future__ import annotations

import sys
from pathlib import Path

from engine.paths import Paths
from PySide6.QtCore import QObject, QProcess, QProcessEnvironment, QUrl, Signal
from PySide6.QtGui import QDesktopServices

REPORT_PAGE = "report.html"


def report_dir(paths: Paths) -> Path:
    """Where the window's report is written (replaced on every run)."""
    return paths.data_dir / "pilot" / "report"


def cli_command() -> tuple[str, list[str]]:
    """The program and leading arguments that run the ``genba`` command line."""
    if getattr(sys, "frozen", False):
        exe = "genba.exe" if sys.platform == "win32" else "genba"
        return str(Path(sys.executable).with_name(exe)), []
    return sys.executable, ["-m", "engine.cli"]


class PilotReport(QObject):
    """Runs the report command once at a time; reports ``opened(url)`` or ``failed(line)``."""

    running_changed = Signal(bool)
    opened = Signal(str)
    failed = Signal(str)

    def __init__(self, paths: Paths, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.paths = paths
        self.out = report_dir(paths)
        self._process: QProcess | None = None

    @property
    def running(self) -> bool:
        """True while the report is being built."""
        return self._process is not None

    def start(self) -> None:
        """Build the report in a child process (a second request while it runs is ignored)."""
        if self._process is not None:
            return
        program, lead = cli_command()
        process = QProcess(self)
        process.setProgram(program)
        process.setArguments([*lead, "pilot", "report", "--out", str(self.out)])
        if self.paths.data_dir != Paths.default().data_dir:
            # A window on other folders (GENBA_HOME-style, e.g. a portable or test layout):
            # the command must read the metrics of *this* window's data folder.
            env = QProcessEnvironment.systemEnvironment()
            env.insert("GENBA_HOME", str(self.paths.data_dir.parent))
            process.setProcessEnvironment(env)
        process.finished.connect(self._finished)
        process.errorOccurred.connect(self._error)
        self._process = process
        self.running_changed.emit(True)
        process.start()

    def _done(self) -> QProcess | None:
        process, self._process = self._process, None
        if process is not None:
            process.deleteLater()
            self.running_changed.emit(False)
        return process

    def _error(self, error: QProcess.ProcessError) -> None:
        # Only a failed start ends here without `finished`; crashes and exit codes go there.
        if error != QProcess.ProcessError.FailedToStart or self._process is None:
            return
        program = self._process.program()
        self._done()
        self.failed.emit(self.tr("The report program could not be started ({program}).")
                         .format(program=program))

    def _finished(self, code: int, status: QProcess.ExitStatus) -> None:
        process = self._done()
        if process is None:
            return
        if status == QProcess.ExitStatus.NormalExit and code == 0:
            page = self.out / REPORT_PAGE
            url = QUrl.fromLocalFile(str(page if page.is_file() else self.out))
            QDesktopServices.openUrl(url)
            self.opened.emit(url.toString())
            return
        err = bytes(process.readAllStandardError().data()).decode("utf-8", "replace")
        lines = [line.strip() for line in err.splitlines() if line.strip()]
        detail = lines[-1] if lines else self.tr("exit code {code}").format(code=code)
        self.failed.emit(self.tr("The pilot report could not be built: {detail}")
                         .format(detail=detail))
