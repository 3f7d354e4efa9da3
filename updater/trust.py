"""The TUF session: refresh signed metadata and fetch targets, every byte verified.

This wraps ``tuf.ngclient.Updater`` and nothing else. TUF gives threshold signatures,
key rotation and protection against rollback, freeze, mix-and-match, endless-data and
fast-forward attacks; this module only maps its exceptions onto ours (bad content →
:class:`TrustError`, no stop-retry; network → :class:`NetworkError`) and adds a
resumable, size-bounded download for large targets (full models), which is verified
against the signed length and sha256 before the caller may use it.

The caller must hold the update lock while a :class:`TrustSession` exists: the TUF
metadata folder must not be touched by two processes at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from tuf.api import exceptions as tuf_exc
from tuf.api.metadata import TargetFile
from tuf.ngclient.updater import Updater

from updater.errors import (
    BadInputError,
    BundleIncompleteError,
    NetworkError,
    OfflineError,
    TrustError,
    UpdateError,
)
from updater.files import atomic_write_bytes, storage_error
from updater.transport import Transport

Progress = Callable[[int, int], None]


@contextmanager
def tuf_errors(what: str) -> Iterator[None]:
    """Translate tuf/OS exceptions raised while doing ``what`` into updater errors."""
    try:
        yield
    except UpdateError:
        raise
    except tuf_exc.DownloadLengthMismatchError as exc:
        raise TrustError(
            f"The server sent more data than the signed metadata allows while {what}; "
            "the download was stopped (possible endless-data attack). Nothing was changed."
        ) from exc
    except tuf_exc.DownloadError as exc:
        if isinstance(exc.__cause__, (OfflineError, BundleIncompleteError)):
            raise exc.__cause__ from None
        raise NetworkError(
            f"Could not download update data while {what} ({exc}). "
            "Check the network or proxy; genba will retry later."
        ) from exc
    except tuf_exc.RepositoryError as exc:
        raise TrustError(
            f"Update rejected: the signed metadata failed verification while {what} "
            f"({type(exc).__name__}: {exc}). Nothing installed was changed; "
            "tell your IT department if this persists."
        ) from exc
    except OSError as exc:
        raise storage_error(exc, what) from exc


def bootstrap_metadata_dir(metadata_dir: Path, trusted_root: Path) -> None:
    """Make sure the TUF cache has a ``root.json``; seed it from the trusted root once.

    ngclient keeps every root it accepted in ``root_history/`` and points ``root.json``
    at the newest; if a crash removed that link, restore it from the history rather
    than falling back to the (older) shipped root. Also removes ngclient's temp files
    left by a crash (``tmp*``); the caller holds the update lock.
    """
    for stale in metadata_dir.glob("tmp*"):
        if stale.is_file():
            stale.unlink(missing_ok=True)
    link = metadata_dir / "root.json"
    if link.is_file():
        return
    history = sorted(
        (metadata_dir / "root_history").glob("*.root.json"),
        key=lambda p: int(p.name.split(".")[0]),
    )
    if history:
        link.unlink(missing_ok=True)  # a dangling link
        atomic_write_bytes(link, history[-1].read_bytes())
        return
    try:
        raw = trusted_root.read_bytes()
    except OSError as exc:
        raise BadInputError(
            f"The trusted root {trusted_root} cannot be read ({exc.strerror}). "
            "Set updates.trusted_root to the root.json your publisher gave you."
        ) from exc
    metadata_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(link, raw)


class TrustSession:
    """One TUF refresh and the target downloads that follow it."""

    def __init__(
        self, metadata_dir: Path, base_url: str, transport: Transport, download_dir: Path
    ) -> None:
        base = base_url if base_url.endswith("/") else base_url + "/"
        self.transport = transport
        self.download_dir = download_dir
        self._targets_url = base + "targets/"
        with tuf_errors("reading the trusted metadata"):
            self._updater = Updater(
                metadata_dir=str(metadata_dir),
                metadata_base_url=base + "metadata/",
                target_dir=str(download_dir),
                target_base_url=self._targets_url,
                fetcher=transport,
            )

    def refresh(self) -> None:
        """Fetch and verify timestamp, snapshot and targets (root rotations included)."""
        with tuf_errors("refreshing the update metadata"):
            self._updater.refresh()

    def info(self, path: str) -> TargetFile:
        """Signed length and hashes of a target; ``TrustError`` if it is not signed."""
        with tuf_errors(f"looking up {path}"):
            info = self._updater.get_targetinfo(path)
        if info is None:
            raise TrustError(f"The repository does not sign {path}; refusing to use it.")
        return info

    def fetch(self, path: str) -> Path:
        """Download (or reuse a verified cached copy of) a small target; returns its file."""
        info = self.info(path)
        with tuf_errors(f"downloading {path}"):
            cached = self._updater.find_cached_target(info)
            if cached:
                return Path(cached)
            self.download_dir.mkdir(parents=True, exist_ok=True)
            return Path(self._updater.download_target(info))

    def fetch_resumable(
        self, path: str, dest: Path, progress: Progress | None = None
    ) -> TargetFile:
        """Download a large target into ``dest``, resuming a partial file; verify it.

        ``dest`` keeps its partial bytes across interruptions; on a hash mismatch it is
        deleted. Never reads more than the signed length.
        """
        info = self.info(path)
        url = self._targets_url + self._url_path(info)
        with tuf_errors(f"downloading {path}"):
            have = dest.stat().st_size if dest.exists() else 0
            if have > info.length:
                dest.unlink()
                have = 0
            while True:
                if have < info.length:
                    self._download_into(url, dest, have, info.length, progress)
                try:
                    with dest.open("rb") as fh:
                        info.verify_length_and_hashes(fh)
                    return info
                except tuf_exc.LengthOrHashMismatchError:
                    dest.unlink()
                    if not have:
                        raise
                    have = 0  # the kept partial file was bad: one fresh attempt

    def _download_into(
        self, url: str, dest: Path, have: int, length: int, progress: Progress | None
    ) -> None:
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            chunks = self.transport.fetch_from(url, have)
        except tuf_exc.DownloadError:
            if not have:
                raise
            have = 0  # server cannot resume: start again
            chunks = self.transport.fetch_from(url, 0)
        with dest.open("r+b" if have else "wb") as out:
            out.seek(have)
            out.truncate()
            for chunk in chunks:
                have += len(chunk)
                if have > length:
                    raise tuf_exc.DownloadLengthMismatchError(f"more than {length} bytes")
                out.write(chunk)
                if progress is not None:
                    progress(have, length)

    def _url_path(self, info: TargetFile) -> str:
        # consistent snapshots: targets are published as <dir>/<sha256>.<name>
        folder, sep, name = info.path.rpartition("/")
        return f"{folder}{sep}{info.hashes['sha256']}.{name}"
