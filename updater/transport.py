"""How bytes reach the updater: HTTP(S) with proxy and CA from policy, or a bundle folder.

Both implement python-tuf's ``FetcherInterface``, so TUF verifies whatever they return,
and both can resume a download from a byte offset (:meth:`Transport.fetch_from`).
Offline mode is enforced here, at one choke point: :class:`HttpTransport` refuses to
open a connection when built with ``offline=True``. A Hugging Face model repository is
just a static HTTPS host (``https://huggingface.co/<org>/<repo>/resolve/main/``); no
Hugging Face client is needed, and its bytes are trusted only after TUF has checked them.
"""

from __future__ import annotations

import ssl
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import urllib3
from tuf.api import exceptions as tuf_exc
from tuf.ngclient.fetcher import FetcherInterface

from updater.errors import BundleIncompleteError, OfflineError

CHUNK = 1 << 20
USER_AGENT = "genba-updater/1"


class Transport(FetcherInterface):
    """A TUF fetcher that can also resume a download from a byte offset."""

    def _fetch(self, url: str) -> Iterator[bytes]:
        return self.fetch_from(url, 0)

    def fetch_from(self, url: str, start: int) -> Iterator[bytes]:
        """Bytes of ``url`` from offset ``start`` (raises tuf ``DownloadError`` subclasses)."""
        raise NotImplementedError


class HttpTransport(Transport):
    """HTTP(S) via urllib3; proxy and CA bundle from policy; refuses to connect when offline.

    The proxy rule is the engine's (``engine/remote/network.py``): ``network.proxy`` when set,
    else the system's proxy configuration (``HTTP(S)_PROXY``/``NO_PROXY``, or the
    Windows/macOS settings, through ``urllib.request``), which urllib3 alone ignores.
    """

    def __init__(
        self,
        *,
        proxy: str = "",
        ca_bundle: str = "",
        offline: bool = False,
        timeout_s: float = 30.0,
    ) -> None:
        self.offline = offline
        context = ssl.create_default_context(cafile=ca_bundle or None)
        if ca_bundle:
            context.load_default_certs()  # the policy CA is *added* to the system store
        headers = {"User-Agent": USER_AGENT}
        timeout = urllib3.Timeout(connect=timeout_s, read=timeout_s)
        retries = urllib3.Retry(total=2, backoff_factor=0.5, redirect=5)
        self._options: dict[str, Any] = {
            "headers": headers, "ssl_context": context, "timeout": timeout, "retries": retries,
        }  # fmt: skip
        self._proxy = proxy
        self._direct = urllib3.PoolManager(**self._options)
        self._proxied: dict[str, urllib3.ProxyManager] = {}

    def _pool_for(self, url: str) -> urllib3.PoolManager:
        """The policy proxy, else the system's proxy for ``url``, else a direct pool."""
        proxy = self._proxy
        if not proxy:
            parts = urlparse(url)
            proxy = urllib.request.getproxies().get(parts.scheme, "")
            if proxy and urllib.request.proxy_bypass(parts.hostname or ""):
                proxy = ""
        if not proxy:
            return self._direct
        if proxy not in self._proxied:
            try:
                self._proxied[proxy] = urllib3.ProxyManager(proxy, **self._options)
            except (ValueError, urllib3.exceptions.HTTPError) as exc:
                raise tuf_exc.DownloadError(f"Cannot use the proxy {proxy}: {exc}") from exc
        return self._proxied[proxy]

    def fetch_from(self, url: str, start: int) -> Iterator[bytes]:
        """GET ``url`` (with a Range header when ``start`` > 0)."""
        if self.offline:
            raise OfflineError("Offline mode is on, so genba did not contact the update server.")
        headers = {"Range": f"bytes={start}-"} if start else {}
        try:
            response = self._pool_for(url).request(
                "GET", url, headers=headers, preload_content=False, decode_content=False
            )
        except urllib3.exceptions.HTTPError as exc:
            raise tuf_exc.DownloadError(f"Could not reach {_host(url)}: {exc}") from exc
        if response.status >= 400:
            response.release_conn()
            raise tuf_exc.DownloadHTTPError(
                f"{url} answered HTTP {response.status}", response.status
            )
        if start and response.status != 206:
            response.release_conn()
            raise tuf_exc.DownloadError(f"{_host(url)} does not support resuming downloads")
        return self._chunks(response)

    @staticmethod
    def _chunks(response: urllib3.BaseHTTPResponse) -> Iterator[bytes]:
        try:
            yield from response.stream(CHUNK)
        except urllib3.exceptions.HTTPError as exc:
            raise tuf_exc.DownloadError(f"The download was interrupted: {exc}") from exc
        finally:
            response.release_conn()


class FolderTransport(Transport):
    """Serves ``base_url``-relative files from a local folder (offline bundles)."""

    BASE_URL = "bundle:///"

    def __init__(self, folder: Path) -> None:
        self.folder = folder.resolve()

    def fetch_from(self, url: str, start: int) -> Iterator[bytes]:
        """Read the bundle file that ``bundle:///<relative path>`` names."""
        parsed = urlparse(url)
        relative = unquote(parsed.path.lstrip("/"))
        path = (self.folder / relative).resolve()
        if parsed.scheme != "bundle" or not path.is_relative_to(self.folder):
            raise tuf_exc.DownloadError(f"{url} is outside the bundle")
        if not path.is_file():
            # A 404, so that TUF's probe for a newer root ends normally; the cause
            # says what is wrong when a file that is needed is missing.
            raise tuf_exc.DownloadHTTPError(f"The bundle has no {relative}", 404) from (
                BundleIncompleteError(
                    f"The update bundle {self.folder} is incomplete: it has no {relative}. "
                    "Copy the whole bundle folder again, then import it."
                )
            )
        return self._read(path, start)

    @staticmethod
    def _read(path: Path, start: int) -> Iterator[bytes]:
        with path.open("rb") as fh:
            fh.seek(start)
            while chunk := fh.read(CHUNK):
                yield chunk


def _host(url: str) -> str:
    return urlparse(url).netloc or url
