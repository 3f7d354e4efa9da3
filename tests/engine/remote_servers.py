"""Loopback servers for the remote-fallback tests: a misbehaving fake and the real thing.

:class:`FaultServer` is a real HTTP server on 127.0.0.1 (threaded, optionally
TLS) whose behaviour a test picks: a good stream, a hang, HTTP 500, a stream cut
mid-answer, malformed SSE, a trickle that never ends, bodies and headers that
drip one byte at a time, floods without a newline, a 401 that echoes the
``Authorization`` header. :func:`self_signed` makes
a throw-away CA and server certificate. :class:`LlamaServer` runs
``python -m llama_cpp.server`` on the tiny model. :class:`MemoryKeyring` stands
in for the OS keyring, which has no daemon on the test machine.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import os
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import keyring
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

WORDS = ["Hello", " from", " the", " remote", " server", "."]
DRIP_S = 0.2
"""Seconds between the bytes of a drip: far below any read timeout, so only a deadline ends it."""
FLOOD_BYTES = 16 * 1024 * 1024
"""Twice the client's 8 MB cap."""


def chunk(text: str | None = None, finish: str | None = None) -> bytes:
    delta = {"content": text} if text is not None else {}
    body = {
        "id": "x",
        "object": "chat.completion.chunk",
        "model": "fake",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return f"data: {json.dumps(body)}\n\n".encode()


@dataclass
class Seen:
    """What the fake server received (to check headers, paths and counts)."""

    requests: list[tuple[str, str, dict[str, str], bytes]] = field(default_factory=list)


class FaultServer:
    """A real HTTP server on 127.0.0.1 that misbehaves on request."""

    def __init__(self, mode: str = "ok", *, tls: ssl.SSLContext | None = None,
                 http11: bool = False) -> None:
        self.mode = mode
        self.seen = Seen()
        self.release = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1" if http11 else "HTTP/1.0"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                self._record(b"")
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self._record(self.rfile.read(length))
                getattr(self, f"mode_{outer.mode}")()

            def _record(self, body: bytes) -> None:
                outer.seen.requests.append(
                    (self.command, self.path, dict(self.headers.items()), body)
                )

            def _sse_head(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                if http11:
                    self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()

            def _send(self, data: bytes) -> None:
                if http11:
                    data = f"{len(data):x}\r\n".encode() + data + b"\r\n"
                self.wfile.write(data)
                self.wfile.flush()

            def mode_ok(self) -> None:
                self._sse_head()
                self._send(chunk(None))  # role-only chunk, no text
                for word in WORDS:
                    self._send(chunk(word))
                self._send(chunk(None, "stop"))
                self._send(b"data: [DONE]\n\n")
                if http11:
                    self.wfile.write(b"0\r\n\r\n")

            def mode_hang(self) -> None:
                outer.release.wait(60)

            def mode_hang_mid(self) -> None:
                self._sse_head()
                self._send(chunk("partial"))
                outer.release.wait(60)

            def mode_trickle(self) -> None:
                self._sse_head()
                self._send(chunk("slow"))
                while not outer.release.wait(0.05):
                    try:
                        self._send(b": keep-alive\n\n")
                    except OSError:
                        return

            def mode_status500(self) -> None:
                body = json.dumps({"error": {"message": "model crashed"}}).encode()
                self.send_response(500)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def mode_cut(self) -> None:
                self._sse_head()
                self._send(chunk("Hello"))
                self._send(chunk(" wor"))
                # Drop the connection without [DONE] (and, on HTTP/1.1, mid-chunk).
                if http11:
                    self.wfile.write(b"40\r\ndata: {\"cho")
                    self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True

            def mode_garbage(self) -> None:
                self._sse_head()
                self._send(chunk("Hello"))
                self._send(b"data: {this is not json\n\n")
                self._send(b"data: [DONE]\n\n")

            def mode_flood(self) -> None:
                self._sse_head()
                self._send(chunk("big"))
                line = b": " + b"x" * 65_536 + b"\n"
                try:
                    for _ in range(200):  # 13 MB, more than any answer
                        self._send(line)
                except OSError:
                    return

            def _drip(self, data: bytes) -> None:
                """Send ``data`` one byte per DRIP_S, until done or the test ends."""
                for i in range(len(data)):
                    if outer.release.wait(DRIP_S):
                        return
                    try:
                        self.wfile.write(data[i : i + 1])
                        self.wfile.flush()
                    except OSError:
                        return

            def _flood(self, total: int, first: bytes = b"") -> None:
                """``first``, then ``total`` bytes of "x" with no newline among them."""
                block = b"x" * 65_536
                try:
                    self.wfile.write(first)
                    for _ in range(total // len(block)):
                        self.wfile.write(block)
                except OSError:
                    return

            def _head(self, status: int, ctype: str, length: int) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(length))
                self.end_headers()

            def mode_drip_sse(self) -> None:
                self._sse_head()
                self._send(b"data: ")
                self._drip(b"x" * 100_000)

            def mode_drip_json(self) -> None:
                body = json.dumps({"choices": [{"message": {"content": "whole answer"},
                                                "finish_reason": "stop"}],
                                   "pad": "x" * 1000}).encode()
                self._head(200, "application/json", len(body))
                self._drip(body)

            def mode_drip_error(self) -> None:
                body = json.dumps({"error": {"message": "model crashed " + "x" * 1000}}).encode()
                self._head(500, "application/json", len(body))
                self._drip(body)

            def mode_drip_headers(self) -> None:
                self.wfile.write(b"HTTP/1.0 200 OK\r\n")
                self.wfile.flush()
                self._drip(b"X-Slow: " + b"x" * 10_000)

            def mode_flood_line(self) -> None:
                self._sse_head()
                self._flood(FLOOD_BYTES, first=b"data: ")

            def mode_flood_json(self) -> None:
                self._head(200, "application/json", FLOOD_BYTES)
                self._flood(FLOOD_BYTES)

            def mode_flood_error(self) -> None:
                self._head(500, "text/plain", FLOOD_BYTES)
                self._flood(FLOOD_BYTES)

            def mode_echo_auth(self) -> None:
                auth = self.headers.get("Authorization", "")
                token = auth.removeprefix("Bearer ")
                body = json.dumps({"error": {
                    "message": f"invalid token {token} (you sent Authorization: {auth})",
                }}).encode()
                self._head(401, "application/json", len(body))
                self.wfile.write(body)

            def mode_echo_auth_sse(self) -> None:
                # Not JSON, with the token across the 80 characters an error quotes.
                token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                self._sse_head()
                self._send(b"data: " + b"n" * 70 + b" " + token.encode() + b"\n\n")

            def mode_deep_json(self) -> None:
                self._sse_head()
                self._send(b"data: " + b"[" * 100_000 + b"\n\n")

            def mode_not_openai(self) -> None:
                self._sse_head()
                self._send(b'data: {"hello": "world"}\n\n')

            def mode_json(self) -> None:
                body = json.dumps({"choices": [{"message": {"content": "whole answer"},
                                                "finish_reason": "stop"}]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def get_request(self) -> tuple[socket.socket, object]:
                sock, addr = super().get_request()
                if tls is not None:
                    try:
                        sock = tls.wrap_socket(sock, server_side=True)
                    except (ssl.SSLError, OSError):
                        sock.close()
                        raise
                return sock, addr

            def handle_error(self, request: object, client_address: object) -> None:
                pass  # broken pipes from cut streams and refused handshakes are the point

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        scheme = "https" if tls is not None else "http"
        self.url = f"{scheme}://127.0.0.1:{self.port}/v1"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> FaultServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(10)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Certs:
    ca_pem: Path
    server_context: ssl.SSLContext


def self_signed(folder: Path) -> Certs:
    """A throw-away CA and a 127.0.0.1 server certificate signed by it."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "genba test CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                     content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False,
                                     encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()),
                       critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(
            [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                       critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    ca_pem = folder / "ca.pem"
    ca_pem.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    cert_pem = folder / "server.pem"
    cert_pem.write_bytes(
        cert.public_bytes(serialization.Encoding.PEM)
        + key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    )
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert_pem)
    return Certs(ca_pem, ctx)


class LlamaServer:
    """``python -m llama_cpp.server`` on 127.0.0.1 serving one model file."""

    def __init__(self, model: Path, log_path: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self._log = log_path.open("wb")
        env = dict(os.environ)
        env.pop("GENBA_HOME", None)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.engine.llama_server_main", "--model", str(model),
             "--host", "127.0.0.1", "--port", str(self.port), "--n_ctx", "1024",
             "--n_threads", "1", "--chat_format", "chatml"],
            stdout=self._log, stderr=subprocess.STDOUT, env=env,
        )

    def wait_ready(self, timeout_s: float = 120.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"llama_cpp.server exited with {self.proc.returncode}")
            try:
                if httpx.get(f"{self.url}/models", timeout=2.0, trust_env=False).is_success:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError("llama_cpp.server did not become ready")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(15)
        self._log.close()


@contextmanager
def running(server: FaultServer) -> Iterator[FaultServer]:
    with server:
        yield server


class MemoryKeyring(KeyringBackend):
    """An OS-keyring stand-in held in memory (no keyring daemon exists on the test machine)."""

    priority = 10  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.secrets.pop((service, username), None) is None:
            raise PasswordDeleteError(username)


@contextmanager
def memory_keyring() -> Iterator[MemoryKeyring]:
    """Make a fresh :class:`MemoryKeyring` the active keyring for the duration."""
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)
