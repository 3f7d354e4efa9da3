"""The publisher's side: keys, TUF metadata and targets of a genba update repository.

Folder layout (only ``published/`` is ever uploaded or copied to a bundle)::

    <repo>/publisher.json           expiry settings
    <repo>/keys/keys.json           role -> key ids and private key files  (never published)
    <repo>/keys/<role>-<id>.pem     ed25519 private keys, mode 0600        (never published)
    <repo>/keys/sites.json, site-*  site encryption keys (updater.publisher_keys; never published)
    <repo>/published/metadata/      1.root.json, root.json, N.targets.json, N.snapshot.json,
                                    timestamp.json   (consistent snapshots)
    <repo>/published/targets/       <dir>/<sha256>.<name> for every target (release.py paths)

Every change re-signs targets, then snapshot, then timestamp, each with a higher version;
old versions of metadata and targets stay so that clients mid-update still find them.
The timestamp expires quickly (freeze protection): run :meth:`PublisherRepository.refresh`
(``genba-publish refresh``) more often than ``timestamp_days``.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from disk.atomic import staged_file
from securesystemslib.signer import CryptoSigner, Signer, SSlibKey
from tuf.api.metadata import (
    TOP_LEVEL_ROLE_NAMES,
    Metadata,
    MetaFile,
    Root,
    Snapshot,
    TargetFile,
    Targets,
    Timestamp,
)
from tuf.api.serialization.json import JSONSerializer

from updater import sealing
from updater.diff import build_diff
from updater.docpack_archive import build_archive
from updater.errors import BadInputError
from updater.files import atomic_write_bytes, sha256_file
from updater.manifest import Manifest, build_manifest
from updater.pack_prune import read_pack_info
from updater.publisher_keys import SiteKeyRing
from updater.release import (
    FULL,
    RELEASE_PATH,
    DiffRef,
    DocPackEntry,
    Release,
    VersionEntry,
    valid_pack_name,
)

_SERIALIZER = JSONSerializer(compact=False)


@dataclass(frozen=True)
class Expiry:
    """How long each role's metadata stays valid after signing, in days."""

    root_days: float = 365
    targets_days: float = 365
    snapshot_days: float = 30
    timestamp_days: float = 7


def _expires(days: float) -> datetime:
    return (datetime.now(UTC) + timedelta(days=days)).replace(microsecond=0)


