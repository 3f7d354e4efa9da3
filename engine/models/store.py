"""The model store: which GGUF files genba has, and how new ones get in (pull, import).

Files live flat in ``Paths.models_dir``; each one genba put there has a small
record beside it (``<file>.genba.json``: sha256 and origin) so listing never
re-hashes gigabytes. Every way in follows the same rules:

* nothing reaches the store unverified: a pull is checked against the
  catalogue's pinned sha256 (huggingface-hub checks no content hash), and every
  file must pass :func:`engine.models.info.inspect_model` (a GGUF MoE this
  llama.cpp knows) before it is moved in;
* downloads are bounded (the Hub's announced size must match the catalogue
  before a byte is fetched), need free disk first, and resume: the partial file
  stays in ``models/.partial/`` until the next attempt;
* files appear atomically (temp file in the same folder, fsync, ``os.replace``:
  :mod:`disk.atomic`), and what a killed copy left is removed by the next
  model-store operation or engine start (:func:`tidy_store`).

The network goes through huggingface-hub only, and huggingface-hub through
genba's network state (:class:`engine.remote.network.NetworkConfig`): its HTTP client
is made by :func:`engine.remote.network.open_client` for the length of a pull, so the
policy's proxy and CA bundle apply and offline mode refuses before any socket
opens. Any failure to reach the Hub is one :class:`DownloadError` line. Tests
point ``endpoint`` at a loopback server that imitates the Hub's file endpoint.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from disk.atomic import commit_file, staged_file, write_bytes_atomically
from disk.errors import NotEnoughSpaceError
from disk.hashing import sha256_file
from disk.space import require_free_space
from disk.temps import remove_stale_temps

from engine.errors import (
    BadInputError,
    DownloadError,
    ModelFileError,
    ModelStoreError,
    RemoteUnavailableError,
)
from engine.models.access import require_user_models
from engine.models.catalogue import CatalogueEntry
from engine.models.info import inspect_model
from engine.models.pack import SitePack, site_pack
from engine.paths import Paths
from engine.remote.network import NetworkConfig, open_client

if TYPE_CHECKING:
    import httpx

    from engine.settings import Settings

log = logging.getLogger(__name__)
Progress = Callable[[str, float], None]
RECORD_SUFFIX = ".genba.json"
_CHUNK = 4 << 20
_SIZE_SLACK = 1.10  # an unpinned entry's size is an estimate; refuse anything much larger


@dataclass(frozen=True)
class StoredModel:
    """A model file in the store and what genba knows about it."""

    path: Path
    size: int
    origin: str
    sha256: str | None
    architecture: str | None
    expert_count: int | None
    expert_used_count: int | None
    problem: str | None = None
    site_pack: SitePack | None = None
    """Set when the file is a site pack (:mod:`engine.models.pack`)."""

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly view."""
        return {
            "name": self.path.name,
            "path": str(self.path),
            "size": self.size,
            "origin": self.origin,
            "sha256": self.sha256,
            "architecture": self.architecture,
            "expert_count": self.expert_count,
            "expert_used_count": self.expert_used_count,
            "problem": self.problem,
            "site_pack": (
                {
                    "name": self.site_pack.name,
                    "experts_kept": self.site_pack.kept,
                    "base_expert_count": self.site_pack.base_experts,
                }
                if self.site_pack
                else None
            ),
        }


def _record_path(model: Path) -> Path:
    return model.with_name(model.name + RECORD_SUFFIX)


