"""Test helpers for the updater: derive a changed copy of a GGUF at the byte level.

Shared by the updater tests and by their subprocess helpers.
"""

from __future__ import annotations

import argparse
import base64
import datetime
import http.server
import ipaddress
import json
import shutil
import ssl
import struct
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import gguf

from disk.paths import Paths
from updater import cli
from updater.config import UpdateConfig
from updater.files import sha256_file
from updater.pointer import ModelRef, Pointer, write_pointer

# The experts that differ between the test models "base" and "new".
CHANGED = [
    ("blk.1.ffn_up_exps.weight", 3),
    ("blk.2.ffn_down_exps.weight", 0),
    ("blk.2.ffn_down_exps.weight", 1),
]


def _tensor_info_end(reader: gguf.GGUFReader) -> int:
    last = max(reader.tensors, key=lambda t: t.field.offset).field
    return int(last.offset) + sum(int(p.nbytes) for p in last.parts)


def derive_model(
    base: Path,
    donor: Path,
    out: Path,
    changes: list[tuple[str, int]],
    new_name: str | None = "genba tiny test MoE, retrained experts",
) -> Path:
    """Write ``out``: ``base`` with expert slices ``(tensor, e)`` taken from ``donor``.

    When ``new_name`` is given, ``general.name`` is replaced too, which changes the header
    size and so shifts every tensor's absolute offset (the case diffs must survive).
    """
    reader = gguf.GGUFReader(str(base))
    donor_reader = gguf.GGUFReader(str(donor))
    raw = base.read_bytes()
    donor_raw = donor.read_bytes()
    header = raw[: _tensor_info_end(reader)]
    if new_name is not None:
        field = reader.fields["general.name"]
        # parts: key len, key, type, value len, value
        value_len_off = int(field.offset) + sum(int(p.nbytes) for p in field.parts[:3])
        old_len = int(field.parts[3][0])
        value_off = value_len_off + 8
        encoded = new_name.encode()
        header = (
            header[:value_len_off]
            + struct.pack("<Q", len(encoded))
            + encoded
            + header[value_off + old_len :]
        )
    alignment = reader.alignment
    pad = (-len(header)) % alignment
    data = bytearray(raw[reader.data_offset :])
    spans = {t.name: t for t in donor_reader.tensors}
    for t in reader.tensors:
        for name, e in changes:
            if t.name != name:
                continue
            n_expert = int(t.shape[-1])
            size = int(t.n_bytes) // n_expert
            start = int(t.data_offset) - reader.data_offset + e * size
            d = spans[name]
            donor_start = int(d.data_offset) + e * size
            data[start : start + size] = donor_raw[donor_start : donor_start + size]
    out.write_bytes(header + bytes(pad) + bytes(data))
    return out


class RepoServer:
    """A real HTTP server on 127.0.0.1 serving a folder, with per-path overrides for attacks.

    ``overrides`` maps a URL path (e.g. ``/metadata/timestamp.json``) to bytes to serve
    instead, or to ``ENDLESS`` for a response that never ends.
    """

    ENDLESS = object()

    def __init__(self, root: Path, tls: tuple[Path, Path] | None = None) -> None:
        self.root = root
        self.proxied: list[str] = []
        self.overrides: dict[str, object] = {}
        self.requests: list[str] = []
        self.ranges: list[str] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path.startswith("http://"):  # absolute URI: we are the proxy
                    server.proxied.append(self.path)
                    self.path = "/" + self.path.split("/", 3)[3]
                server.requests.append(self.path)
                body = server.overrides.get(self.path)
                if body is RepoServer.ENDLESS:
                    self.send_response(200)
                    self.end_headers()
                    try:
                        while True:
                            self.wfile.write(b"{" * 65536)
                    except OSError:
                        return
                if body is None:
                    file = (server.root / self.path.lstrip("/")).resolve()
                    if not file.is_relative_to(server.root.resolve()) or not file.is_file():
                        self.send_error(404)
                        return
                    body = file.read_bytes()
                assert isinstance(body, bytes)
                start = 0
                rng = self.headers.get("Range")
                if rng:
                    server.ranges.append(f"{self.path} {rng}")
                if rng and rng.startswith("bytes="):
                    start = int(rng[6:].split("-")[0])
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
                else:
                    self.send_response(200)
                self.send_header("Content-Length", str(len(body) - start))
                self.end_headers()
                self.wfile.write(body[start:])

            def log_message(self, format: str, *args: object) -> None:
                return

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        scheme = "http"
        if tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(str(tls[0]), str(tls[1]))
            self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
            scheme = "https"
        self.url = f"{scheme}://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def close(self) -> None:
        """Stop serving and close the socket."""
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


