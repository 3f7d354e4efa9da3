"""The publisher's site keys: one age key pair per site, kept beside the signing keys.

Layout inside a repository (``REPO/keys/`` never leaves the publisher's machine, like the
TUF signing keys in the same folder)::

    REPO/keys/sites.json                 site -> keys: id, public key, file, created, state
    REPO/keys/site-<site>-<id>.txt       age identity file of one key, mode 0600

A site has one ``current`` key and, after :meth:`SiteKeyRing.rotate`, the ``previous`` one
until the next rotation (or ``--drop-old``). Targets are encrypted to both, so PCs that
have not yet imported the new key still update; once every PC has it, rotate with
``--drop-old`` (or right away, when the old key was lost) and new targets no longer open
with the old key.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pyrage import x25519

from updater.errors import BadInputError
from updater.files import atomic_write_bytes
from updater.sealing import parse_recipient
from updater.site_keys import SiteKey, format_keys, parse_keys

_SITE_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,62}")


def check_site_name(site: str) -> str:
    """``site`` if it is a usable site name (lower-case letters, digits, ``.``, ``_``, ``-``)."""
    if not _SITE_NAME.fullmatch(site):
        raise BadInputError(
            f"{site!r} is not a site name; use lower-case letters, digits, '.', '_' or '-' "
            "(e.g. plant-a)."
        )
    return site


@dataclass(frozen=True)
class PublishedKey:
    """One site key as the publisher lists it (no secret)."""

    site: str
    key_id: str
    public: str
    created: str
    state: str  # "current" or "previous"

    def to_json(self) -> dict[str, str]:
        """Machine-readable form."""
        return {
            "site": self.site,
            "id": self.key_id,
            "public": self.public,
            "created": self.created,
            "state": self.state,
        }


class SiteKeyRing:
    """The site keys of one publisher repository (``keys_dir`` is ``REPO/keys``)."""

    def __init__(self, keys_dir: Path) -> None:
        self.keys_dir = keys_dir
        self._index_file = keys_dir / "sites.json"

    def _index(self) -> dict[str, list[dict[str, Any]]]:
        if not self._index_file.exists():
            return {}
        data: dict[str, list[dict[str, Any]]] = json.loads(self._index_file.read_text())
        return data

    def _save(self, index: dict[str, list[dict[str, Any]]]) -> None:
        atomic_write_bytes(self._index_file, json.dumps(index, indent=1).encode())

    def _generate(self, site: str) -> dict[str, Any]:
        identity = x25519.Identity.generate()
        public = str(identity.to_public())
        created = datetime.now(UTC).isoformat(timespec="seconds")
        key = SiteKey(site, public, created, str(identity))
        key_file = self.keys_dir / f"site-{site}-{key.key_id}.txt"
        atomic_write_bytes(key_file, format_keys([key]).encode())
        key_file.chmod(0o600)  # like the signing keys (mkstemp already made it 0600)
        return {"id": key.key_id, "public": public, "file": key_file.name, "created": created}

    def new(self, site: str) -> PublishedKey:
        """Create the first key of ``site``."""
        check_site_name(site)
        index = self._index()
        if index.get(site):
            raise BadInputError(
                f"Site {site} already has a key; use `site-key rotate` to replace it."
            )
        index[site] = [{**self._generate(site), "state": "current"}]
        self._save(index)
        return self._listed(site, index[site][0])

    def rotate(self, site: str, *, drop_old: bool = False) -> PublishedKey:
        """Give ``site`` a new current key; the old one stays ``previous`` unless ``drop_old``."""
        index = self._index()
        old = self._entries(site, index)
        keep: list[dict[str, Any]] = []
        for item in old:
            if item["state"] == "current" and not drop_old:
                keep.append({**item, "state": "previous"})
            else:
                (self.keys_dir / item["file"]).unlink(missing_ok=True)
        fresh = {**self._generate(site), "state": "current"}
        index[site] = [fresh, *keep]
        self._save(index)
        return self._listed(site, fresh)

    def _entries(self, site: str, index: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
        entries = index.get(check_site_name(site))
        if not entries:
            raise BadInputError(
                f"Site {site} has no key in this repository; create one with "
                f"`genba-publish site-key new REPO {site}`."
            )
        return entries

    @staticmethod
    def _listed(site: str, item: dict[str, Any]) -> PublishedKey:
        return PublishedKey(site, item["id"], item["public"], item["created"], item["state"])

    def listing(self) -> list[PublishedKey]:
        """Every site key (current first), without secrets."""
        return [
            self._listed(site, item)
            for site, items in sorted(self._index().items())
            for item in items
        ]

    def recipients(self, site: str) -> list[x25519.Recipient]:
        """The public keys a target for ``site`` is encrypted to (current and previous)."""
        return [parse_recipient(item["public"]) for item in self._entries(site, self._index())]

    def public_keys(self, site: str) -> list[str]:
        """The ``age1…`` public keys of ``site`` (current first)."""
        return [str(item["public"]) for item in self._entries(site, self._index())]

    def secret_keys(self, site: str) -> list[SiteKey]:
        """The private keys of ``site`` (current first), for the file PCs import."""
        keys: list[SiteKey] = []
        for item in self._entries(site, self._index()):
            keys += parse_keys((self.keys_dir / item["file"]).read_text(encoding="utf-8"))
        return keys

    def export_identity(self, site: str, dest: Path) -> list[SiteKey]:
        """Write the age identity file PCs of ``site`` import (mode 0600); never overwrites."""
        if dest.exists():
            raise BadInputError(f"{dest} exists; choose a new file name for the key.")
        keys = self.secret_keys(site)
        atomic_write_bytes(dest, format_keys(keys).encode())
        dest.chmod(0o600)
        return keys

    def all_identities(self) -> list[x25519.Identity]:
        """Every private key held (to read back older encrypted targets when making diffs)."""
        return [key.identity for site in self._index() for key in self.secret_keys(site)]
