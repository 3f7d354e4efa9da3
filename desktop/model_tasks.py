"""First-run fixes: import a GGUF file or folder, or build the default model, off the GUI thread.

Each task runs on the engine's worker thread (model work is serialised) and
reports progress to the first-run page; when it succeeds,
:attr:`ModelTasks.model_installed` tells the window to re-read the settings and
load the engine again. An imported file is validated and copied into the model store by
:func:`engine.models.store.import_model`; the operator's ``model.path`` setting
then names the copy.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from engine.error_codes import ErrorMessage
from engine.errors import ModelNotFoundError
from engine.paths import Paths
from engine.settings import save_user_setting
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QWidget

from desktop.engine_worker import EngineClient
from desktop.first_run import FirstRunPage

Progress = Callable[[float], None]


def find_gguf(folder: Path) -> Path:
    """The model file in ``folder``: the largest ``*.gguf`` (split shards are not supported)."""
    files = sorted(folder.glob("*.gguf"), key=lambda p: p.stat().st_size, reverse=True)
    if not files:
        raise ModelNotFoundError.of("model.none_in_folder", folder=str(folder))
    return files[0]


def import_model(paths: Paths, source: Path, progress: Progress) -> Path:
    """Put ``source`` into the model store (validated, atomic) and make it the operator's model."""
    from engine.models import store as model_store
    from engine.settings import load_settings

    if source.is_dir():
        source = find_gguf(source)
    stored = model_store.import_model(
        paths, source, lambda _stage, fraction: progress(fraction), settings=load_settings(paths)
    )
    save_user_setting(paths, "model.path", str(stored.path))
    return stored.path


def build_default(paths: Paths, progress: Progress) -> Path:
    """Build the built-in default model (about a minute of CPU work, plus a download once)."""
    from engine.models.default_model import ensure_default_model

    return ensure_default_model(paths, lambda _stage, fraction: progress(fraction))


class ModelTasks(QObject):
    """Runs the first-run tasks of one window; reports success by :attr:`model_installed`."""

    model_installed = Signal()  # the model store and the operator's settings have changed

    def __init__(
        self, parent: QWidget, paths: Paths, client: EngineClient, first_run: FirstRunPage
    ) -> None:
        super().__init__(parent)
        self._parent = parent  # the file dialogs' parent
        self.paths = paths
        self._client, self._first_run = client, first_run
        client.worker.task_progressed.connect(self.on_task_progressed)
        client.worker.task_finished.connect(self.on_task_finished)
        first_run.import_file_requested.connect(self.ask_import_file)
        first_run.import_folder_requested.connect(self.ask_import_folder)
        first_run.build_default_requested.connect(self.build_default)

    def ask_import_file(self) -> None:
        """Let the operator pick a GGUF file, then import it."""
        path, _ = QFileDialog.getOpenFileName(
            self._parent,
            self.tr("Import model file"),
            str(Path.home()),
            self.tr("GGUF model (*.gguf)"),
        )
        if path:
            self.import_path(Path(path))

    def ask_import_folder(self) -> None:
        """Let the operator pick a folder holding a GGUF file, then import it."""
        path = QFileDialog.getExistingDirectory(
            self._parent, self.tr("Import model from folder"), str(Path.home())
        )
        if path:
            self.import_path(Path(path))

    def import_path(self, source: Path) -> None:
        """Import ``source`` (file or folder) on the worker thread."""
        self._first_run.set_busy(True, self.tr("Importing {name}…").format(name=source.name))
        self._client.run_task("import", lambda p: import_model(self.paths, source, p))

    def build_default(self) -> None:
        """Build the default model on the worker thread."""
        self._first_run.set_busy(True, self.tr("Building the default model…"))
        self._client.run_task("build", lambda p: build_default(self.paths, p))

    def on_task_progressed(self, _what: str, fraction: float) -> None:
        """Move the progress bar."""
        self._first_run.set_progress(fraction)

    def on_task_finished(self, _what: str, error: ErrorMessage | None) -> None:
        """Report success; show the error on the first-run page otherwise."""
        if error:
            self._first_run.set_busy(False)
            self._first_run.set_problem(error)
            return
        self.model_installed.emit()
