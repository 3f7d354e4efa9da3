"""The updater's configuration: typed, frozen, built once from genba's effective settings.

``genba update`` receives ``args.genba_settings`` (dotted keys) and ``args.genba_paths``
(a :class:`disk.paths.Paths`, the engine's own folders) from the engine's CLI;
:meth:`UpdateConfig.from_settings` turns them into this object, with defaults for
any setting missing, so the updater never reads settings files itself.
The one environment variable it honours is ``GENBA_OFFLINE``, parsed by the shared
:func:`disk.env.offline_forced_by_env` (the engine's parser too) and read here and
nowhere else in the updater: the settings layer
reports the *policy* value of ``network.offline``, and an updater started by the GUI or
the CLI must not miss the environment's offline switch.

The network state follows the engine's one rule (``engine.remote.network.NetworkConfig``; the
updater may not import it, so both are tested against one table of inputs in
``tests/network_cases.py``): offline when ``network.offline`` is anything but ``False``
(``True``, or a value that is not a boolean: fail closed) or ``GENBA_OFFLINE`` forces it;
the proxy is ``network.proxy``, the extra CA bundle ``fallback.ca_bundle``. The engine's
CLI and the window hand over the engine's *effective* offline state in
``network.offline``, so a broken value the settings layer dropped still counts.

Which model store it installs into — the user's or the machine-wide one — is policy's
``model.store``, decided by the one rule the engine uses too, :func:`disk.store.active_store`.
The machine store keeps its own update state (``Paths.machine_update_dir``) so the update
service and every operator's window read the same last check.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from disk.env import offline_forced_by_env
from disk.paths import Paths
from disk.store import KEY as STORE_KEY
from disk.store import ModelStore, active_store

#: Where a source checkout or an installed app keeps the built-in trusted root.
_ASSET_ROOT = Path("assets") / "tuf" / "root.json"


def builtin_trusted_root() -> Path:
    """The root.json shipped with genba (PyInstaller bundle or source checkout)."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / _ASSET_ROOT
    return Path(__file__).resolve().parent.parent / _ASSET_ROOT


def _offline_setting(settings: Mapping[str, object]) -> bool:
    """``network.offline`` as the engine reads it: only ``False`` (or no key) means online."""
    return settings.get("network.offline", False) is not False


@dataclass(frozen=True)
class UpdateConfig:
    """Everything the update client needs; see docs/updates.md for each field."""

    repository_url: str
    trusted_root: Path
    models_dir: Path
    update_dir: Path
    pointer: Path
    enabled: bool = True
    offline: bool = False
    proxy: str = ""
    ca_bundle: str = ""
    check_interval_h: float = 24.0
    window: str = ""
    auto_apply: bool = True
    allow_offline_bundles: bool = True
    site_pack: str = ""
    """The site pack this PC follows (``updates.site_pack``); empty: the full model."""
    site_pack_fallback: str = "full"
    """``full``: follow the full model while the pack is not published; ``none``: stay put."""
    store: ModelStore | None = None
    """The active store (None: a config built by hand, the folders above are the user's)."""
    doc_packs: tuple[str, ...] = ()
    """The document packs this PC follows (``updates.doc_packs``)."""

    def read_only_store(self) -> str | None:
        """Why this process may not write the active store, or None when it may.

        Only the machine-wide store can be read-only: an operator's process never
        writes it, the update service (root or a service account) does.
        """
        if self.store is None or self.store.kind != "machine" or self.store.writable():
            return None
        return self.store.read_only_message("Updating the model")

    @property
    def docpacks_dir(self) -> Path:
        """Where document packs are installed: beside the active store's models folder."""
        return self.store.docpacks_dir if self.store else self.models_dir.parent / "docpacks"

    @property
    def metadata_dir(self) -> Path:
        """TUF's trusted-metadata cache (guarded by :attr:`lock_file`)."""
        return self.update_dir / "tuf"

    @property
    def download_dir(self) -> Path:
        """Downloaded targets (diffs, manifests, release index)."""
        return self.update_dir / "downloads"

    @property
    def lock_file(self) -> Path:
        """The lock that lets only one process update at a time."""
        return self.update_dir / "update.lock"

    @property
    def state_file(self) -> Path:
        """Last check result and the version the operator rolled back from."""
        return self.update_dir / "state.json"

    @classmethod
    def from_settings(
        cls,
        settings: Mapping[str, object],
        paths: Paths,
        environ: Mapping[str, str] | None = None,
    ) -> UpdateConfig:
        """Build from genba's effective settings (missing keys get defaults) and folders."""
        env_offline = offline_forced_by_env(environ)
        root = str(settings.get("updates.trusted_root") or "")
        store = active_store(settings.get(STORE_KEY), paths)
        return cls(
            repository_url=str(settings.get("updates.repository_url") or ""),
            trusted_root=Path(root) if root else builtin_trusted_root(),
            models_dir=store.models_dir,
            update_dir=store.update_dir,
            pointer=store.pointer,
            enabled=bool(settings.get("updates.enabled", True)),
            offline=_offline_setting(settings) or env_offline,
            proxy=str(settings.get("network.proxy") or ""),
            ca_bundle=str(settings.get("fallback.ca_bundle") or ""),
            check_interval_h=float(str(settings.get("updates.check_interval_h", 24))),
            window=str(settings.get("updates.window") or ""),
            auto_apply=bool(settings.get("updates.auto_apply", True)),
            allow_offline_bundles=bool(settings.get("updates.allow_offline_bundles", True)),
            site_pack=str(settings.get("updates.site_pack") or "").strip(),
            site_pack_fallback=str(settings.get("updates.site_pack_fallback") or "full"),
            store=store,
            doc_packs=_names(settings.get("updates.doc_packs")),
        )


def _names(value: object) -> tuple[str, ...]:
    """The pack names of a ``texts`` setting, stripped, blanks and repeats dropped."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)):
        return ()
    names = (str(v).strip() for v in value)
    return tuple(dict.fromkeys(n for n in names if n))
