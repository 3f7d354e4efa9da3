"""Which model store is active: the one rule, shared by the engine, the updater and the window.

Two stores exist (:class:`disk.paths.Paths`): the operator's own
(``Paths.models_dir``) and the machine-wide one (``Paths.machine_models_dir``),
which the update service writes and every operator only reads. The policy key
``model.store`` picks one: ``"machine"`` means the machine store; anything else
(``"user"``, the default, or no key at all) means the user store. The engine
reads the current-model pointer of the active store; ``genba update`` installs
into it (and keeps its TUF state next to it). Operators' own imports always go
to the user store (``Paths.models_dir``), whichever store is active.

It lives in the leaf package because the engine and the updater may not import
each other, and both must choose the same folder from the same setting.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from disk.paths import Paths
from disk.pointer import POINTER_NAME

KEY = "model.store"
"""The policy key that picks the store."""

StoreKind = Literal["user", "machine"]


@dataclass(frozen=True)
class ModelStore:
    """The active model store: which one, its folders, and why it was chosen."""

    kind: StoreKind
    models_dir: Path
    update_dir: Path
    why: str

    @property
    def pointer(self) -> Path:
        """The current-model pointer of this store."""
        return self.models_dir / POINTER_NAME

    @property
    def docpacks_dir(self) -> Path:
        """Document packs installed with this store (:mod:`disk.doc_packs`), beside its models."""
        return self.models_dir.parent / "docpacks"

    def writable(self) -> bool:
        """True when this process may write the store (create it if its parent allows).

        The machine store is read-only for operators: only the update service
        (root or a service account) can write it.
        """
        folder = self.models_dir
        while not folder.exists():
            if folder.parent == folder:
                return False
            folder = folder.parent
        # Never a probe write: the engine (doctor) asks too, and it must not write here. On
        # Windows os.access ignores ACLs, so there the store's ACL refuses the first write.
        return os.access(folder, os.W_OK | os.X_OK)

    def read_only_message(self, action: str) -> str:
        """One line telling an operator why ``action`` cannot write here and what to do."""
        return (
            f"{action} needs to write the machine-wide model store {self.models_dir}, which "
            "this account cannot write; the genba update service does that (run it as root "
            "or the service account, e.g. `systemctl start genba-update`)."
        )


def active_store(store_setting: object, paths: Paths) -> ModelStore:
    """The store ``model.store`` = ``store_setting`` selects, in ``paths``' folders."""
    if store_setting == "machine":
        return ModelStore(
            "machine", paths.machine_models_dir, paths.machine_update_dir,
            f'policy sets {KEY} = "machine"',
        )  # fmt: skip
    why = f'{KEY} = "user" (the default)' if store_setting in (None, "user") else (
        f"{KEY} = {store_setting!r} is not a store; using the user's"
    )
    return ModelStore("user", paths.models_dir, paths.update_dir, why)


def store_holding(path: Path, paths: Paths) -> StoreKind | None:
    """Which model store ``path`` lies in (either store, active or not), or None.

    A file in a store is verified by its sha256 there, so tools that rewrite GGUF
    files (``genba models set-range``) refuse files in *any* store, not only the active one.
    """
    resolved = path.resolve()
    for kind, folder in (("user", paths.models_dir), ("machine", paths.machine_models_dir)):
        if resolved.is_relative_to(folder.resolve()):
            return kind  # type: ignore[return-value]
    return None
