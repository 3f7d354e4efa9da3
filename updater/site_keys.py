"""The site keys on a PC: the private keys that open updates and bundles encrypted for its site.

They live in one of two places, and both are read when an encrypted target arrives:

* the **machine key file** ``<update_dir>/site-keys.txt`` — for the machine-wide store that
  is ``/var/lib/genba/updates/site-keys.txt``, written and read only by the update service
  (root / SYSTEM). It must be a regular file owned by the account that reads it and
  readable by nobody else (mode 0600): a key file that a group or other users can read is
  refused with one line, never used (POSIX; on Windows the folder's ACL, set by the MSI,
  does this job);
* the **OS keyring** (service ``genba-site-keys``), for a user's own store on a desktop with
  a keyring (Windows Credential Manager, macOS Keychain, Secret Service). As for the remote
  server's token (``engine/remote/credentials.py``; the updater may not import the engine,
  so the rule is repeated here), placeholder and plain-text keyring backends are refused.

The key file is an age identity file, the format ``age-keygen`` writes, so ``age -d -i
site-keys.txt`` opens the same files; genba adds ``# site:`` and ``# created:`` comments
so that ``genba update key list`` can name each key. Private keys are never printed or
logged: listings show the public key (``age1…``) only.
"""

from __future__ import annotations

import logging
import os
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path

import keyring
import keyring.errors
from keyring.backend import KeyringBackend
from pyrage import x25519

from updater.errors import BadInputError, SiteKeyError
from updater.files import atomic_write_bytes
from updater.sealing import Sealing, parse_identity

log = logging.getLogger(__name__)

KEY_FILE_NAME = "site-keys.txt"
KEYRING_SERVICE = "genba-site-keys"
KEYRING_USER = "identities"
_SECRET_PREFIX = "AGE-SECRET-KEY-"


@dataclass(frozen=True)
class SiteKey:
    """One private site key: the site it belongs to, its public key, and (hidden) the secret."""

    site: str
    public: str
    created: str = ""
    secret: str = field(default="", repr=False)
    """The ``AGE-SECRET-KEY-1…`` line; kept out of ``repr`` so it never reaches a log."""

    @property
    def identity(self) -> x25519.Identity:
        """The pyrage identity that decrypts."""
        return parse_identity(self.secret)

    @property
    def key_id(self) -> str:
        """A short, public name for the key (the end of its public key)."""
        return self.public[-8:]

    def block(self) -> str:
        """This key as an age identity file block (what ``age-keygen`` writes, plus the site)."""
        lines = [f"# site: {self.site}"]
        if self.created:
            lines.append(f"# created: {self.created}")
        lines += [f"# public key: {self.public}", self.secret, ""]
        return "\n".join(lines)


def parse_keys(text: str) -> list[SiteKey]:
    """Every key of an age identity file; ``# site:``/``# created:`` comments name the next key."""
    keys: list[SiteKey] = []
    site, created = "", ""
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("#"):
            name, _, value = line[1:].partition(":")
            if name.strip() == "site":
                site = value.strip()
            elif name.strip() == "created":
                created = value.strip()
            continue
        if not line:
            continue
        if not line.startswith(_SECRET_PREFIX):
            raise SiteKeyError("The key file holds a line that is not an age secret key.")
        public = str(parse_identity(line).to_public())
        keys.append(SiteKey(site or "unnamed", public, created, line))
        site, created = "", ""
    return keys


def format_keys(keys: list[SiteKey]) -> str:
    """An age identity file holding ``keys``."""
    return "# genba site keys (age identity file). Keep this file private.\n" + "\n".join(
        key.block() for key in keys
    )


def key_file(update_dir: Path) -> Path:
    """The machine key file of the store whose update folder is ``update_dir``."""
    return update_dir / KEY_FILE_NAME


def check_key_file(path: Path) -> None:
    """Refuse a key file that is not a regular file owned by us and private to us (POSIX)."""
    try:
        st = path.lstat()
    except OSError as exc:
        raise SiteKeyError(f"The site key file {path} cannot be read ({exc.strerror}).") from exc
    if not stat.S_ISREG(st.st_mode):
        raise SiteKeyError(f"The site key file {path} is not a regular file; replace it.")
    if sys.platform == "win32":
        return  # no POSIX modes: %ProgramData%\genba is locked to SYSTEM/Administrators
    if st.st_uid != os.geteuid():
        raise SiteKeyError(
            f"The site key file {path} belongs to another account (uid {st.st_uid}); "
            f"only the account that updates genba may own it: `chown {os.geteuid()} {path}`."
        )
    if st.st_mode & 0o077:
        raise SiteKeyError(
            f"The site key file {path} can be read by other accounts (mode "
            f"{stat.S_IMODE(st.st_mode):04o}); run `chmod 600 {path}` and try again."
        )


