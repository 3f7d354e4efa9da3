"""First-run fixes: import a GGUF file or folder, or build the default model, off the GUI thread.

Each task runs on the engine's worker thread (model work is serialised) and
reports progress to the first-run page; when it succeeds the engine is loaded
again. An imported file is copied into the model store by
``engine.model_store`` when that module offers an import function; otherwise
by :func:`desktop.engine_worker.copy_model_file`, after which the operator's
``model.path`` setting names the copy.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.errors import ModelNotFoundError, ModelStoreError
from engine.paths import Paths
from engine.settings import save_user_setting
from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFileDialog

from desktop.engine_worker import copy_model_file

if TYPE_CHECKING:
    from desktop.main_window import MainWindow

Progress = Callable[[float], None]


def find_gguf(folder: Path) -> Path:
    """The model file in ``folder``: the largest ``*.gguf`` (split shards are not supported)."""
    files = sorted(folder.glob("*.gguf"), key=lambda p: p.stat().st_size, reverse=True)
    if not files:
        raise ModelNotFoundError(
            f"No .gguf model file was found in {folder}. Choose the folder that holds the "
            "model file, or import the file itself."
        )
    return files[0]


def import_model(paths: Paths, source: Path, progress: Progress) -> Path:
    """Put ``source`` into the model store and make it the operator's model."""
    if source.is_dir():
        source = find_gguf(source)
    store = _optional("engine.model_store")
    importer = getattr(store, "import_model", None) or getattr(store, "import_file", None)
    if importer is not None:
        target = Path(importer(paths, source))
    else:
        target = copy_model_file(source, paths.models_dir, progress)
    save_user_setting(paths, "model.path", str(target))
    return target


def build_default(paths: Paths, progress: Progress) -> Path:
    """Build the built-in default model (minutes of CPU work)."""
    module = _optional("engine.default_model")
    ensure = getattr(module, "ensure_default_model", None)
    if ensure is None:
        raise ModelStoreError(
            "Building the default model is not available in this build. Import a model "
            "file instead, or run `genba models build-default` in a terminal."
        )

    def report(*args: Any) -> None:
        fractions = [a for a in args if isinstance(a, int | float)]
        if fractions:
            progress(float(fractions[-1]))

    return Path(ensure(paths, report))


def _optional(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:
            raise
        return None


class ModelTasks(QObject):
    """Runs the first-run tasks for one window and reloads the engine when they succeed."""

    def __init__(self, window: MainWindow, paths: Paths) -> None:
        super().__init__(window)
        self.window = window
        self.paths = paths
        window.client.worker.task_progressed.connect(self.on_task_progressed)
        window.client.worker.task_finished.connect(self.on_task_finished)

    def ask_import_file(self) -> None:
        """Let the operator pick a GGUF file, then import it."""
        path, _ = QFileDialog.getOpenFileName(
            self.window,
            self.tr("Import model file"),
            str(Path.home()),
            self.tr("GGUF model (*.gguf)"),
        )
        if path:
            self.import_path(Path(path))

    def ask_import_folder(self) -> None:
        """Let the operator pick a folder holding a GGUF file, then import it."""
        path = QFileDialog.getExistingDirectory(
            self.window, self.tr("Import model from folder"), str(Path.home())
        )
        if path:
            self.import_path(Path(path))

    def import_path(self, source: Path) -> None:
        """Import ``source`` (file or folder) on the worker thread."""
        self.window.first_run.set_busy(True, self.tr("Importing {name}…").format(name=source.name))
        self.window.client.run_task("import", lambda p: import_model(self.paths, source, p))

    def build_default(self) -> None:
        """Build the default model on the worker thread."""
        self.window.first_run.set_busy(True, self.tr("Building the default model…"))
        self.window.client.run_task("build", lambda p: build_default(self.paths, p))

    def on_task_progressed(self, _what: str, fraction: float) -> None:
        """Move the progress bar."""
        self.window.first_run.set_progress(fraction)

    def on_task_finished(self, _what: str, error: str) -> None:
        """Reload the engine on success; show the error on the first-run page otherwise."""
        if error:
            self.window.first_run.set_busy(False)
            self.window.first_run.set_problem(error)
            return
        self.window.apply_settings(self.window.watcher.poll() or self.window.settings)
        self.window.show_loading()
        self.window.client.load()
