"""Which folders the document index reads, and where each comes from.

In this order (a file reachable from two sources is indexed once, under the first):

1. policy ``docs.folders``: the site's folders (local or mounted shares);
2. the installed document packs named in policy ``updates.doc_packs``, from the active model
   store (:func:`engine.models.current.model_store`, :mod:`disk.doc_packs`);
3. the operator's ``docs.personal_folders``, only when ``docs.allow_personal`` is on.

A folder that does not exist (a share not mounted) is still returned, so the status can say
so (:func:`missing_folders`); the index treats it as empty and its documents are removed.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from disk.doc_packs import installed_doc_packs
from disk.paths import Paths

from engine.docs.model import DocSource, SourceKind
from engine.models.current import model_store

if TYPE_CHECKING:
    from engine.settings import Settings


def _texts(settings: Settings, key: str) -> list[str]:
    value = settings.get(key)
    if not isinstance(value, (list, tuple)):
        return []
    return [str(v).strip() for v in value if str(v).strip()]


def _folder(text: str) -> Path:
    return Path(os.path.expandvars(text)).expanduser().absolute()


def document_sources(settings: Settings, paths: Paths) -> list[DocSource]:
    """The document sources these settings name, policy first, without duplicates."""
    sources: list[DocSource] = []
    seen: set[Path] = set()

    def add(kind: SourceKind, folder: Path, label: str) -> None:
        if folder not in seen:
            seen.add(folder)
            sources.append(DocSource(kind, folder, label))

    for text in _texts(settings, "docs.folders"):
        add("policy", _folder(text), str(_folder(text)))
    wanted = _texts(settings, "updates.doc_packs")
    if wanted:
        store = model_store(paths, settings)
        installed = {p.name: p for p in installed_doc_packs(store.docpacks_dir)}
        for name in wanted:
            pack = installed.get(name)
            if pack is not None:
                add("pack", pack.folder, f"{pack.name} {pack.version}")
    if settings.get("docs.allow_personal") is True:
        for text in _texts(settings, "docs.personal_folders"):
            add("personal", _folder(text), str(_folder(text)))
    return sources


def missing_folders(sources: list[DocSource]) -> list[DocSource]:
    """The sources whose folder is not there (not mounted, renamed, deleted)."""
    return [s for s in sources if not s.folder.is_dir()]


def missing_packs(settings: Settings, paths: Paths) -> list[str]:
    """Names in ``updates.doc_packs`` with no installed version (yet) in the active store."""
    wanted = _texts(settings, "updates.doc_packs")
    if not wanted:
        return []
    installed = {p.name for p in installed_doc_packs(model_store(paths, settings).docpacks_dir)}
    return [name for name in wanted if name not in installed]