def _read_key_file(path: Path) -> list[SiteKey]:
    if not path.exists() and not path.is_symlink():
        return []
    check_key_file(path)
    try:
        return parse_keys(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise SiteKeyError(f"The site key file {path} cannot be read ({exc}).") from None


# -- the OS keyring (same refusal rule as engine/remote/credentials.py) ---------------------
_REFUSED_MODULES = ("keyring.backends.fail", "keyring.backends.null")
_REFUSED_NAMES = ("plaintext", "unencrypted")


def _is_safe(backend: KeyringBackend) -> bool:
    cls = type(backend)
    if cls.__module__.startswith(_REFUSED_MODULES):
        return False
    name = f"{cls.__module__}.{cls.__qualname__}".lower()
    return not any(word in name for word in _REFUSED_NAMES)


def safe_keyring() -> KeyringBackend | None:
    """The keyring backend to keep site keys in, or None when there is no safe one."""
    active = keyring.get_keyring()
    members = getattr(active, "backends", None)
    if isinstance(members, list):
        safe = [b for b in members if _is_safe(b)]
        return safe[0] if safe else None
    return active if _is_safe(active) else None


def _read_keyring() -> list[SiteKey]:
    backend = safe_keyring()
    if backend is None:
        return []
    try:
        text = backend.get_password(KEYRING_SERVICE, KEYRING_USER)
    except keyring.errors.KeyringError as exc:
        # a locked keyring must not hide the key file's keys; the exception never holds a key
        log.warning("Cannot read the site keys from the OS keyring: %s", type(exc).__name__)
        return []
    return parse_keys(text) if text else []


def _write_keyring(keys: list[SiteKey]) -> str:
    backend = safe_keyring()
    if backend is None:
        raise SiteKeyError(
            "No safe OS keyring is available on this PC; import the key into the machine key "
            "file instead (`genba update key import FILE`, run by the update service's account)."
        )
    try:
        backend.set_password(KEYRING_SERVICE, KEYRING_USER, format_keys(keys))
    except keyring.errors.KeyringError as exc:
        raise SiteKeyError(
            f"The OS keyring refused to store the site key ({type(exc).__name__})."
        ) from None
    cls = type(backend)
    return f"the OS keyring ({cls.__module__}.{cls.__qualname__})"


# -- what the update client and `genba update key` use -------------------------------------
def load_keys(update_dir: Path) -> list[tuple[SiteKey, str]]:
    """Every site key this process can use, with where it is kept ("file" or "keyring")."""
    found = [(k, "file") for k in _read_key_file(key_file(update_dir))]
    seen = {k.public for k, _ in found}
    found += [(k, "keyring") for k in _read_keyring() if k.public not in seen]
    return found


def identities_for(sealing: Sealing, update_dir: Path, *, what: str) -> list[x25519.Identity]:
    """The identities to try on a target sealed as ``sealing``; ``SiteKeyError`` if there are none.

    All keys are tried (age finds the one that opens the file; a site label in a key file
    is a comment, not a guarantee). Called before anything is downloaded, so a PC without
    the key does not fetch a model it cannot open.
    """
    keys = [key for key, _ in load_keys(update_dir)]
    if not keys:
        raise SiteKeyError(
            f"This {what} is encrypted for site {sealing.site_names}; import the site key with "
            "`genba update key import FILE` (your IT department makes the file with "
            "`genba-publish site-key export`). Nothing was installed."
        )
    return [key.identity for key in keys]


def import_keys(
    source: Path, update_dir: Path, *, to_keyring: bool = False
) -> tuple[list[SiteKey], str]:
    """Add the keys of the age identity file ``source``; returns the new keys and where they went.

    Keys already present are skipped. The key file is written atomically with mode 0600.
    """
    try:
        text = source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInputError(f"Cannot read the key file {source} ({exc}).") from None
    new = parse_keys(text)
    if not new:
        raise BadInputError(f"{source} holds no site key (no AGE-SECRET-KEY line).")
    old = _read_keyring() if to_keyring else _read_key_file(key_file(update_dir))
    known = {k.public for k in old}
    added = [k for k in new if k.public not in known]
    if to_keyring:
        where = _write_keyring(old + added)
    else:
        update_dir.mkdir(parents=True, exist_ok=True)
        path = key_file(update_dir)
        atomic_write_bytes(path, format_keys(old + added).encode())  # mkstemp: mode 0600
        where = str(path)
    return added, where


def remove_site(site: str, update_dir: Path) -> int:
    """Forget every key of ``site`` (key file and keyring); returns how many were removed."""
    removed = 0
    path = key_file(update_dir)
    old = _read_key_file(path)
    keep = [k for k in old if k.site != site]
    if len(keep) != len(old):
        removed += len(old) - len(keep)
        atomic_write_bytes(path, format_keys(keep).encode())
    ring = _read_keyring()
    ring_keep = [k for k in ring if k.site != site]
    if len(ring_keep) != len(ring):
        removed += len(ring) - len(ring_keep)
        _write_keyring(ring_keep)
    return removed
