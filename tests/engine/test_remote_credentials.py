"""The remote token lives in a safe OS keyring only; unsafe backends are refused.

No keyring daemon runs on the test machine, so a :class:`MemoryKeyring`
(a real ``keyring`` backend held in memory) stands in for the OS keyring.
"""

from __future__ import annotations

import keyring
import keyring.backends.fail
import keyring.backends.null
import pytest
from keyring.backend import KeyringBackend
from keyring.errors import KeyringLocked

from engine.errors import CredentialError
from engine.remote import credentials
from tests.engine.remote_servers import MemoryKeyring, memory_keyring


class PlaintextKeyring(MemoryKeyring):
    """Looks like keyrings.alt's plaintext file backend (not installed here)."""


PlaintextKeyring.__module__ = "keyrings.alt.file"


class LockedKeyring(MemoryKeyring):
    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringLocked("locked")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise KeyringLocked("locked")


class Chainer(KeyringBackend):
    """Shaped like keyring's chainer: a ``backends`` list, best first."""

    priority = 10  # type: ignore[assignment]

    def __init__(self, members: list[KeyringBackend]) -> None:
        super().__init__()
        self.backends = members

    def get_password(self, service: str, username: str) -> str | None:
        raise AssertionError("genba must use a member, not the chain")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise AssertionError("genba must use a member, not the chain")

    def delete_password(self, service: str, username: str) -> None:
        raise AssertionError("genba must use a member, not the chain")


URL = "https://llm.example.com/v1"


def test_token_is_stored_per_server_origin() -> None:
    with memory_keyring() as ring:
        credentials.set_token(URL, "tok-123")
        assert ring.secrets == {("genba", "https://llm.example.com:443"): "tok-123"}
        assert credentials.get_token("https://LLM.example.com:443/other") == "tok-123"
        assert credentials.get_token("https://evil.example.com/v1") is None
        assert credentials.get_token("http://llm.example.com/v1") is None  # other scheme
        credentials.delete_token(URL)
        assert credentials.get_token(URL) is None
        credentials.delete_token(URL)  # deleting twice is fine
        assert credentials.keyring_status().usable


@pytest.mark.parametrize(
    "backend",
    [keyring.backends.fail.Keyring(), keyring.backends.null.Keyring(), PlaintextKeyring()],
    ids=["fail", "null", "keyrings.alt-plaintext"],
)
def test_unsafe_backends_are_refused_and_genba_works_without_a_token(
    backend: KeyringBackend,
) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        status = credentials.keyring_status()
        assert not status.usable
        assert "no safe OS keyring" in status.message
        assert "without one" in status.message
        assert credentials.get_token(URL) is None
        with pytest.raises(CredentialError, match="plain file"):
            credentials.set_token(URL, "tok-123")
    finally:
        keyring.set_keyring(previous)
    if isinstance(backend, PlaintextKeyring):
        assert backend.secrets == {}  # nothing was written through it


def test_chainer_uses_its_safe_member_only() -> None:
    plain, safe = PlaintextKeyring(), MemoryKeyring()
    chain = Chainer([plain, safe])
    credentials.set_token(URL, "tok-9", backend=chain)
    assert plain.secrets == {}
    assert credentials.get_token(URL, backend=chain) == "tok-9"
    assert credentials.keyring_status(chain).backend.endswith("MemoryKeyring")
    assert not credentials.keyring_status(Chainer([plain])).usable


def test_locked_keyring_does_not_stop_a_query() -> None:
    locked = LockedKeyring()
    assert credentials.get_token(URL, backend=locked) is None
    with pytest.raises(CredentialError, match="refused to store"):
        credentials.set_token(URL, "tok-secret-value", backend=locked)


def test_error_messages_never_contain_the_token() -> None:
    with pytest.raises(CredentialError) as caught:
        credentials.set_token(URL, "tok-secret-value", backend=LockedKeyring())
    assert "tok-secret-value" not in str(caught.value)
    assert caught.value.__cause__ is None
