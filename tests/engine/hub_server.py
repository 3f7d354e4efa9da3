"""A loopback HTTP server that imitates the Hugging Face Hub's file endpoint.

``HEAD|GET /{repo}/resolve/{revision}/{filename}`` with the headers
huggingface-hub reads (``X-Repo-Commit``, ``X-Linked-Etag``/``ETag``,
``X-Linked-Size``/``Content-Length``) and ``Range`` support for resumed
downloads. ``script`` lets a test make the next GETs misbehave ("cut": send
half the body then drop the connection; "500": fail) to exercise resume.
With ``tls`` it speaks HTTPS (see ``remote_servers.self_signed``).
"""

from __future__ import annotations

import hashlib
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class HubState:
    """Files served, and what the server saw."""

    files: dict[tuple[str, str, str], bytes] = field(default_factory=dict)
    commit: str = "0123456789abcdef0123456789abcdef01234567"
    script: list[str] = field(default_factory=list)
    requests: list[tuple[str, str, str | None]] = field(default_factory=list)
    announce_size: int | None = None

    def add(self, repo: str, filename: str, data: bytes, revision: str | None = None) -> None:
        """Serve ``data`` at the given repo/revision/filename (revision defaults to commit)."""
        self.files[(repo, revision or self.commit, filename)] = data


def _handler(state: HubState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_args: object) -> None:  # keep test output clean
            pass

        def _lookup(self) -> bytes | None:
            parts = self.path.split("?", 1)[0].lstrip("/").split("/")
            if "resolve" not in parts:
                return None
            i = parts.index("resolve")
            repo, revision, filename = "/".join(parts[:i]), parts[i + 1], "/".join(parts[i + 2 :])
            return state.files.get((repo, revision, filename))

        def _headers(self, data: bytes, status: int, length: int) -> None:
            self.send_response(status)
            etag = hashlib.sha256(data).hexdigest()
            size = state.announce_size if state.announce_size is not None else len(data)
            self.send_header("X-Repo-Commit", state.commit)
            self.send_header("X-Linked-Etag", f'"{etag}"')
            self.send_header("ETag", f'"{etag}"')
            self.send_header("X-Linked-Size", str(size))
            self.send_header("Accept-Ranges", "bytes")
            self.send_header("Content-Length", str(length))
            self.send_header("Content-Type", "application/octet-stream")

        def do_HEAD(self) -> None:
            state.requests.append(("HEAD", self.path, None))
            data = self._lookup()
            if data is None:
                self.send_error(404)
                return
            self._headers(data, 200, len(data))
            self.end_headers()

        def do_GET(self) -> None:
            rng = self.headers.get("Range")
            state.requests.append(("GET", self.path, rng))
            data = self._lookup()
            if data is None:
                self.send_error(404)
                return
            action = state.script.pop(0) if state.script else "ok"
            if action == "500":
                self.send_error(500)
                return
            start = int(rng.split("=", 1)[1].split("-", 1)[0]) if rng else 0
            body = data[start:]
            if rng:
                self._headers(data, 206, len(body))
                self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            else:
                self._headers(data, 200, len(body))
            self.end_headers()
            if action == "cut":
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            self.wfile.write(body)

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # refused TLS handshakes and dropped connections are what some tests want


@contextmanager
def hub_server(tls: ssl.SSLContext | None = None) -> Iterator[tuple[str, HubState]]:
    """Run the imitation Hub on 127.0.0.1; yields (endpoint URL, state)."""
    state = HubState()
    server = _Server(("127.0.0.1", 0), _handler(state))
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        scheme = "https" if tls is not None else "http"
        yield f"{scheme}://127.0.0.1:{server.server_address[1]}", state
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