def read_record(model: Path) -> dict[str, Any]:
    """The store record beside ``model`` (empty when there is none or it is unreadable)."""
    try:
        data = json.loads(_record_path(model).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_record(model: Path, sha256: str, origin: str, **extra: str) -> None:
    """Write the store record beside ``model``."""
    record = {"sha256": sha256, "origin": origin, **extra}
    data = json.dumps(record, indent=2, sort_keys=True).encode()
    write_bytes_atomically(_record_path(model), data)


def describe(path: Path, default_origin: str = "unknown") -> StoredModel:
    """Inspect one store file; a broken file is listed with its problem, not raised."""
    record = read_record(path)
    origin = str(record.get("origin", default_origin))
    sha = record.get("sha256")
    size = path.stat().st_size
    try:
        info = inspect_model(path)
    except ModelFileError as exc:
        return StoredModel(path, size, origin, sha, None, None, None, problem=str(exc))
    return StoredModel(
        path, size, origin, sha, info.architecture, info.expert_count, info.expert_used_count,
        site_pack=site_pack(info),
    )  # fmt: skip


def tidy_store(paths: Paths) -> list[Path]:
    """Remove the temp files killed copies, builds or updates left in the store.

    Safe at any time: a temp file another process is still writing is kept
    (:func:`disk.temps.remove_stale_temps`). Resumable downloads stay.
    """
    removed = remove_stale_temps(paths.models_dir)
    for path in removed:
        log.info("removed %s, left by an interrupted copy", path)
    return removed


def list_models(paths: Paths) -> list[StoredModel]:
    """Every ``.gguf`` in the store, by name (dead temp files are tidied away first)."""
    tidy_store(paths)
    if not paths.models_dir.is_dir():
        return []
    found = []
    for path in sorted(paths.models_dir.glob("*.gguf")):
        origin = "default" if path == paths.default_model_path else "unknown"
        found.append(describe(path, origin))
    return found


def sha256_of(path: Path, progress: Progress | None = None, stage: str = "checking") -> str:
    """Hex sha256 of ``path``, reporting ``(stage, fraction)`` progress."""
    if progress is None:
        return sha256_file(path)
    report = progress
    return sha256_file(path, lambda done, total: report(stage, done / total))


def _require_free_space(folder: Path, needed: int) -> None:
    """``needed`` bytes plus :mod:`disk.space`'s margin must be free in ``folder``."""
    try:
        require_free_space(folder, needed)
    except NotEnoughSpaceError as exc:
        raise ModelStoreError(
            f"Not enough free disk space in {folder}: {exc.needed / 2**20:.0f} MiB needed, "
            f"{exc.free / 2**20:.0f} MiB free. Free some space and try again."
        ) from exc
    except OSError as exc:  # the folder cannot be created or measured
        raise ModelStoreError(
            f"Could not use {folder} for models ({exc.strerror or exc}). Check that the folder "
            "is writable, or set GENBA_HOME to a folder that is."
        ) from exc


def _validate_and_install(staged: Path, target: Path) -> None:
    """Inspect ``staged`` and move it to ``target`` durably; delete it if it is not a usable MoE."""
    try:
        inspect_model(staged)
    except ModelFileError:
        staged.unlink(missing_ok=True)
        raise
    with staged.open("rb+") as handle:  # fsync, rename, fsync the folder: disk.atomic's rule
        commit_file(handle, staged, target)


# -- import ---------------------------------------------------------------------
def import_model(
    paths: Paths,
    source: Path,
    progress: Progress | None = None,
    *,
    settings: Settings | None,
) -> StoredModel:
    """Copy a GGUF MoE from disk or USB into the store after validating it.

    ``settings`` decide whether operators may add models at all
    (:func:`engine.models.access.require_user_models`); ``None`` means no policy applies.
    """
    require_user_models(settings, "Importing a model")
    tidy_store(paths)
    inspect_model(source)  # refuse before copying gigabytes
    target = paths.models_dir / source.name
    if target.exists():
        raise BadInputError(
            f"The store already has a model called {source.name}. Rename the file or "
            f"remove {target} first."
        )
    size = source.stat().st_size
    _require_free_space(paths.models_dir, size)
    digest = hashlib.sha256()
    try:
        with source.open("rb") as src, staged_file(target) as staged:
            done = 0
            while chunk := src.read(_CHUNK):
                staged.file.write(chunk)
                digest.update(chunk)
                done += len(chunk)
                if progress is not None:
                    progress("copying", done / max(size, 1))
            staged.sync()
            inspect_model(staged.path)  # the copy, not only the source, must be a usable MoE
            staged.commit(target, mode=0o644)  # mkstemp makes it 0600; not a secret
    except OSError as exc:
        raise ModelStoreError(f"Could not copy {source} into {paths.models_dir} ({exc}).") from exc
    write_record(target, digest.hexdigest(), "import", imported_from=str(source))
    return describe(target)


# -- pull -----------------------------------------------------------------------
def _tqdm_reporter(progress: Progress | None) -> Any:
    """A tqdm class that forwards huggingface-hub's byte counts to ``progress`` silently."""
    from tqdm.std import tqdm  # type: ignore[import-untyped]

    class _Reporter(tqdm):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs["disable"] = False
            kwargs["file"] = io.StringIO()
            super().__init__(*args, **kwargs)

        def update(self, n: float | None = 1) -> bool | None:
            shown: bool | None = super().update(n)
            if progress is not None and self.total:
                progress("downloading", min(1.0, float(self.n) / float(self.total)))
            return shown

    return _Reporter


def _why(exc: BaseException) -> str:
    """The root cause of a failed Hub request, on one line.

    huggingface-hub wraps a refused connection in a multi-sentence cache error;
    the innermost exception ("[Errno 111] Connection refused", a certificate
    error) is the part that tells the operator what to fix.
    """
    root = exc
    for _ in range(20):  # a bound, in case a library ever builds a cycle
        inner = root.__cause__ or (None if root.__suppress_context__ else root.__context__)
        if inner is None:
            break
        root = inner
    text = " ".join(str(root).split()) or type(root).__name__
    return text if len(text) <= 300 else text[:297] + "..."


def _unreachable(entry: CatalogueEntry, exc: BaseException) -> DownloadError:
    why = _why(exc)
    hint = (
        "Ask IT to set fallback.ca_bundle to the site's CA certificates"
        if "CERTIFICATE" in why.upper()
        else "Check the network connection and network.proxy"
    )
    return DownloadError(
        f"Could not reach {entry.repo} for {entry.filename} ({why}). {hint}, or import the "
        "file from disk with `genba models import PATH`."
    )


def _hub_errors() -> tuple[type[BaseException], ...]:
    """Everything huggingface-hub raises for a Hub that cannot be reached or read."""
    import httpx
    from huggingface_hub.errors import HfHubHTTPError

    # httpx.HTTPError covers ConnectError, proxy and TLS failures, which are not OSErrors.
    return (HfHubHTTPError, httpx.HTTPError, RemoteUnavailableError, OSError, ValueError)


def _hub_request(request: httpx.Request) -> None:
    """Request hook of the Hub client: file requests only, then huggingface-hub's own hook.

    A pull needs the file's ``resolve`` URL and the CDN it redirects to, nothing
    from ``/api/``. huggingface-hub 1.x also fetches an "agent harness" registry
    from huggingface.co/api/ whatever the endpoint, which would tell a site's
    mirror-only network about genba and write a cache file outside genba's folders.
    """
    from huggingface_hub.utils import _http

    if request.url.path.startswith("/api/"):
        import httpx

        raise httpx.ConnectError(f"genba does not contact {request.url.host}/api/", request=request)
    _http.hf_request_event_hook(request)


@contextmanager
def _hub_session(network: NetworkConfig) -> Iterator[None]:
    """huggingface-hub uses a client from :func:`engine.remote.network.open_client` meanwhile.

    ``set_client_factory`` is huggingface-hub's supported hook for proxies and
    certificates. The client is process-global in huggingface-hub, so the default
    is put back afterwards: nothing else in genba talks to the Hub. Xet transfers
    are off meanwhile: hf_xet downloads through its own HTTP stack, which knows
    neither the policy's proxy and CA nor the offline switch; without it
    huggingface-hub downloads the same bytes over plain HTTPS, through our client.
    """
    import httpx
    import huggingface_hub as hf
    from huggingface_hub import constants
    from huggingface_hub.utils import _http

    try:
        client = open_client(
            network, timeout=httpx.Timeout(60.0, connect=10.0), follow_redirects=True,
            on_request=_hub_request,
        )  # fmt: skip
    except RemoteUnavailableError as exc:  # the CA bundle cannot be read
        raise DownloadError(str(exc)) from exc
    xet_disabled = constants.HF_HUB_DISABLE_XET
    constants.HF_HUB_DISABLE_XET = True
    hf.set_client_factory(lambda: client)
    try:
        yield
    finally:
        hf.set_client_factory(_http.default_client_factory)  # also closes ours
        constants.HF_HUB_DISABLE_XET = xet_disabled


def _remote_size(entry: CatalogueEntry, endpoint: str | None) -> tuple[int, str | None]:
    import huggingface_hub as hf

    url = hf.hf_hub_url(entry.repo, entry.filename, revision=entry.revision, endpoint=endpoint)
    try:
        meta = hf.get_hf_file_metadata(url, token=False, endpoint=endpoint)
    except _hub_errors() as exc:
        raise _unreachable(entry, exc) from exc
    if meta.size is None:
        raise DownloadError(f"The Hub did not announce the size of {entry.filename}; not pulling.")
    return int(meta.size), meta.commit_hash


def _check_size(entry: CatalogueEntry, size: int) -> None:
    limit = entry.size if entry.pinned else int(entry.size * _SIZE_SLACK)
    if (entry.pinned and size != entry.size) or size > limit:
        raise DownloadError(
            f"{entry.filename} on the Hub is {size} bytes, but the catalogue expects "
            f"{entry.size}. Not downloading; update the catalogue entry if this is intended."
        )


def _download(
    entry: CatalogueEntry, staging: Path, endpoint: str | None, progress: Progress | None
) -> Path:
    """huggingface-hub's resumable download of ``entry`` into ``staging``."""
    import huggingface_hub as hf

    try:
        return Path(
            hf.hf_hub_download(
                entry.repo, entry.filename, revision=entry.revision, local_dir=staging,
                endpoint=endpoint, token=False, tqdm_class=_tqdm_reporter(progress),
            )
        )  # fmt: skip
    except _hub_errors() as exc:
        raise DownloadError(
            f"Downloading {entry.filename} failed ({_why(exc)}). Run the same command again "
            "to resume where it stopped."
        ) from exc


def pull_model(
    paths: Paths,
    entry: CatalogueEntry,
    *,
    endpoint: str | None = None,
    allow_unpinned: bool = False,
    network: NetworkConfig | None = None,
    progress: Progress | None = None,
    settings: Settings | None,
) -> StoredModel:
    """Download a catalogue model into the store (resumable), verify it, and return it.

    Refused like an import when policy allows only IT's models. ``network`` is
    the network state to use (proxy, CA, offline); ``None`` builds it from
    ``settings`` and the environment, or from the environment alone when no
    settings apply. Offline refuses before any socket opens.
    """
    require_user_models(settings, "Downloading a model")
    if network is None:
        network = (
            NetworkConfig.from_settings(settings) if settings is not None
            else NetworkConfig.from_environment()
        )  # fmt: skip
    if network.offline:
        raise DownloadError(
            "genba is in offline mode, so it cannot download models. Import the file from "
            "disk with `genba models import PATH`, or ask IT to allow network access."
        )
    if not entry.pinned and not allow_unpinned:
        raise BadInputError(
            f"The catalogue entry {entry.name} is not pinned to a revision and sha256, so "
            "genba cannot verify the download. Pin it in the catalogue, or pass "
            "--allow-unpinned to download it and print its hash."
        )
    target = paths.models_dir / entry.filename
    if target.exists():
        existing = describe(target)
        if entry.sha256 and existing.sha256 != entry.sha256:
            raise BadInputError(
                f"The store already has a different {entry.filename}. Remove {target} "
                "first if you want the catalogue's version."
            )
        return existing
    with _hub_session(network):
        size, commit = _remote_size(entry, endpoint)
        _check_size(entry, size)
        staging = paths.models_dir / ".partial" / entry.name
        _require_free_space(paths.models_dir, size * 2 if not staging.exists() else size)
        local = _download(entry, staging, endpoint, progress)
    sha = sha256_of(local, progress, "verifying")
    if entry.sha256 and sha != entry.sha256:
        local.unlink(missing_ok=True)
        raise DownloadError(
            f"{entry.filename} does not match its pinned sha256 and was deleted. The file on "
            "the Hub changed or was corrupted in transit; report it to IT."
        )
    _validate_and_install(local, target)
    shutil.rmtree(staging, ignore_errors=True)
    write_record(
        target, sha, f"catalogue:{entry.name}", repo=entry.repo, revision=commit or entry.revision
    )
    return describe(target)
