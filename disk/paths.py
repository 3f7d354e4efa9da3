"""Where genba keeps its files: every folder, for the engine, the updater and the window alike.

User data (model store, history, logs, metrics) and user settings come from
platformdirs. The machine data folder (``/var/lib/genba`` on Linux and macOS,
``%ProgramData%\\genba`` on Windows) holds the machine-wide model store that the
update service writes and every operator reads; like the policy folder it
cannot be moved by an environment variable. Which store is active is decided
by policy, in one place: :mod:`disk.store`. The policy folder is fixed per OS
(``/etc/genba`` on Linux and macOS, ``%ProgramData%\\genba`` on Windows) and
deliberately *cannot* be moved by an environment variable: that would let an
operator bypass the administrator's policy. Tests build a :class:`Paths` with their
own folders instead.

It lives in the leaf package so that the updater takes the same :class:`Paths` as the
engine (and so the same default data folder) instead of a dict of strings.

Environment variable read here, and nowhere else:

``GENBA_HOME``
    Put all *user* folders (data, config, logs, cache) under this one folder.
    Used by portable installs and by tests; never affects the policy folder or the
    machine data folder.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

from disk.pointer import POINTER_NAME

APP_NAME = "genba"


def _system_policy_dir() -> Path:
    if sys.platform == "win32":
        program_data = os.environ.get("PROGRAMDATA") or r"C:\ProgramData"
        return Path(program_data) / APP_NAME
    return Path("/etc") / APP_NAME


def _system_machine_dir() -> Path:
    """The machine-wide data folder (model store and its updater state)."""
    if sys.platform == "win32":
        program_data = os.environ.get("PROGRAMDATA") or r"C:\ProgramData"
        return Path(program_data) / APP_NAME
    return Path("/var/lib") / APP_NAME


@dataclass(frozen=True)
class Paths:
    """Every folder genba reads or writes. Build with :meth:`default` or pass your own."""

    data_dir: Path
    config_dir: Path
    log_dir: Path
    cache_dir: Path
    policy_dir: Path
    machine_dir: Path = field(default_factory=_system_machine_dir)
    """Machine-wide data (never under ``GENBA_HOME``: it is the administrator's)."""

    @classmethod
    def default(cls, environ: Mapping[str, str] | None = None) -> Paths:
        """The folders for this user on this machine."""
        env = os.environ if environ is None else environ
        home = env.get("GENBA_HOME")
        if home:
            root = Path(home)
            return cls(
                data_dir=root / "data",
                config_dir=root / "config",
                log_dir=root / "logs",
                cache_dir=root / "cache",
                policy_dir=_system_policy_dir(),
                machine_dir=_system_machine_dir(),
            )
        return cls(
            data_dir=Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
            config_dir=Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
            log_dir=Path(platformdirs.user_log_dir(APP_NAME, appauthor=False)),
            cache_dir=Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False)),
            policy_dir=_system_policy_dir(),
            machine_dir=_system_machine_dir(),
        )

    @classmethod
    def under(cls, root: Path) -> Paths:
        """All folders, policy included, below ``root`` (for tests and portable use)."""
        return cls(
            data_dir=root / "data",
            config_dir=root / "config",
            log_dir=root / "logs",
            cache_dir=root / "cache",
            policy_dir=root / "policy",
            machine_dir=root / "machine",
        )

    # -- derived locations -------------------------------------------------
    @property
    def models_dir(self) -> Path:
        """The user's model store: model files and the current-model pointer.

        Whether the engine and the updater use it or :attr:`machine_models_dir`
        is decided by :func:`disk.store.active_store`, never here.
        """
        return self.data_dir / "models"

    @property
    def machine_models_dir(self) -> Path:
        """The machine-wide model store (written only by the update service)."""
        return self.machine_dir / "models"

    @property
    def machine_update_dir(self) -> Path:
        """The update service's TUF metadata, downloads, lock and state."""
        return self.machine_dir / "updates"

    @property
    def current_model_pointer(self) -> Path:
        """JSON file naming the active model file and its sha256 (written by the updater)."""
        return self.models_dir / POINTER_NAME

    @property
    def default_model_path(self) -> Path:
        """Where the built-in default MoE model is built on first use."""
        return self.models_dir / "genba-smollm2-moe.gguf"

    @property
    def user_settings_file(self) -> Path:
        """The operator's own settings (TOML, written atomically by the app)."""
        return self.config_dir / "settings.toml"

    @property
    def policy_file(self) -> Path:
        """The administrator's main policy file."""
        return self.policy_dir / "policy.toml"

    @property
    def policy_dropin_dir(self) -> Path:
        """Folder of extra policy files, applied in name order (later wins)."""
        return self.policy_dir / "policy.d"

    @property
    def history_db(self) -> Path:
        """The operator's conversation history (SQLite)."""
        return self.data_dir / "history.sqlite3"

    @property
    def expert_load_db(self) -> Path:
        """Expert-load statistics per model version (SQLite; counts only, never text)."""
        return self.data_dir / "expert-load.sqlite3"

    @property
    def docs_index_db(self) -> Path:
        """The operator's index of site documents (SQLite FTS5; rebuilt from the documents)."""
        return self.data_dir / "docs-index.sqlite3"

    @property
    def update_dir(self) -> Path:
        """The updater's TUF metadata and download folder."""
        return self.data_dir / "updates"

    @property
    def cpu_backend_file(self) -> Path:
        """The CPU backend variant chosen by self-test for this machine (JSON, a cache)."""
        return self.cache_dir / "llama-cpu.json"

    @property
    def verified_models_file(self) -> Path:
        """Model files whose sha256 was checked against the current-model pointer (a cache)."""
        return self.cache_dir / "verified-models.json"

    @property
    def safe_experts_file(self) -> Path:
        """The largest N each model runs at with this llama.cpp build (JSON, a cache)."""
        return self.cache_dir / "safe-experts.json"

    @property
    def log_file(self) -> Path:
        """The rotating log file."""
        return self.log_dir / "genba.log"
