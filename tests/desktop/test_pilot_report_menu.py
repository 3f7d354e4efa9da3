"""Help → Pilot report…: the CLI builds the report in a child process, the browser opens it.

Real window, real event loop, the real ``genba pilot report`` (``python -m engine.cli``);
only the browser is replaced: a ``file`` URL handler catches what would be opened.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QObject, QUrl, Slot
from PySide6.QtGui import QDesktopServices

from desktop.pilot_report import cli_command, report_dir
from engine.paths import Paths
from engine.settings import load_settings, save_user_setting


class _Browser(QObject):
    """Stands in for the browser: records the URLs the app asks to open."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[QUrl] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url)


@pytest.fixture
def browser() -> Iterator[_Browser]:
    catcher = _Browser()
    QDesktopServices.setUrlHandler("file", catcher, "open")
    yield catcher
    QDesktopServices.unsetUrlHandler("file")


def test_menu_builds_the_report_off_the_gui_thread_and_opens_it(
    make_window: Any, qtbot: Any, browser: _Browser, app_paths: Paths
) -> None:
    window = make_window(wait=False)
    action = window.actions_.pilot_report
    assert action in window.actions_.help_menu.actions()
    assert action.isEnabled() and action.text() == "&Pilot report…"
    with qtbot.waitSignal(window.pilot_report.opened, timeout=60_000) as opened:
        action.trigger()
        # the command runs in a child process: the menu says so while the loop keeps going
        assert not action.isEnabled() and "Building" in action.text()
    out = report_dir(app_paths)
    page = out / "report.html"
    expected = page if page.is_file() else out  # the HTML page once the report writes one
    assert browser.urls == [QUrl.fromLocalFile(str(expected))]
    assert opened.args == [QUrl.fromLocalFile(str(expected)).toString()]
    assert any(out.iterdir())  # the CLI wrote its files into the window's data folder
    assert action.isEnabled()
    assert not window.notice.isVisible()


def test_a_failing_report_is_one_line_and_nothing_opens(
    make_window: Any, qtbot: Any, browser: _Browser, app_paths: Paths
) -> None:
    window = make_window(wait=False)
    report_dir(app_paths).parent.mkdir(parents=True)
    report_dir(app_paths).write_text("a file where the folder should be")
    with qtbot.waitSignal(window.pilot_report.failed, timeout=60_000) as failed:
        window.actions_.pilot_report.trigger()
    message = failed.args[0]
    assert message.startswith("The pilot report could not be built: ")
    assert "\n" not in message and "Traceback" not in message
    assert not window.notice.isHidden() and window.notice.text() == message
    assert browser.urls == []
    assert window.actions_.pilot_report.isEnabled()


def test_with_metrics_off_the_item_says_why(make_window: Any, app_paths: Paths) -> None:
    save_user_setting(app_paths, "metrics.enabled", False)
    window = make_window(wait=False, settings=load_settings(app_paths))
    action = window.actions_.pilot_report
    assert not action.isEnabled()
    assert action.text() == "Pilot report (unavailable: metrics are turned off)"


def test_the_installed_build_runs_the_genba_program_beside_the_window(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "genba-desktop"))
    program, lead = cli_command()
    expected = "genba.exe" if sys.platform == "win32" else "genba"
    assert (Path(program), lead) == (tmp_path / expected, [])
    monkeypatch.setattr(sys, "frozen", False)
    assert cli_command()[1] == ["-m", "engine.cli"]
