"""Which model version a file is: the key of its statistics.

The updater's current-model pointer already names the file's sha256 and version
(checked by the engine before use), so a model it installed is never hashed
again. Any other file (the built-in default, an imported or explicit one) is
hashed once and the hash is remembered per path, size and modification time in
the statistics database.
"""

from __future__ import annotations

from pathlib import Path

from disk.hashing import sha256_file

from engine.expert_load.store import ExpertLoadStore, ModelIdentity
from engine.models.current import read_current_model
from engine.models.info import ModelInfo


def identify(
    info: ModelInfo, store: ExpertLoadStore, pointer: Path | None, *, hash_file: bool = True
) -> ModelIdentity | None:
    """The identity of ``info``'s file (``OSError`` when it cannot be read).

    ``hash_file`` off: None rather than hashing a file not seen before (for a quick look,
    such as ``genba doctor``'s).
    """
    current = read_current_model(pointer) if pointer is not None else None
    if current is not None and _same_file(current.path, info.path):
        return ModelIdentity(current.sha256, info.name, current.version, info.expert_count)
    st = info.path.stat()
    sha = store.known_hash(info.path.resolve(), st.st_size, st.st_mtime_ns)
    if sha is None:
        if not hash_file:
            return None
        sha = sha256_file(info.path)
        store.remember_hash(info.path.resolve(), st.st_size, st.st_mtime_ns, sha)
    return ModelIdentity(sha, info.name, "", info.expert_count)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.samefile(b)
    except OSError:
        return False
