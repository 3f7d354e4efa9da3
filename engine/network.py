"""The engine's one way onto the network, and the offline switch in front of it.

Every HTTP client the engine uses is made by :func:`open_client`; when genba is
offline (policy ``network.offline`` or ``GENBA_OFFLINE``) it refuses with
:class:`~engine.errors.RemoteUnavailableError` before any socket opens, so no
caller can forget the switch. Callers degrade to local work.

The same place fixes how connections are made:

* TLS is verified against the operating system's trust store (truststore),
  plus the administrator's optional CA bundle (``fallback.ca_bundle``);
  verification is never turned off.
* The proxy is ``network.proxy`` when set; otherwise the system's proxy
  configuration (``HTTP(S)_PROXY``/``NO_PROXY``, or the Windows/macOS settings),
  which httpx reads through ``urllib.request.getproxies``.

:class:`Deadline` bounds a whole HTTP exchange in wall-clock time, which
httpx's own timeouts (restarted by every byte) cannot.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import httpx
import truststore

from engine.errors import RemoteUnavailableError
from engine.paths import offline_forced_by_env
from engine.reasons import ENGLISH, ReasonPart, render, text_part


class NetworkSettings(Protocol):
    """The part of ``engine.settings.Settings`` this module reads."""

    def get_bool(self, key: str) -> bool: ...
    def get_str(self, key: str) -> str: ...


@dataclass(frozen=True)
class NetworkConfig:
    """Offline state and proxy, resolved once from settings and the environment."""

    offline: bool = False
    offline_why: str = ""
    proxy: str = ""
    """Explicit proxy URL; empty means the system's proxy configuration."""

    @classmethod
    def from_settings(
        cls, settings: NetworkSettings, environ: Mapping[str, str] | None = None
    ) -> NetworkConfig:
        """Read ``network.offline``, ``GENBA_OFFLINE`` and ``network.proxy``."""
        why = ""
        if settings.get_bool("network.offline"):
            why = ENGLISH["network.offline_setting"]
        elif offline_forced_by_env(environ):
            why = ENGLISH["network.offline_env"]
        return cls(offline=bool(why), offline_why=why, proxy=settings.get_str("network.proxy"))


def remote_status(
    settings: NetworkSettings, network: NetworkConfig
) -> tuple[bool, str]:
    """Whether the remote fallback may be used now, and if not, why (for reasons)."""
    ok, why = remote_status_part(settings, network)
    return ok, render((why,)) if why else ""


def remote_status_part(
    settings: NetworkSettings, network: NetworkConfig
) -> tuple[bool, ReasonPart | None]:
    """:func:`remote_status` with the why-not as a structured reason part."""
    if not settings.get_bool("fallback.enabled"):
        return False, ReasonPart("remote.off")
    if not settings.get_str("fallback.url"):
        return False, ReasonPart("remote.no_url")
    if network.offline:
        return False, text_part(network.offline_why)
    return True, None


def tls_context(ca_bundle: str | Path | None = None) -> ssl.SSLContext:
    """A verifying TLS context: the OS trust store plus an optional extra CA bundle."""
    ctx = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if ca_bundle:
        try:
            ctx.load_verify_locations(cafile=str(ca_bundle))
        except (OSError, ssl.SSLError) as exc:
            raise RemoteUnavailableError(
                f"Cannot use the CA bundle {ca_bundle}: {exc}. "
                "Ask IT to fix fallback.ca_bundle (a PEM file of CA certificates)."
            ) from exc
    return ctx


def open_client(
    network: NetworkConfig,
    *,
    timeout: httpx.Timeout,
    ca_bundle: str | Path | None = None,
    transport: httpx.BaseTransport | None = None,
) -> httpx.Client:
    """An httpx client honouring offline mode, TLS policy and proxy; the only way to get one.

    ``transport`` replaces the network in tests of callers (the offline check still runs).
    """
    if network.offline:
        raise RemoteUnavailableError(
            f"Not connecting: {network.offline_why}. Answers stay on this PC; "
            "turn offline mode off to use the remote server."
        )
    return httpx.Client(
        verify=tls_context(ca_bundle),
        timeout=timeout,
        proxy=network.proxy or None,
        trust_env=not network.proxy,
        transport=transport,
        follow_redirects=False,
    )


@runtime_checkable
class _NetworkStream(Protocol):
    """What :class:`Deadline` needs of an httpcore network stream."""

    def get_extra_info(self, info: str) -> Any: ...


class Deadline:
    """One wall-clock deadline for an HTTP exchange, from connect to the last byte.

    httpx's read timeout restarts with every byte, so a server that trickles
    never trips it. Pass :meth:`trace` as the request's ``trace`` extension and
    :meth:`timeout` as its timeout: when the deadline passes, a watchdog timer
    shuts down the sockets the request opened, which wakes whatever read or
    write is blocked (headers or body). A reader then checks :attr:`passed` to
    tell that end from a real one, and checks it after every chunk too, for a
    transport whose sockets the trace does not show. Call :meth:`stop` when the
    exchange is over.
    """

    def __init__(self, seconds: float) -> None:
        self._at = time.monotonic() + seconds
        self._fired = threading.Event()
        self._lock = threading.Lock()
        self._streams: list[_NetworkStream] = []
        self._stopped = False
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True
        self._timer.start()

    @property
    def passed(self) -> bool:
        """True once the deadline has passed (even before the watchdog has run)."""
        return self._fired.is_set() or time.monotonic() >= self._at

    def timeout(self, *, connect: float, read: float, write: float) -> httpx.Timeout:
        """httpx timeouts for the next request, none reaching beyond the deadline."""
        # Never 0: httpx would make the socket non-blocking instead of waiting.
        left = max(0.01, self._at - time.monotonic())
        return httpx.Timeout(
            connect=min(connect, left), read=min(read, left),
            write=min(write, left), pool=min(connect, left),
        )

    def trace(self, event: str, info: Mapping[str, Any]) -> None:
        """httpcore's ``trace`` hook: remember each network stream the request opens."""
        stream = info.get("return_value") if event.endswith(".complete") else None
        if isinstance(stream, _NetworkStream):
            with self._lock:
                self._streams.append(stream)
            if self._fired.is_set():
                self._shut_down()  # opened just as the deadline passed

    def stop(self) -> None:
        """The exchange is over: the watchdog leaves its sockets alone from now on."""
        with self._lock:
            self._stopped = True
            self._streams.clear()
        self._timer.cancel()

    def _fire(self) -> None:
        self._fired.set()
        self._shut_down()

    def _shut_down(self) -> None:
        with self._lock:
            if self._stopped:
                return
            for stream in self._streams:
                sock = stream.get_extra_info("socket")
                if isinstance(sock, socket.socket):
                    with contextlib.suppress(OSError):
                        # The plain socket call even for TLS: SSLSocket.shutdown would
                        # change the TLS object under the thread that is reading it.
                        socket.socket.shutdown(sock, socket.SHUT_RDWR)
