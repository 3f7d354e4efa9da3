"""The update client: check, prepare, apply, roll back and import — one operation at a time.

Every operation that touches the TUF metadata folder or the model store takes the update
lock first (``filelock``, never waits: a second process gets :class:`LockedError`) and
removes the leftovers of an interrupted run. Progress and state changes are reported
through an optional ``events`` callback as :class:`UpdateEvent` values; the scheduler
and the CLI turn them into GUI signals or lines of text.

Flow of :meth:`UpdateClient.apply`: TUF refresh → signed ``release.json`` → cheapest path
from the local model (diff chain, or full download when no diff fits) → build the new
file beside the old one → verify against the signed sha256 → switch the pointer. The
engine notices the pointer at its next idle moment.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import filelock
from disk.errors import PointerError
from disk.pointer import file_problem

from updater import docpacks, install
from updater.config import UpdateConfig
from updater.docpacks import DocPackState
from updater.errors import (
    BadInputError,
    BaseMismatchError,
    BundleIncompleteError,
    LockedError,
    NetworkError,
    OfflineError,
    PackMissingError,
    ReadOnlyStoreError,
    UpdateError,
)
from updater.files import atomic_write_bytes, sha256_file
from updater.pointer import ModelRef, Pointer, read_pointer
from updater.release import (
    FULL,
    RELEASE_PATH,
    Release,
    Step,
    VersionEntry,
    plan_path,
    valid_pack_name,
)
from updater.sealing import Sealing, open_sealed
from updater.site_keys import identities_for
from updater.transport import FolderTransport, HttpTransport, Transport
from updater.trust import TrustSession, bootstrap_metadata_dir

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class UpdateEvent:
    """A state change or progress report.

    ``state`` is one of ``checking``, ``downloading``, ``building``, ``ready`` (a verified
    model waits to be switched to), ``applied``, ``up-to-date``, ``rolled-back``,
    ``offline``, ``failed``, ``docpack`` (a document pack is being or was installed: a
    message only; the window's scheduler does not show it, so a ``ready`` model keeps its
    **Apply now**). ``done``/``total`` are bytes for the two busy states.
    """

    state: str
    message: str = ""
    done: int = 0
    total: int = 0
    version: str | None = None


Events = Callable[[UpdateEvent], None]

#: Suffix of a decrypted diff beside the update state, removed after its build.
_CLEAR_SUFFIX = ".clear"


@dataclass(frozen=True)
class CheckResult:
    """What a check found: where we are, the newest version, and how to get there."""

    current: ModelRef | None
    latest: VersionEntry | None
    steps: tuple[Step, ...] = field(default=())
    pack: str = FULL
    """The line followed: a site pack's name, or empty for the full model."""
    note: str = ""
    """Why the line differs from the one policy names (a missing pack), in one line."""
    docpacks: tuple[DocPackState, ...] = field(default=())
    """The document packs followed or installed, as this check or update left them."""

    @property
    def available(self) -> bool:
        """True when there is something to apply."""
        return bool(self.steps)

    @property
    def download_bytes(self) -> int:
        """Bytes the path downloads (diffs or the full model)."""
        return sum(s.diff.length if s.diff else s.entry.length for s in self.steps)

    def to_json(self) -> dict[str, Any]:
        """Machine-readable form for ``--json``."""
        return {
            "current": self.current.to_json() if self.current else None,
            "latest": self.latest.label if self.latest else None,
            "site_pack": self.pack or None,
            "note": self.note or None,
            "available": self.available,
            "path": [_step_json(s) for s in self.steps],
            "download_bytes": self.download_bytes,
            "doc_packs": [d.to_json() for d in self.docpacks],
        }


def _step_json(step: Step) -> dict[str, Any]:
    """One step for ``--json``; ``pack``/``diff_from_pack`` only where a pack is involved."""
    obj: dict[str, Any] = {
        "version": step.entry.version,
        "diff_from": step.diff.source if step.diff else None,
    }
    if step.entry.pack:
        obj["pack"] = step.entry.pack
    if step.diff is not None and step.diff.source_pack:
        obj["diff_from_pack"] = step.diff.source_pack
    return obj


