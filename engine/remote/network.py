"""The engine's one way onto the network, and the offline switch in front of it.

:class:`NetworkConfig` is *the* network state (offline, proxy, CA bundle), made
in one place, :meth:`NetworkConfig.from_settings`, from the effective settings
and the environment. It fails closed: a value it cannot read
(``GENBA_OFFLINE=maybe``, a broken ``network.offline`` in a settings file, a
settings object that raises) means offline, never online. The remote client,
model pulls (huggingface_hub's HTTP client is made here too, see
:mod:`engine.models.store`), the window's network status and the updater (which
receives the effective ``network.offline`` from the engine) all read it.

Every HTTP client the engine uses is made by :func:`open_client`; when genba is
offline it refuses with :class:`~engine.errors.RemoteUnavailableError` before
any socket opens, so no caller can forget the switch. Callers degrade to local work.

The same place fixes how connections are made:

* TLS is verified against the operating system's trust store (truststore),
  plus the administrator's optional CA bundle (``fallback.ca_bundle``, the
  site's CA for every connection genba makes); verification is never turned off.
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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import httpx
import truststore
from disk.env import offline_forced_by_env

from engine.errors import RemoteUnavailableError
from engine.reasons import ENGLISH, ReasonPart, render, text_part

if TYPE_CHECKING:
    from engine.settings.model import Problem


class NetworkSettings(Protocol):
    """The part of ``engine.settings.Settings`` this module reads."""

    def get_bool(self, key: str) -> bool: ...
    def get_str(self, key: str) -> str: ...
    @property
    def problems(self) -> Sequence[Problem]: ...


@dataclass(frozen=True)
class NetworkConfig:
    """Offline state, proxy and CA bundle, resolved once from settings and the environment."""

    offline: bool = False
    offline_why: str = ""
    proxy: str = ""
    """Explicit proxy URL; empty means the system's proxy configuration."""
    ca_bundle: str = ""
    """Extra CA certificates (PEM file) trusted on top of the OS store; empty: none."""

    @classmethod
    def from_settings(
        cls, settings: NetworkSettings, environ: Mapping[str, str] | None = None
    ) -> NetworkConfig:
        """The network state from ``network.*``, ``fallback.ca_bundle`` and ``GENBA_OFFLINE``.

        The one rule (``updater/config.py`` applies the same one, tested against the
        same table): offline when the setting is on, *or* a settings file gave
        ``network.offline`` a value that is not a boolean, *or* ``GENBA_OFFLINE`` is
        set to anything but empty/``0``/``false``/``no``/``off``, *or* reading the
        settings fails at all. Never online by accident.
        """
        try:
            why = ""
            if settings.get_bool("network.offline") or _offline_value_broken(settings):
                why = ENGLISH["network.offline_setting"]
            elif offline_forced_by_env(environ):
                why = ENGLISH["network.offline_env"]
            proxy = settings.get_str("network.proxy")
            ca_bundle = settings.get_str("fallback.ca_bundle")
        except Exception:  # fail closed: whatever went wrong, do not go online
            return cls(offline=True, offline_why=ENGLISH["network.offline_setting"])
        return cls(offline=bool(why), offline_why=why, proxy=proxy, ca_bundle=ca_bundle)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> NetworkConfig:
        """The state where no settings apply (tools, tests): only ``GENBA_OFFLINE`` counts."""
        if offline_forced_by_env(environ):
            return cls(offline=True, offline_why=ENGLISH["network.offline_env"])
        return cls()


def _offline_value_broken(settings: NetworkSettings) -> bool:
    """True when a settings file set ``network.offline`` to something unreadable.

    The loader then ignores the value (defaults to online); we cannot tell what
    was meant, so the network state treats it as on.
    """
    return any(
        p.key == "network.offline" and p.severity == "error" for p in settings.problems
    )


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
    follow_redirects: bool = False,
    on_request: Callable[[httpx.Request], object] | None = None,
) -> httpx.Client:
    """An httpx client honouring offline mode, TLS policy and proxy; the only way to get one.

    ``ca_bundle`` defaults to the network state's. ``transport`` replaces the
    network in tests of callers (the offline check still runs).
    ``follow_redirects`` and ``on_request`` (a request event hook) are for
    third-party libraries that need them (huggingface_hub: the Hub redirects
    downloads to its CDN and tags requests in a hook).
    """
    if network.offline:
        raise RemoteUnavailableError(
            f"Not connecting: {network.offline_why}. Answers stay on this PC; "
            "turn offline mode off to use the remote server."
        )
    return httpx.Client(
        verify=tls_context(network.ca_bundle if ca_bundle is None else ca_bundle),
        timeout=timeout,
        proxy=network.proxy or None,
        trust_env=not network.proxy,
        transport=transport,
        follow_redirects=follow_redirects,
        event_hooks={"request": [on_request]} if on_request is not None else None,
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
