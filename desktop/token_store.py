"""The remote server's access token, through :mod:`engine.remote.credentials` only.

The window never keeps the token anywhere but the OS keyring (via the engine's
credentials module, which refuses plain-file keyrings); it is not logged, not
put in settings, not in history. Tokens are stored per server, so the URL must
be known before a token can be saved. With no safe keyring the token field is
disabled with the engine's explanation instead of failing.
"""

from __future__ import annotations

from engine.errors import CredentialError
from engine.remote import credentials
from PySide6.QtCore import QCoreApplication


def available() -> bool:
    """True when a safe OS keyring can hold a token."""
    return credentials.keyring_status().usable


def unavailable_reason() -> str:
    """Why no token can be stored, in the window's language, or "" (``genba doctor``: English)."""
    status = credentials.keyring_status()
    if status.usable:
        return ""
    return QCoreApplication.translate(
        "TokenStore",
        "Only {backend} was found. genba never keeps a token in a plain file and uses the "
        "remote server without one. Install or unlock the system keyring (Windows "
        "Credential Manager, macOS Keychain, or a Secret Service such as GNOME Keyring or "
        "KWallet).",
    ).format(backend=status.backend)


def has_token(url: str) -> bool:
    """True when a token is stored for the server at ``url``."""
    return bool(url) and credentials.get_token(url) is not None


def set_token(url: str, token: str) -> None:
    """Store ``token`` for the server at ``url``; CredentialError when impossible."""
    if not url:
        raise CredentialError(
            "Set the remote server URL before saving a token: tokens are stored per server."
        )
    credentials.set_token(url, token)
