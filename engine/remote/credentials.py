"""The remote server's token, kept in the operating system's keyring and nowhere else.

The token is stored under service ``genba`` with the server's origin
(``https://host:port``) as the user name, so pointing ``fallback.url`` at a
different server never sends it the old server's token.

genba never writes the token to a file or a log, and never uses a keyring
backend that would: the ``keyrings.alt`` plaintext file, and keyring's ``fail``
and ``null`` placeholders, are refused (when keyring's chainer holds a mix, only
its safe members are used). With no safe keyring genba works without a token
and :func:`keyring_status` says so in words an IT person can act on.

Error tree: only :class:`~engine.errors.CredentialError` leaves this module,
and only from :func:`set_token`/:func:`delete_token`; reading never fails a
query (no token is a normal state).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

import keyring
import keyring.errors
from keyring.backend import KeyringBackend

from engine.errors import CredentialError

log = logging.getLogger(__name__)

SERVICE = "genba"

# Backends that keep secrets in plain files or don't keep them at all.
_REFUSED_MODULES = ("keyring.backends.fail", "keyring.backends.null")
_REFUSED_NAMES = ("plaintext", "unencrypted")


@dataclass(frozen=True)
class KeyringStatus:
    """Which keyring genba would use, and whether it is safe to."""

    usable: bool
    backend: str
    message: str


def is_safe_backend(backend: KeyringBackend) -> bool:
    """False for placeholder backends and for any that store secrets in plain text."""
    cls = type(backend)
    name = f"{cls.__module__}.{cls.__qualname__}"
    if cls.__module__.startswith(_REFUSED_MODULES):
        return False
    if cls.__module__.startswith("keyrings.alt") and any(
        word in name.lower() for word in _REFUSED_NAMES
    ):
        return False
    return not any(word in cls.__qualname__.lower() for word in _REFUSED_NAMES)


def _describe(backend: KeyringBackend) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def _safe_backend(backend: KeyringBackend | None = None) -> tuple[KeyringBackend | None, str]:
    """The backend to use (None if there is no safe one), and the active backend's name."""
    active = backend if backend is not None else keyring.get_keyring()
    members = getattr(active, "backends", None)
    if isinstance(members, list):  # the chainer: pick its best safe member
        safe = [b for b in members if is_safe_backend(b)]
        return (safe[0] if safe else None), _describe(active)
    return (active if is_safe_backend(active) else None), _describe(active)


def keyring_status(backend: KeyringBackend | None = None) -> KeyringStatus:
    """Say whether a safe OS keyring is available (shown by ``genba doctor``)."""
    chosen, active = _safe_backend(backend)
    if chosen is not None:
        return KeyringStatus(True, _describe(chosen), "the remote token is kept in the OS keyring")
    return KeyringStatus(
        False,
        active,
        "no safe OS keyring is available (found only "
        f"{active}); genba will not store a token in a plain file and uses the remote "
        "server without one. Install or unlock the system keyring (Windows Credential "
        "Manager, macOS Keychain, or a Secret Service such as GNOME Keyring or KWallet).",
    )


def origin(url: str) -> str:
    """``scheme://host:port`` of a URL: the keyring user name a token is stored under."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{parts.scheme}://{(parts.hostname or '').lower()}:{port}"


def get_token(url: str, backend: KeyringBackend | None = None) -> str | None:
    """The token for the server at ``url``, or None (no token, or no safe keyring)."""
    chosen, _ = _safe_backend(backend)
    if chosen is None:
        return None
    try:
        token = chosen.get_password(SERVICE, origin(url))
    except keyring.errors.KeyringError as exc:
        # A locked or broken keyring must not stop an answer: go on without a token.
        log.warning("Cannot read the remote token from the keyring: %s", type(exc).__name__)
        return None
    return token or None


def set_token(url: str, token: str, backend: KeyringBackend | None = None) -> None:
    """Store the token for the server at ``url``; raise CredentialError when that is unsafe."""
    chosen, active = _safe_backend(backend)
    if chosen is None:
        raise CredentialError(keyring_status(backend).message)
    try:
        chosen.set_password(SERVICE, origin(url), token)
    except keyring.errors.KeyringError as exc:
        # `from None`: a backend's exception could echo its arguments, the token among them.
        raise CredentialError(
            f"The OS keyring ({active}) refused to store the token: {type(exc).__name__}. "
            "Unlock the keyring and try again."
        ) from None


def delete_token(url: str, backend: KeyringBackend | None = None) -> None:
    """Remove the token for the server at ``url`` (no error if there was none)."""
    chosen, active = _safe_backend(backend)
    if chosen is None:
        return
    try:
        chosen.delete_password(SERVICE, origin(url))
    except keyring.errors.PasswordDeleteError:
        return
    except keyring.errors.KeyringError as exc:
        raise CredentialError(
            f"The OS keyring ({active}) refused to delete the token: {type(exc).__name__}."
        ) from None
