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


def available() -> bool:
    """True when a safe OS keyring can hold a token."""
    return credentials.keyring_status().usable


def unavailable_reason() -> str:
    """Why no token can be stored (the engine's words), or ""."""
    status = credentials.keyring_status()
    return "" if status.usable else status.message


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
