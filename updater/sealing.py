"""Encrypted targets: files sealed to a site's public key, opened only after TUF verified them.

The format is **age v1** (https://age-encryption.org/v1) through ``pyrage``, the Python
binding of rage (the Rust implementation of age). No cryptography is written here:
age wraps a random file key for each X25519 recipient and encrypts the payload with
ChaCha20-Poly1305 in 64 KiB chunks (the STREAM construction), so a file of any size
is encrypted and decrypted in bounded memory and every chunk is authenticated. Debian's
``age`` command can inspect and decrypt the same files (``age -d -i site.key``).

Order of checks on a PC (:func:`open_sealed` is the middle step):

1. TUF verifies the *ciphertext* against the signed targets metadata (length and sha256
   of the file as published), whatever host or USB stick it came from;
2. age decrypts it with the site's private key; a wrong key, a missing key or a chunk
   that fails authentication stops here with one line;
3. the plaintext's sha256 and length are checked against the signed release index (the
   model's manifest hash) before the file is renamed into place.

A sealed target carries, in its signed TUF ``custom`` field, ``{"encrypted": {"format":
"age-v1", "sites": [...], "sha256": <plaintext>, "length": <plaintext>}}`` — the site
names tell the PC which key to look for and the operator which key is missing.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import pyrage
from disk.atomic import staged_file
from pyrage import x25519

from updater.errors import ContentError, SiteKeyError
from updater.files import storage_error

FORMAT = "age-v1"
CUSTOM_KEY = "encrypted"
MAGIC = b"age-encryption.org/v1\n"


@dataclass(frozen=True)
class Sealing:
    """How a target is encrypted: for which sites, and the plaintext's hash and length."""

    sites: tuple[str, ...]
    sha256: str
    length: int

    def to_custom(self) -> dict[str, Any]:
        """The value stored under ``custom["encrypted"]`` in the signed targets metadata."""
        return {
            "format": FORMAT,
            "sites": list(self.sites),
            "sha256": self.sha256,
            "length": self.length,
        }

    @classmethod
    def of(cls, custom: Mapping[str, Any] | None) -> Sealing | None:
        """The sealing a target's signed ``custom`` field declares, or None for a clear target."""
        raw = (custom or {}).get(CUSTOM_KEY)
        if raw is None:
            return None
        try:
            if raw["format"] != FORMAT:
                raise ValueError(f"format {raw['format']!r}")
            return cls(
                sites=tuple(str(s) for s in raw["sites"]),
                sha256=str(raw["sha256"]),
                length=int(raw["length"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ContentError(
                f"The update's encryption details are unreadable ({exc}); this genba may be "
                "too old for the repository. Nothing was installed."
            ) from exc

    @property
    def site_names(self) -> str:
        """The sites, as an operator reads them (``plant-a`` or ``plant-a, plant-b``)."""
        return ", ".join(self.sites) or "(no site)"


def parse_recipient(text: str) -> x25519.Recipient:
    """An age X25519 public key (``age1…``); ``SiteKeyError`` if it is not one."""
    try:
        return x25519.Recipient.from_str(text.strip())
    except pyrage.RecipientError as exc:
        raise SiteKeyError(f"{text.strip()[:16]}… is not an age public key (age1…).") from exc


def parse_identity(line: str) -> x25519.Identity:
    """An age X25519 private key line (``AGE-SECRET-KEY-1…``); the key never enters a message."""
    try:
        return x25519.Identity.from_str(line.strip())
    except pyrage.IdentityError:
        # `from None`: pyrage's message could quote the key
        raise SiteKeyError("A site key line is damaged (not an age secret key).") from None


def is_sealed_file(path: Path) -> bool:
    """Whether ``path`` starts like an age file (used to refuse encrypted files given as clear)."""
    try:
        with path.open("rb") as fh:
            return fh.read(len(MAGIC)) == MAGIC
    except OSError:
        return False


class _HashingReader(io.RawIOBase):
    """Feeds what age reads from the plaintext into a sha256, so the file is read once."""

    def __init__(self, source: BinaryIO) -> None:
        super().__init__()
        self._source = source
        self.digest = hashlib.sha256()
        self.length = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._source.read(len(buffer))
        buffer[: len(data)] = data
        self.digest.update(data)
        self.length += len(data)
        return len(data)


class _HashingWriter(io.RawIOBase):
    """Feeds the decrypted bytes into a sha256 on their way to the staged file."""

    def __init__(self, sink: BinaryIO) -> None:
        super().__init__()
        self._sink = sink
        self.digest = hashlib.sha256()
        self.length = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        view = bytes(data)
        self.digest.update(view)
        self.length += len(view)
        self._sink.write(view)
        return len(view)


def seal(
    src: Path, dest: Path, recipients: Sequence[x25519.Recipient], sites: Sequence[str]
) -> Sealing:
    """Encrypt ``src`` into ``dest`` (atomically) for every recipient; streams in 64 KiB chunks."""
    if not recipients:
        raise SiteKeyError(
            "No site key to encrypt to; create one with `genba-publish site-key new`."
        )
    try:
        with staged_file(dest) as staged, src.open("rb") as fh:
            reader = _HashingReader(fh)
            pyrage.encrypt_io(reader, staged.file, list(recipients))  # type: ignore[arg-type]
            staged.commit(dest, 0o644)
    except pyrage.EncryptError as exc:
        raise SiteKeyError(f"Could not encrypt {src.name}: {exc}.") from exc
    except OSError as exc:
        raise storage_error(exc, f"encrypting {src.name}") from exc
    return Sealing(tuple(sites), reader.digest.hexdigest(), reader.length)


def open_sealed(
    src: Path,
    dest: Path,
    identities: Sequence[x25519.Identity],
    sealing: Sealing,
    *,
    what: str = "update",
) -> None:
    """Decrypt ``src`` (already verified by TUF) into ``dest``; nothing is left unless it verifies.

    The plaintext goes to a temp file beside ``dest`` and is renamed only after its
    sha256 and length match ``sealing`` (which is signed). ``what`` names the thing in
    messages ("update", "bundle").
    """
    try:
        with staged_file(dest) as staged, src.open("rb") as fh:
            writer = _HashingWriter(staged.file)
            _decrypt(fh, writer, identities, sealing, what)
            if writer.digest.hexdigest() != sealing.sha256 or writer.length != sealing.length:
                raise ContentError(
                    f"The decrypted {what} does not match its signed hash; nothing was "
                    "installed. Tell your IT department (the publisher signed a wrong file)."
                )
            staged.commit(dest, 0o644)
    except OSError as exc:
        raise storage_error(exc, f"decrypting {dest.name}") from exc


def _decrypt(
    source: BinaryIO,
    sink: _HashingWriter,
    identities: Sequence[x25519.Identity],
    sealing: Sealing,
    what: str,
) -> None:
    try:
        pyrage.decrypt_io(source, sink, list(identities))  # type: ignore[arg-type]
    except pyrage.DecryptError as exc:
        if "no matching keys" in str(exc).lower():
            raise SiteKeyError(
                f"This {what} is encrypted for site {sealing.site_names}, but no site key on "
                "this PC opens it (the key was probably rotated). Import the current key of "
                f"site {sealing.site_names} with `genba update key import FILE`. "
                "Nothing was installed."
            ) from None
        raise ContentError(
            f"The encrypted {what} is not a valid age file ({exc}); nothing was installed."
        ) from None
    except OSError as exc:
        if exc.errno is not None:  # a real I/O error (disk full…) from writing the plaintext
            raise
        # rage reports a chunk that fails authentication (or a truncated file) as a bare
        # I/O error without errno; TUF checked the bytes, so the publisher signed them so.
        raise ContentError(
            f"The encrypted {what} failed its integrity check while decrypting; nothing "
            "was installed. Tell your IT department (the publisher signed a damaged file)."
        ) from None