class UpdateClient:
    """Drives updates for one model store; one call at a time (the lock guards processes)."""

    def __init__(
        self,
        config: UpdateConfig,
        *,
        events: Events | None = None,
        checkpoint: install.Checkpoint | None = None,
    ) -> None:
        self.config = config
        self._events = events
        # Test hook and progress tap: called with a step name at each durable step.
        self._checkpoint = checkpoint or (lambda _: None)
        self._what = "update"  # "bundle" while importing one: names it in key messages

    # -- plumbing ----------------------------------------------------------------------------
    def _emit(
        self,
        state: str,
        message: str = "",
        done: int = 0,
        total: int = 0,
        version: str | None = None,
    ) -> None:
        if self._events is not None:
            self._events(UpdateEvent(state, message, done, total, version))

    @contextmanager
    def _locked(self) -> Iterator[None]:
        # Every writing operation passes here: refuse before touching the machine store.
        read_only = self.config.read_only_store()
        if read_only is not None:
            raise ReadOnlyStoreError(read_only)
        self.config.update_dir.mkdir(parents=True, exist_ok=True)
        lock = filelock.FileLock(str(self.config.lock_file), timeout=0)
        try:
            lock.acquire()
        except filelock.Timeout as exc:
            raise LockedError(
                "Another genba process is updating right now. Wait for it to finish and try again."
            ) from exc
        try:
            install.recover(
                self.config.models_dir, self.config.update_dir, self.config.metadata_dir
            )
            docpacks.clean(self.config.docpacks_dir)
            for clear in self.config.update_dir.glob(f"*{_CLEAR_SUFFIX}"):
                clear.unlink()  # a decrypted diff left by a run killed mid-build
            yield
        finally:
            lock.release()

    def _session(self, bundle: Path | None) -> TrustSession:
        cfg = self.config
        transport: Transport
        self._what = "update" if bundle is None else "bundle"
        if bundle is not None:
            transport, base = FolderTransport(bundle), FolderTransport.BASE_URL
        else:
            if cfg.offline:
                raise OfflineError("Offline mode is on, so genba did not look for updates.")
            if not cfg.repository_url:
                raise BadInputError("No update repository is set (updates.repository_url).")
            transport = HttpTransport(proxy=cfg.proxy, ca_bundle=cfg.ca_bundle)
            base = cfg.repository_url
        bootstrap_metadata_dir(cfg.metadata_dir, cfg.trusted_root)
        return TrustSession(cfg.metadata_dir, base, transport, cfg.download_dir)

    def _state(self) -> dict[str, Any]:
        try:
            data: dict[str, Any] = json.loads(self.config.state_file.read_text())
        except (OSError, ValueError):
            return {}
        return data

    def _save_state(self, **changes: Any) -> None:
        state = {**self._state(), **changes}
        atomic_write_bytes(self.config.state_file, json.dumps(state, indent=1).encode())

    # -- operations --------------------------------------------------------------------------
    def status(self, *, verify: bool = False) -> dict[str, Any]:
        """Current and previous model, last check, and (``verify``) whether the file is intact."""
        pointer = read_pointer(self.config.pointer)
        out: dict[str, Any] = {
            "current": pointer.current.to_json() if pointer else None,
            "previous": pointer.previous.to_json() if pointer and pointer.previous else None,
            **self._state(),
        }
        if verify and pointer is not None:
            out["current_intact"] = install.verify_current(self.config.pointer) is not None
        if pointer is not None and pointer.previous is not None:
            out["rollback_possible"] = install.previous_intact(
                self.config.pointer, full_check=verify
            )
        published = out.pop("doc_packs_published", None)
        rows = docpacks.states(
            self.config.docpacks_dir, self.config.doc_packs,
            published if isinstance(published, dict) else None,
        )  # fmt: skip
        out["doc_packs"] = [r.to_json() for r in rows]
        out["doc_packs_text"] = [r.describe() for r in rows]
        return out

    def _check(self, session: TrustSession) -> tuple[CheckResult, Release]:
        self._emit("checking", "Looking for model updates")
        session.refresh()
        release = Release.from_bytes(session.fetch(RELEASE_PATH).read_bytes())
        pack, note = self._line(release)
        if note:
            self._emit("checking", note)
        pointer = read_pointer(self.config.pointer)
        current = pointer.current if pointer else None
        steps = plan_path(release, current.sha256 if current else None, pack)
        line = release.line(pack)
        latest = line[-1] if line else None
        self._save_state(
            last_check=datetime.now(UTC).isoformat(timespec="seconds"),
            latest_version=latest.label if latest else None,
            doc_packs_published=docpacks.published_versions(release),
        )
        rows = docpacks.states(
            self.config.docpacks_dir, self.config.doc_packs, docpacks.published_versions(release)
        )
        return CheckResult(current, latest, tuple(steps), pack, note, tuple(rows)), release

    def _line(self, release: Release) -> tuple[str, str]:
        """The line to follow (a pack's name or the full model) and, on fallback, why."""
        want = self.config.site_pack
        if not want:
            return FULL, ""
        if valid_pack_name(want) and release.line(want):
            return want, ""
        what = (
            f"Site pack {want!r} is not published on the update server"
            if valid_pack_name(want)
            else f"{want!r} cannot name a site pack"
        )
        if self.config.site_pack_fallback == "full":
            note = f"{what}; following the full model (updates.site_pack_fallback)."
            log.warning("%s", note)  # the window shows no line for it: IT finds it in the log
            return FULL, note
        raise PackMissingError(
            f"{what}, and policy does not fall back to the full model "
            "(updates.site_pack_fallback = none); the current model stays. "
            "Ask IT to publish the pack or to change updates.site_pack."
        )

    def check(self, *, bundle: Path | None = None) -> CheckResult:
        """Refresh signed metadata and report whether (and how) an update applies."""
        with self._locked():
            result, _ = self._check(self._session(bundle))
        if not result.available:
            self._emit("up-to-date", "The model is up to date")
        return result

    def apply(
        self, *, bundle: Path | None = None, switch: bool = True, auto: bool = False
    ) -> CheckResult:
        """Download, build and verify the newest model; switch to it unless ``switch`` is False.

        ``auto`` (the scheduler) skips a version the operator rolled back from. Then the
        followed document packs whose version changed are installed (:mod:`updater.docpacks`).
        """
        with self._locked():
            try:
                session = self._session(bundle)
                result, release = self._check(session)
            except NetworkError:
                # offline now, but a model verified earlier may be waiting: switching needs
                # no network (it was checked against signed metadata when it was built)
                staged = self._staged() if switch and bundle is None else None
                if staged is None:
                    raise
                self._switch(staged)
                return CheckResult(current=staged, latest=None)
            result = self._apply_model(session, result, switch=switch, auto=auto)
            return replace(result, docpacks=self._sync_docpacks(session, release))

    def _apply_model(
        self, session: TrustSession, result: CheckResult, *, switch: bool, auto: bool
    ) -> CheckResult:
        latest = result.latest
        if not result.available or latest is None:
            self._emit("up-to-date", "The model is up to date")
            return result
        if auto and self._state().get("skip_sha256") == latest.sha256:
            self._emit("up-to-date", f"Version {latest.label} was rolled back; not reapplied")
            return CheckResult(result.current, latest, pack=result.pack, note=result.note)
        ref = self._prepare(session, list(result.steps))
        self._emit("ready", f"Version {ref.version} is verified", version=ref.version)
        install.drop_partial_downloads(self.config.models_dir)
        if switch:
            self._switch(ref)
        else:
            self._save_state(staged=ref.to_json())
        return result

    def _sync_docpacks(self, session: TrustSession, release: Release) -> tuple[DocPackState, ...]:
        """Install every followed document pack whose published version changed.

        Independent of ``switch``: ``updates.auto_apply`` holds back the *model* switch
        (it changes how every answer is made); a pack is unpacked beside the old one and
        switched atomically, and the document index picks it up at its next run. One pack
        failing does not stop the others; the first failure is raised at the end, so the
        command fails (exit 1) exactly as for a model, and that pack stays as it was.
        """
        root = self.config.docpacks_dir
        done: dict[str, str] = {}
        failure: UpdateError | None = None
        for name in self.config.doc_packs:
            entry = docpacks.needed(release, root, name)
            if entry is None:
                continue
            self._emit("docpack", f"Installing document pack {entry.label}")
            try:
                docpacks.install(session, entry, root, self.config.update_dir, self._what)
            except BundleIncompleteError:
                done[name] = "not-in-bundle"
                self._emit("docpack", f"Document pack {name} is not in this bundle")
                continue
            except (LockedError, ReadOnlyStoreError):
                raise
            except UpdateError as exc:
                log.warning("document pack %s: %s", entry.label, exc)
                failure = failure or exc
                continue
            done[name] = "installed"
            self._emit("docpack", f"Document pack {entry.label} installed")
        if failure is not None:
            raise failure
        rows = docpacks.states(root, self.config.doc_packs, docpacks.published_versions(release))
        return tuple(replace(r, state=done.get(r.name, r.state)) for r in rows)

    def apply_staged(self) -> ModelRef:
        """Switch to the model an earlier ``apply(switch=False)`` built and verified.

        This is the operator's "apply now": no network is needed, since the file was
        checked against signed metadata when it was built (and is re-hashed here).
        :class:`BadInputError` when nothing verified is waiting.
        """
        with self._locked():
            staged = self._staged()
            if staged is None:
                raise BadInputError(
                    "No verified model update is waiting; check for updates first "
                    "(genba update check)."
                )
            self._switch(staged)
        return staged

    def _switch(self, ref: ModelRef) -> None:
        install.switch_to(self.config.pointer, ref, self._checkpoint)
        self._save_state(skip_sha256=None, staged=None)
        self._emit("applied", f"Switched to version {ref.version}", version=ref.version)

    def _staged(self) -> ModelRef | None:
        """The model built by an earlier ``apply(switch=False)``, if its file still verifies."""
        raw = self._state().get("staged")
        if raw is None:
            return None
        try:
            ref = ModelRef.from_json(raw)
        except PointerError:
            return None
        return ref if file_problem(self.config.models_dir, ref) is None else None

    def _prepare(self, session: TrustSession, steps: list[Step]) -> ModelRef:
        models = self.config.models_dir
        pointer = read_pointer(self.config.pointer)
        base = models / pointer.current.path if pointer else None
        made: list[Path] = []
        for step in steps:
            try:
                base = self._build_step(session, step, base)
            except (BaseMismatchError, BundleIncompleteError):
                if step.diff is None:
                    raise
                # the local file is not the diff's base (damaged or changed), or the bundle
                # leaves the diff out (an encrypted bundle carries no diff published in
                # clear): fetch the full model
                return self._prepare(session, [Step(steps[-1].entry, None)])
            made.append(base)
        for path in made[:-1]:  # intermediate versions of a diff chain
            path.unlink(missing_ok=True)
        entry = steps[-1].entry
        return ModelRef(path=entry.file_name, sha256=entry.sha256, version=entry.label)

    def _build_step(self, session: TrustSession, step: Step, base: Path | None) -> Path:
        entry = step.entry
        signed = session.info(entry.model)
        # an encrypted target: TUF's hash is over the ciphertext, the plaintext's is in `custom`
        seal = Sealing.of(signed.custom)
        sha, length = (
            (seal.sha256, seal.length) if seal else (signed.hashes["sha256"], signed.length)
        )
        if sha != entry.sha256 or length != entry.length:
            raise BaseMismatchError("The release index and the signed model disagree.")
        dest = self.config.models_dir / entry.file_name
        if dest.is_file() and sha256_file(dest) == sha:
            return dest  # built by an earlier, interrupted run
        if step.diff is not None and base is not None:
            install.ensure_space(self.config.models_dir, length)
            diff = self._fetch_clear(session, step.diff.path)
            self._checkpoint("downloaded")
            try:
                install.build_from_diff(
                    base,
                    diff,
                    dest,
                    (sha, length),
                    checkpoint=self._checkpoint,
                    progress=lambda d, t: self._emit("building", "", d, t, entry.label),
                )
            finally:
                if diff.name.endswith(_CLEAR_SUFFIX):
                    diff.unlink(missing_ok=True)  # the decrypted copy of an encrypted diff
        else:
            keys = identities_for(seal, self.config.update_dir, what=self._what) if seal else []
            # an encrypted download is kept (for resuming) while its plaintext is written
            install.ensure_space(self.config.models_dir, length + (signed.length if seal else 0))
            name = f"{install.PART_PREFIX}{signed.hashes['sha256'][:16]}.gguf"
            part = self.config.models_dir / name
            session.fetch_resumable(
                entry.model,
                part,
                progress=lambda d, t: self._emit("downloading", "", d, t, entry.label),
            )
            if seal is None:
                install.adopt_download(part, dest, self._checkpoint)
            else:
                open_sealed(part, dest, keys, seal, what=self._what)
                part.unlink(missing_ok=True)
                self._checkpoint("renamed")
        return dest

    def _fetch_clear(self, session: TrustSession, path: str) -> Path:
        """A TUF-verified target in clear: decrypted (then hash-checked) when it is encrypted.

        The key is looked up before the download, so a PC without it fetches nothing.
        """
        seal = Sealing.of(session.info(path).custom)
        keys = identities_for(seal, self.config.update_dir, what=self._what) if seal else []
        fetched = session.fetch(path)
        if seal is None:
            return fetched
        clear = self.config.update_dir / f"{fetched.name}{_CLEAR_SUFFIX}"
        open_sealed(fetched, clear, keys, seal, what=self._what)
        return clear

    def rollback(self) -> Pointer:
        """Return to the previous model; the scheduler will not re-apply the version left."""
        with self._locked():
            old = read_pointer(self.config.pointer)
            pointer = install.rollback(self.config.pointer)
            if old is not None:
                self._save_state(skip_sha256=old.current.sha256)
        self._emit("rolled-back", f"Back on version {pointer.current.version}")
        return pointer

    def import_bundle(self, folder: Path, *, switch: bool = True) -> CheckResult:
        """Verify and apply an offline bundle exactly like a download."""
        if not self.config.allow_offline_bundles:
            raise BadInputError(
                "Policy does not allow offline bundles (updates.allow_offline_bundles)."
            )
        if not (folder / "metadata").is_dir() or not (folder / "targets").is_dir():
            raise BadInputError(
                f"{folder} is not a genba update bundle (expected metadata/ and targets/ inside)."
            )
        return self.apply(bundle=folder, switch=switch)