def self_signed_cert(folder: Path) -> tuple[Path, Path]:
    """A throw-away certificate for 127.0.0.1; returns (cert.pem, key.pem)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "genba test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


class FakeHub:
    """Just enough of the Hugging Face Hub HTTP API for ``HfApi.upload_folder``, on 127.0.0.1.

    It answers ``uploadMode: regular`` for every file (so the commit carries the bytes
    inline; the real Hub would ask for LFS/Xet uploads of large files, which this fake
    does not cover) and stores committed files where the Hub would serve them:
    ``<store>/<repo_id>/resolve/<revision>/<path>``.
    """

    def __init__(self, store: Path) -> None:
        self.store = store
        self.calls: list[str] = []
        hub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _send(self, obj: object, code: int = 200) -> None:
                body = json.dumps(obj).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                hub.calls.append(f"POST {self.path}")
                if self.path == "/api/repos/create":
                    req = json.loads(raw)
                    org = f"{req['organization']}/" if req.get("organization") else ""
                    self._send({"url": f"{hub.url}/{org}{req['name']}"})
                elif "/preupload/" in self.path:
                    files = json.loads(raw)["files"]
                    self._send(
                        {
                            "files": [
                                {"path": f["path"], "uploadMode": "regular", "shouldIgnore": False}
                                for f in files
                            ]
                        }
                    )
                elif "/commit/" in self.path:
                    _, repo_and_rev = self.path.split("/api/models/", 1)
                    repo_id, revision = repo_and_rev.split("/commit/")
                    for line in raw.decode().splitlines():
                        item = json.loads(line)
                        if item["key"] == "file":
                            value = item["value"]
                            dest = hub.store / repo_id / "resolve" / revision / value["path"]
                            dest.parent.mkdir(parents=True, exist_ok=True)
                            dest.write_bytes(base64.b64decode(value["content"]))
                    self._send(
                        {
                            "commitUrl": f"{hub.url}/{repo_id}/commit/{'1' * 40}",
                            "commitOid": "1" * 40,
                            "pullRequestUrl": None,
                        }
                    )
                else:
                    self._send({"error": "not faked"}, 404)

            def log_message(self, format: str, *args: object) -> None:
                return

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def close(self) -> None:
        """Stop serving and close the socket."""
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


def vendor_pc_config(
    tmp_path: Path, vendor: Path, base: Path | None, url: str = "", **overrides: Any
) -> UpdateConfig:
    """A PC's updater config under ``tmp_path/pc`` trusting ``vendor``'s repository root,
    with ``base`` installed as version 1 (None: an empty store); ``overrides`` set fields."""
    paths = Paths.under(tmp_path / "pc")
    paths.models_dir.mkdir(parents=True)
    if base is not None:
        shutil.copyfile(base, paths.models_dir / "m-1.gguf")
        ref = ModelRef("m-1.gguf", sha256_file(base), "1")
        write_pointer(paths.current_model_pointer, Pointer(current=ref))
    return UpdateConfig(
        repository_url=url,
        trusted_root=vendor / "repo" / "published" / "metadata" / "1.root.json",
        models_dir=paths.models_dir,
        update_dir=paths.update_dir,
        pointer=paths.current_model_pointer,
        **overrides,
    )


def genba_update(
    argv: list[str], config: UpdateConfig, settings: dict[str, object] | None = None
) -> int:
    """``genba update ARGV`` through the real CLI, on the folders of ``config``; ``settings``
    adds effective settings (dotted keys) to the trusted root."""
    parser = argparse.ArgumentParser(prog="genba")
    cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["update", *argv])
    args.genba_settings = {"updates.trusted_root": str(config.trusted_root), **(settings or {})}
    data_dir = config.models_dir.parent
    args.genba_paths = replace(Paths.under(data_dir.parent), data_dir=data_dir)
    code: int = args.func(args)
    return code