class PublisherRepository:
    """A genba update repository on the publisher's disk. Build with :meth:`create` or open."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.metadata_dir = root / "published" / "metadata"
        self.targets_dir = root / "published" / "targets"
        self.keys_dir = root / "keys"
        if not (self.keys_dir / "keys.json").is_file():
            raise BadInputError(f"{root} is not a genba repository; create one with `init`.")
        config = json.loads((root / "publisher.json").read_text())
        self.expiry = Expiry(**config["expiry"])
        self.site_keys = SiteKeyRing(self.keys_dir)

    # -- creation and keys -------------------------------------------------------------
    @classmethod
    def create(
        cls,
        root: Path,
        *,
        root_keys: int = 1,
        root_threshold: int = 1,
        expiry: Expiry | None = None,
    ) -> PublisherRepository:
        """Generate keys and sign the first version of every role."""
        if (root / "keys" / "keys.json").exists():
            raise BadInputError(f"{root} already holds a repository; refusing to overwrite keys.")
        if not 1 <= root_threshold <= root_keys:
            raise BadInputError("The root threshold must be between 1 and the number of root keys.")
        expiry = expiry or Expiry()
        (root / "keys").mkdir(parents=True, exist_ok=True)
        (root / "published" / "metadata").mkdir(parents=True, exist_ok=True)
        (root / "published" / "targets").mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(root / "publisher.json", json.dumps({"expiry": asdict(expiry)}).encode())
        atomic_write_bytes(root / "keys" / "keys.json", b"{}")
        repo = cls(root)
        signed_root = Root(expires=_expires(expiry.root_days), consistent_snapshot=True)
        for role in TOP_LEVEL_ROLE_NAMES:
            for _ in range(root_keys if role == Root.type else 1):
                signed_root.add_key(repo._new_key(role).public_key, role)
        signed_root.roles[Root.type].threshold = root_threshold
        repo._write_root(Metadata(signed_root), repo.signers(Root.type))
        targets = Targets(expires=_expires(expiry.targets_days))
        repo._publish_targets(targets)
        return repo

    def _new_key(self, role: str) -> CryptoSigner:
        signer = CryptoSigner.generate_ed25519()
        key_file = self.keys_dir / f"{role}-{signer.public_key.keyid[:12]}.pem"
        atomic_write_bytes(key_file, signer.private_bytes)
        key_file.chmod(0o600)
        index = self._key_index()
        index.setdefault(role, []).append(
            {
                "keyid": signer.public_key.keyid,
                "file": key_file.name,
                "public": signer.public_key.to_dict(),
            }
        )
        atomic_write_bytes(self.keys_dir / "keys.json", json.dumps(index, indent=1).encode())
        return signer

    def _key_index(self) -> dict[str, list[dict[str, Any]]]:
        data: dict[str, list[dict[str, Any]]] = json.loads(
            (self.keys_dir / "keys.json").read_text()
        )
        return data

    def signers(self, role: str) -> list[Signer]:
        """Signers for every key the publisher holds for ``role``."""
        out: list[Signer] = []
        for item in self._key_index().get(role, []):
            public = SSlibKey.from_dict(item["keyid"], dict(item["public"]))
            uri = f"file2:{(self.keys_dir / item['file']).resolve()}"
            out.append(Signer.from_priv_key_uri(uri, public))
        return out

    def _forget_key(self, role: str, keyid: str) -> None:
        index = self._key_index()
        for item in index.get(role, []):
            if item["keyid"] == keyid:
                (self.keys_dir / item["file"]).unlink(missing_ok=True)
        index[role] = [k for k in index.get(role, []) if k["keyid"] != keyid]
        atomic_write_bytes(self.keys_dir / "keys.json", json.dumps(index, indent=1).encode())

    # -- reading current metadata ------------------------------------------------------------
    def load(self, role: str) -> Metadata[Any]:
        """The newest signed metadata of a top-level role."""
        if role in {Root.type, Timestamp.type}:
            return Metadata.from_file(str(self.metadata_dir / f"{role}.json"))
        if role == Snapshot.type:
            version = self.load(Timestamp.type).signed.snapshot_meta.version
        else:
            version = self.load(Snapshot.type).signed.meta[f"{role}.json"].version
        return Metadata.from_file(str(self.metadata_dir / f"{version}.{role}.json"))

    def release(self) -> Release:
        """The current release index (empty before the first version)."""
        targets = self.load(Targets.type).signed
        info = targets.targets.get(RELEASE_PATH)
        if info is None:
            return Release(())
        return Release.from_bytes(self.target_file(info).read_bytes())

    def target_file(self, info: TargetFile) -> Path:
        """Local file of a target (consistent snapshot name: ``<sha256>.<name>``)."""
        folder, _, name = info.path.rpartition("/")
        return self.targets_dir / folder / f"{info.hashes['sha256']}.{name}"

    # -- writing metadata -----------------------------------------------------------------
    def _sign_write(self, md: Metadata[Any], signers: list[Signer], name: str) -> None:
        md.signatures.clear()
        for signer in signers:
            md.sign(signer, append=True)
        atomic_write_bytes(self.metadata_dir / name, md.to_bytes(_SERIALIZER))

    def _write_root(self, md: Metadata[Root], signers: list[Signer]) -> None:
        self._sign_write(md, signers, f"{md.signed.version}.root.json")
        atomic_write_bytes(self.metadata_dir / "root.json", md.to_bytes(_SERIALIZER))

    def _publish_targets(self, targets: Targets) -> None:
        """Sign ``targets`` (version already set), then a new snapshot and timestamp."""
        targets.expires = _expires(self.expiry.targets_days)
        md = Metadata(targets)
        self._sign_write(md, self.signers(Targets.type), f"{targets.version}.targets.json")
        self.refresh(new_snapshot=True)

    def refresh(
        self, *, new_snapshot: bool = False, timestamp_expires: datetime | None = None
    ) -> None:
        """Re-sign the timestamp (and snapshot) with fresh expiry dates and higher versions."""
        targets_version = self._targets_version()
        old_ts: Timestamp | None = None
        if (self.metadata_dir / "timestamp.json").exists():
            old_ts = self.load(Timestamp.type).signed
        snap_version = old_ts.snapshot_meta.version if old_ts else 0
        if new_snapshot or old_ts is None or self._snapshot_expires_soon():
            snap_version += 1
            snapshot = Snapshot(
                version=snap_version,
                expires=_expires(self.expiry.snapshot_days),
                meta={"targets.json": MetaFile(version=targets_version)},
            )
            self._sign_write(
                Metadata(snapshot), self.signers(Snapshot.type), f"{snap_version}.snapshot.json"
            )
        raw = (self.metadata_dir / f"{snap_version}.snapshot.json").read_bytes()
        timestamp = Timestamp(
            version=(old_ts.version + 1) if old_ts else 1,
            expires=timestamp_expires or _expires(self.expiry.timestamp_days),
            snapshot_meta=MetaFile.from_data(snap_version, raw, ["sha256"]),
        )
        self._sign_write(Metadata(timestamp), self.signers(Timestamp.type), "timestamp.json")

    def _targets_version(self) -> int:
        versions = [int(p.name.split(".")[0]) for p in self.metadata_dir.glob("*.targets.json")]
        return max(versions, default=1)

    def _snapshot_expires_soon(self) -> bool:
        expires: datetime = self.load(Snapshot.type).signed.expires
        return expires - datetime.now(UTC) < timedelta(days=self.expiry.snapshot_days / 2)

    def rotate_key(self, role: str) -> list[str]:
        """Replace every key of ``role`` by a new one (same count); returns the new key ids.

        The new root version is signed by the old *and* the new root keys, so clients
        that trust the old root accept it. After rotating timestamp or snapshot keys,
        clients drop their cached timestamp/snapshot: this is how a publisher recovers
        from a fast-forward attack made with a stolen key.
        """
        if role not in TOP_LEVEL_ROLE_NAMES:
            roles = ", ".join(sorted(TOP_LEVEL_ROLE_NAMES))
            raise BadInputError(f"Unknown role {role!r}; use one of {roles}.")
        md: Metadata[Root] = self.load(Root.type)
        old_root_signers = self.signers(Root.type)
        old_ids = list(md.signed.roles[role].keyids)
        new: list[Signer] = [self._new_key(role) for _ in range(max(len(old_ids), 1))]
        for keyid in old_ids:
            md.signed.revoke_key(keyid, role)
            self._forget_key(role, keyid)
        for signer in new:
            md.signed.add_key(signer.public_key, role)
        md.signed.version += 1
        md.signed.expires = _expires(self.expiry.root_days)
        # the old root keys vouch for the new root; the new ones must sign it too
        self._write_root(md, old_root_signers + (new if role == Root.type else []))
        if role == Targets.type:
            targets = self.load(Targets.type).signed
            targets.version += 1
            self._publish_targets(targets)
        else:
            self.refresh(new_snapshot=True)
        return [str(signer.public_key.keyid) for signer in new]

    # -- adding content ---------------------------------------------------------------------
    def _add_target(
        self,
        targets: Targets,
        path: str,
        local: Path,
        custom: dict[str, Any],
        encrypt_to: tuple[str, ...] = (),
    ) -> TargetFile:
        if encrypt_to:
            # TUF signs the ciphertext as published; the plaintext's hash rides in `custom`
            sealed = self.root / "work" / f"{local.name}.age"
            recipients = [r for site in encrypt_to for r in self.site_keys.recipients(site)]
            seal = sealing.seal(local, sealed, recipients, encrypt_to)
            custom = {**custom, sealing.CUSTOM_KEY: seal.to_custom()}
            local = sealed
        info = TargetFile.from_file(path, str(local), ["sha256"])
        info.unrecognized_fields["custom"] = custom
        dest = self.target_file(info)
        dest.parent.mkdir(parents=True, exist_ok=True)
        if not dest.exists():
            with staged_file(dest) as staged, local.open("rb") as src:
                shutil.copyfileobj(src, staged.file)
                staged.commit(dest)
        targets.targets[path] = info
        return info

    def add_version(
        self,
        model: Path,
        version: str,
        diff_from: list[str] | None = None,
        level: int = 9,
        *,
        pack: str = FULL,
        diff_from_full: list[str] | None = None,
        encrypt_to: tuple[str, ...] = (),
    ) -> VersionEntry:
        """Publish ``model`` as ``version`` with diffs from the named earlier versions.

        With ``pack``, ``model`` must be that site pack (its ``genba.pack.name``) and is
        published in the pack's own line: ``diff_from`` then names earlier versions of
        the pack and ``diff_from_full`` full-model versions; a diff from the full version
        the pack was cut from (``genba.pack.base_sha256``) is always added, since that is
        how a PC switches to the pack.

        With ``encrypt_to`` (site names), the model and its diffs are published encrypted
        to those sites' keys (:mod:`updater.sealing`); the release index and manifests stay
        readable so that a PC can plan its path before it needs a key.
        """
        for site in encrypt_to:
            self.site_keys.recipients(site)  # fail before any work when a site has no key
        release = self.release()
        if pack:
            self._check_pack(model, pack)
        line = release.line(pack)
        if any(entry.version == version for entry in line):
            raise BadInputError(f"Version {version} is already published; pick a new label.")
        if any(c in version for c in "/\\ ") or version.startswith(".") or ".." in version:
            raise BadInputError("A version label may not contain '/', '\\', spaces or '..'.")
        targets: Targets = self.load(Targets.type).signed
        targets.version += 1
        manifest = build_manifest(model, version)
        work = self.root / "work"
        work.mkdir(exist_ok=True)
        manifest_file = work / f"{version}.manifest.json"
        atomic_write_bytes(manifest_file, manifest.to_bytes())
        prefix = f"packs/{pack}/" if pack else ""
        model_info = self._add_target(
            targets, f"{prefix}models/{version}/{model.name}", model, {"kind": "model"}, encrypt_to
        )
        manifest_info = self._add_target(
            targets, f"{prefix}manifests/{version}.json", manifest_file, {"kind": "manifest"}
        )
        sources = [(pack, v) for v in diff_from or []]
        if pack:
            sources += [(FULL, v) for v in self._full_sources(release, model, diff_from_full)]
        diffs = [
            self._add_diff(
                targets,
                release,
                source,
                new=(manifest, model),
                level=level,
                pack=pack,
                encrypt_to=encrypt_to,
            )
            for source in sources
        ]
        entry = VersionEntry(
            version=version,
            serial=(line[-1].serial + 1) if line else 1,
            model=model_info.path,
            sha256=manifest.sha256,
            length=manifest.length,
            manifest=manifest_info.path,
            diffs=tuple(diffs),
            pack=pack,
        )
        release_file = work / "release.json"
        atomic_write_bytes(release_file, release.with_entry(entry).to_bytes())
        self._add_target(targets, RELEASE_PATH, release_file, {"kind": "release"})
        self._publish_targets(targets)
        shutil.rmtree(work)
        return entry

    @staticmethod
    def _check_pack(model: Path, pack: str) -> None:
        if not valid_pack_name(pack):
            raise BadInputError(
                f"{pack!r} cannot name a pack: use up to 64 letters, digits, '-' or '_'."
            )
        meta = read_pack_info(model)
        if meta is None:
            raise BadInputError(
                f"{model} is not a site pack (no genba.pack.name); build one with "
                "`genba-publish pack` or publish it without --pack."
            )
        if meta.get("name") != pack:
            raise BadInputError(f"{model} is the site pack {meta.get('name')!r}, not {pack!r}.")

    @staticmethod
    def _full_sources(release: Release, model: Path, named: list[str] | None) -> list[str]:
        """Full versions to diff a pack from: those named, plus the one it was cut from."""
        sources = list(named or [])
        meta = read_pack_info(model) or {}
        base_sha = str(meta.get("base_sha256") or "").lower()
        base = release.find(sha256=base_sha) if base_sha else None
        if base is not None and base.version not in sources:
            sources.append(base.version)
        return sources

    def _add_diff(
        self,
        targets: Targets,
        release: Release,
        source: tuple[str, str],
        *,
        new: tuple[Manifest, Path],
        level: int,
        pack: str = FULL,
        encrypt_to: tuple[str, ...] = (),
    ) -> DiffRef:
        manifest, model = new
        source_pack, version = source
        old = next((e for e in release.line(source_pack) if e.version == version), None)
        if old is None:
            what = f"version {version} of pack {source_pack}" if source_pack else version
            raise BadInputError(f"Cannot diff from {what}: it is not published.")
        old_file = self._plain_model(targets.targets[old.model], old.label)
        if sha256_file(old_file) != old.sha256:
            raise BadInputError(f"The stored file of version {old.label} is damaged: {old_file}.")
        # the name says which line the diff starts from: packs/<p>/diffs/full-3..2.gdiff
        stem = f"full-{version}" if pack and not source_pack else version
        diff_file = self.root / "work" / f"{stem}..{manifest.version}.gdiff"
        with diff_file.open("wb") as fh:
            build_diff(build_manifest(old_file, version), manifest, model, fh, level=level)
        prefix = f"packs/{pack}/" if pack else ""
        path = f"{prefix}diffs/{stem}..{manifest.version}.gdiff"
        custom = {"kind": "diff", "from": version}
        if source_pack:
            custom["from_pack"] = source_pack
        info = self._add_target(targets, path, diff_file, custom, encrypt_to)
        return DiffRef(source=version, path=path, length=info.length, source_pack=source_pack)

    def add_docpack(
        self,
        folder: Path,
        name: str,
        version: str | None = None,
        *,
        encrypt_to: tuple[str, ...] = (),
    ) -> DocPackEntry:
        """Publish the documents of ``folder`` as version ``version`` of document pack ``name``.

        The archive is deterministic (:mod:`updater.docpack_archive`), a TUF target under
        ``docpacks/<name>/<version>/`` listed in the signed release index. ``version``
        defaults to the next serial number. With ``encrypt_to``, the archive is published
        encrypted to those sites' keys, exactly as a model is (:mod:`updater.sealing`).
        """
        if not valid_pack_name(name):
            raise BadInputError(
                f"{name!r} cannot name a document pack: use up to 64 letters, digits, '-' or '_'."
            )
        for site in encrypt_to:
            self.site_keys.recipients(site)  # fail before any work when a site has no key
        release = self.release()
        line = release.docpacks.get(name, ())
        serial = (line[-1].serial + 1) if line else 1
        version = version or str(serial)
        if not valid_pack_name(version.replace(".", "_")):
            raise BadInputError(
                f"{version!r} cannot label a version: use letters, digits, '.', '-' or '_'."
            )
        if any(entry.version == version for entry in line):
            raise BadInputError(
                f"Version {version} of document pack {name} is already published; "
                "pick a new label."
            )
        work = self.root / "work"
        work.mkdir(exist_ok=True)
        try:
            archive = work / f"{name}-{version}.tar.zst"
            built = build_archive(folder, archive)
            targets: Targets = self.load(Targets.type).signed
            targets.version += 1
            path = f"docpacks/{name}/{version}/{archive.name}"
            self._add_target(targets, path, archive, {"kind": "docpack"}, encrypt_to)
            entry = DocPackEntry(
                name, version, serial, path, built.sha256, built.length, built.files,
                built.unpacked,
            )  # fmt: skip
            release_file = work / "release.json"
            atomic_write_bytes(release_file, release.with_docpack(entry).to_bytes())
            self._add_target(targets, RELEASE_PATH, release_file, {"kind": "release"})
            self._publish_targets(targets)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        return entry

    def _plain_model(self, info: TargetFile, version: str) -> Path:
        """The clear file of a published model; an encrypted one is decrypted into work/."""
        stored = self.target_file(info)
        seal = sealing.Sealing.of(info.custom)
        if seal is None:
            return stored
        plain = self.root / "work" / f"{version}.plain.gguf"
        if not plain.exists():
            sealing.open_sealed(
                stored, plain, self.site_keys.all_identities(), seal, what=f"version {version}"
            )
        return plain

    def export_bundle(
        self,
        dest: Path,
        encrypt_to: tuple[str, ...] = (),
        docpacks: tuple[str, ...] | None = None,
    ) -> Path:
        """Copy the published tree to ``dest`` (e.g. a USB stick) for `genba update import`.

        With ``encrypt_to``, the bundle holds only the models, diffs and document packs
        published encrypted for all those sites (plus the signed metadata, release index
        and manifests), so a lost stick carries no model in clear; the latest version must
        be among them. Document packs: the latest version of each, of only the packs named
        in ``docpacks`` (the ones the site follows) when it is given.
        """
        if dest.exists() and any(dest.iterdir()):
            raise BadInputError(f"{dest} is not empty; choose an empty folder for the bundle.")
        wanted_docs = self._bundle_docpacks(docpacks)
        if not encrypt_to:
            skipped = {
                self.target_file(info)
                for path, info in self.load(Targets.type).signed.targets.items()
                if path.startswith("docpacks/") and path not in wanted_docs
            }

            def ignore(folder: str, names: list[str]) -> set[str]:
                return {n for n in names if Path(folder) / n in skipped}

            shutil.copytree(self.root / "published", dest, dirs_exist_ok=True, ignore=ignore)
            return dest
        for site in encrypt_to:
            self.site_keys.recipients(site)  # the site must exist
        latest = self.release().latest
        targets: Targets = self.load(Targets.type).signed
        keep: list[Path] = []
        for path, info in targets.targets.items():
            seal = sealing.Sealing.of(info.custom)
            readable = info.custom.get("kind") in {"release", "manifest"}
            if path.startswith("docpacks/") and path not in wanted_docs:
                continue
            if readable or (seal is not None and set(encrypt_to) <= set(seal.sites)):
                keep.append(self.target_file(info))
            elif latest is not None and path == latest.model:
                sites = " ".join(f"--encrypt-to {s}" for s in encrypt_to)
                raise BadInputError(
                    f"Version {latest.version} is not published encrypted for "
                    f"{', '.join(encrypt_to)}; publish a version with `genba-publish add ... "
                    f"{sites}` first."
                )
        shutil.copytree(self.metadata_dir, dest / "metadata", dirs_exist_ok=True)
        for file in keep:
            target = dest / "targets" / file.relative_to(self.targets_dir)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(file, target)
        return dest

    def _bundle_docpacks(self, names: tuple[str, ...] | None) -> set[str]:
        """Target paths of the document packs a bundle carries: the latest of each named one."""
        release = self.release()
        chosen = list(release.docpacks) if names is None else list(names)
        missing = [n for n in chosen if release.latest_docpack(n) is None]
        if missing:
            raise BadInputError(
                f"Document pack {', '.join(missing)} is not published; publish it with "
                "`genba-publish docs add` or leave it out of the bundle."
            )
        return {entry.target for n in chosen if (entry := release.latest_docpack(n))}
