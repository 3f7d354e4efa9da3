"""Build genba's .deb with plain dpkg-deb from a PyInstaller folder (no debhelper needed).

    python installers/linux/build_deb.py --payload build/dist/genba --out build/dist
    python installers/linux/build_deb.py --stub build/deb-stub --out build/deb-test

``--payload`` is the frozen folder ``make package`` builds (``genba``, ``genba-desktop``,
``_internal/``). ``--stub DIR`` writes a stand-in folder into DIR whose two programs are tiny
shell scripts, so that install, upgrade, remove and purge can be tested in seconds
(``tests/installers/test_deb.py``). Writes ``genba_<version>_amd64.deb`` into ``--out`` and
prints its path, size and sha256.

The package: the folder in ``/opt/genba/``, ``/usr/bin/genba`` and ``/usr/bin/genba-desktop``
links, a desktop entry and icons, a commented sample policy as a conffile
(``/etc/genba/policy.d/00-sample.toml``: every line a comment, so it locks nothing), the
update service and timer in ``/lib/systemd/system/`` and the maintainer scripts of
``installers/linux/deb/`` (machine store, timer enable/stop/mask, purge of ``/var/lib/genba``).

Reproducible: every file's mtime is ``SOURCE_DATE_EPOCH`` (default: the last commit's time),
modes are normalised (0755/0644), owners are root (``--root-owner-group``), and dpkg-deb
writes members in sorted order; the same inputs give the same bytes.
"""

from __future__ import annotations

import argparse
import email.utils
import gzip
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SCRIPTS = HERE / "deb"
UNITS = ("genba-update.service", "genba-update.timer")
REQUIRED = ("genba", "genba-desktop")  # /usr/bin links, the desktop entry and the service
SAMPLE_POLICY = "etc/genba/policy.d/00-sample.toml"
ICON_SIZES = (16, 32, 48, 256)
SHARED_LIBRARY = re.compile(r"\.so(\.[0-9]+)*$")

# What the frozen folder needs from the system, from `--scan-depends` (ldd on every ELF file,
# the folder's own libraries first) on the freeze of this Debian 12 build host: PyInstaller
# bundles Python, Qt (xcb plugin, fontconfig, freetype, xkbcommon, xcb-*), llama.cpp and
# libstdc++, and leaves out glibc and the graphics stack (libGL/libEGL/libdrm must match the
# machine's driver) and Wayland's client libraries. glibc >= 2.36 because the bundled
# libstdc++/libexpat of the build host use GLIBC_2.36 symbols (objdump -T): a freeze made on
# Debian 12 does not run on older systems (Ubuntu 22.04 has 2.35). fontconfig-config provides
# /etc/fonts, which the bundled libfontconfig reads. Re-check with every new freeze.
DEPENDS = (
    "libc6 (>= 2.36)",
    "libgl1",
    "libegl1",
    "libdrm2",
    "libxcb1",
    "libwayland-client0",
    "libwayland-cursor0",
    "libwayland-egl1",
    "fontconfig-config",
)
# The Japanese window needs a CJK font; any will do, so only recommended.
RECOMMENDS = ("fonts-noto-cjk | fonts-ipafont-gothic", "fonts-dejavu-core")

STUB_PROGRAM = """#!/bin/sh
# stub for {name}: stands in for the frozen program in package tests; not genba.
echo "{name} stub $*"
"""
STUB_FILES = (
    "_internal/base_library.zip",
    "_internal/assets/i18n/genba_ja.qm",
    "_internal/libpython3.11.so.1.0",
)

DESKTOP_ENTRY = """[Desktop Entry]
Type=Application
Name=genba
GenericName=Shop-floor assistant
GenericName[ja]=現場アシスタント
Comment=Offline assistant for the shop floor
Comment[ja]=オフラインで使える現場向けアシスタント
Exec=genba-desktop
Icon=genba
Terminal=false
Categories=Utility;
StartupWMClass=genba-desktop
"""

COPYRIGHT = """Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: genba
Comment: /opt/genba holds a PyInstaller folder: Python, Qt for Python (LGPLv3) and
 llama.cpp (MIT) with their own licence files where their wheels ship them.

Files: *
Copyright: 2025-2026 the genba project
License: see the project's LICENSE file
"""

SAMPLE_HEADER = """\
# genba administrator policy: SAMPLE, sets nothing.
#
# Installed by the genba package as a conffile. Every line is a comment, so this file
# locks no setting. To set policy, write /etc/genba/policy.toml or another drop-in here
# (policy.d/*.toml, read in name order, later wins), or uncomment lines below; dpkg keeps
# your edits across upgrades. Check with: genba policy check /etc/genba/policy.toml
#
"""


class BuildError(Exception):
    """A problem with the inputs or the tools, reported as one line."""


def write_stub_payload(folder: Path) -> None:
    """Write a stand-in frozen folder: the two programs as shell scripts, a few placeholders."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in REQUIRED:
        program = folder / name
        program.write_text(STUB_PROGRAM.format(name=name), encoding="utf-8")
        program.chmod(0o755)
    for rel in STUB_FILES:
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"stub for {rel}\n", encoding="utf-8")
        if SHARED_LIBRARY.search(rel):
            path.chmod(0o755)  # as PyInstaller leaves libraries; the package makes them 0644


def project_version() -> str:
    """The package version from pyproject.toml."""
    with (ROOT / "pyproject.toml").open("rb") as fh:
        return str(tomllib.load(fh)["project"]["version"])


def check_version(version: str) -> str:
    """*version* if dpkg accepts it as an upstream version (starts with a digit)."""
    if not re.fullmatch(r"[0-9][A-Za-z0-9.+~]*(-[A-Za-z0-9.+~]+)?", version):
        raise BuildError(f"version {version!r} is not a Debian version; use e.g. 0.1.0")
    return version


def source_date_epoch() -> int:
    """SOURCE_DATE_EPOCH, else the last commit's time, else 0 (never the clock: reproducible)."""
    env = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if env:
        if not env.isdigit():
            raise BuildError(f"SOURCE_DATE_EPOCH={env!r} is not a number of seconds")
        return int(env)
    done = subprocess.run(
        ["git", "-C", str(ROOT), "log", "-1", "--format=%ct"],
        capture_output=True,
        text=True,
        check=False,
    )
    out = done.stdout.strip()
    return int(out) if done.returncode == 0 and out.isdigit() else 0


def commented_policy(sample: str) -> str:
    """The sample policy with every line a comment: a conffile must not set policy by itself."""
    lines = [
        f"# {line}" if line.strip() and not line.lstrip().startswith("#") else line
        for line in sample.splitlines()
    ]
    return SAMPLE_HEADER + "\n".join(lines) + "\n"


def check_payload(payload: Path) -> None:
    """Refuse a folder that is not a Linux genba freeze (the programs must be executable)."""
    if not payload.is_dir():
        raise BuildError(f"payload folder {payload} does not exist; run `make package` first")
    bad = [
        n for n in REQUIRED if not (payload / n).is_file() or not os.access(payload / n, os.X_OK)
    ]
    if bad:
        raise BuildError(
            f"{payload} is not a genba folder: no executable {', '.join(bad)} at its top"
        )


def _changelog(version: str, epoch: int) -> bytes:
    """A one-entry Debian changelog, gzipped without a timestamp (reproducible)."""
    stamp = email.utils.formatdate(epoch, usegmt=False).replace("-0000", "+0000")
    text = (
        f"genba ({version}) unstable; urgency=medium\n\n"
        f"  * genba {version}; see the project's release notes.\n\n"
        f" -- genba project <genba@example.invalid>  {stamp}\n"
    )
    return gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0)


def _stage(payload: Path, root: Path, version: str, epoch: int) -> None:
    """Lay out the package tree under *root* (DEBIAN/ included)."""
    shutil.copytree(payload, root / "opt" / "genba", symlinks=True)
    usr_bin = root / "usr" / "bin"
    usr_bin.mkdir(parents=True)
    for name in REQUIRED:
        (usr_bin / name).symlink_to(f"/opt/genba/{name}")
    apps = root / "usr" / "share" / "applications"
    apps.mkdir(parents=True)
    (apps / "genba.desktop").write_text(DESKTOP_ENTRY, encoding="utf-8")
    icons = ROOT / "assets" / "icons"
    hicolor = root / "usr" / "share" / "icons" / "hicolor"
    for size in ICON_SIZES:
        target = hicolor / f"{size}x{size}" / "apps"
        target.mkdir(parents=True)
        shutil.copyfile(icons / f"genba-{size}.png", target / "genba.png")
    (hicolor / "scalable" / "apps").mkdir(parents=True)
    shutil.copyfile(icons / "genba.svg", hicolor / "scalable" / "apps" / "genba.svg")
    doc = root / "usr" / "share" / "doc" / "genba"
    doc.mkdir(parents=True)
    (doc / "copyright").write_text(COPYRIGHT, encoding="utf-8")
    (doc / "changelog.gz").write_bytes(_changelog(version, epoch))
    overrides = root / "usr" / "share" / "lintian" / "overrides"
    overrides.mkdir(parents=True)
    shutil.copyfile(SCRIPTS / "lintian-overrides", overrides / "genba")
    sample = root / SAMPLE_POLICY
    sample.parent.mkdir(parents=True)
    sample.write_text(
        commented_policy((ROOT / "assets" / "policy.sample.toml").read_text(encoding="utf-8")),
        encoding="utf-8",
    )
    units = root / "lib" / "systemd" / "system"
    units.mkdir(parents=True)
    for unit in UNITS:
        shutil.copyfile(HERE / unit, units / unit)
    debian = root / "DEBIAN"
    debian.mkdir()
    for script in ("postinst", "prerm", "postrm"):
        shutil.copyfile(SCRIPTS / script, debian / script)
    (debian / "conffiles").write_text(f"/{SAMPLE_POLICY}\n", encoding="utf-8")
    _normalise(root)
    (debian / "md5sums").write_text(_md5sums(root), encoding="utf-8")
    (debian / "control").write_text(_control(root, version), encoding="utf-8")


def _normalise(root: Path) -> None:
    """Modes 0755 (folders, executables) or 0644: the build machine's umask must not leak in."""
    for path in sorted(root.rglob("*")):
        if path.is_symlink():
            continue
        # Shared libraries are mapped, not executed: 0644 (PyInstaller leaves them 0755).
        library = SHARED_LIBRARY.search(path.name) is not None and path.is_file()
        executable = path.is_dir() or (path.stat().st_mode & 0o111 and not library)
        path.chmod(0o755 if executable else 0o644)
    for script in ("postinst", "prerm", "postrm"):
        (root / "DEBIAN" / script).chmod(0o755)
    root.chmod(0o755)


def _md5sums(root: Path) -> str:
    lines = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and not path.is_symlink() and not rel.startswith("DEBIAN/"):
            lines.append(f"{hashlib.md5(path.read_bytes()).hexdigest()}  {rel}\n")
    return "".join(lines)


def _control(root: Path, version: str) -> str:
    size = sum(
        p.lstat().st_size for p in root.rglob("*") if p.relative_to(root).parts[0] != "DEBIAN"
    )
    return (
        "Package: genba\n"
        f"Version: {version}\n"
        "Architecture: amd64\n"
        "Maintainer: genba project <genba@example.invalid>\n"
        f"Installed-Size: {(size + 1023) // 1024}\n"
        f"Depends: {', '.join(DEPENDS)}\n"
        f"Recommends: {', '.join(RECOMMENDS)}\n"
        "Section: utils\n"
        "Priority: optional\n"
        "Homepage: https://github.com/genba-project/genba\n"
        "Description: offline-first assistant for the shop floor\n"
        " genba answers operators' questions with a local language model (llama.cpp),\n"
        " with an optional site server as fallback. The package installs the program in\n"
        " /opt/genba, a machine-wide model store in /var/lib/genba and an hourly\n"
        " update timer that applies signed model updates when policy allows.\n"
    )


def _clamp_mtimes(root: Path, epoch: int) -> None:
    for path in [*root.rglob("*"), root]:
        os.utime(path, (epoch, epoch), follow_symlinks=False)


def build_deb(
    payload: Path, out_dir: Path, version: str, *, epoch: int, compress: str = "xz"
) -> tuple[Path, int, str]:
    """Build the .deb into *out_dir*; returns (path, size in bytes, sha256 hex)."""
    check_payload(payload)
    if shutil.which("dpkg-deb") is None:
        raise BuildError("dpkg-deb not found; install it with: apt-get install dpkg")
    out_dir.mkdir(parents=True, exist_ok=True)
    deb = out_dir / f"genba_{version}_amd64.deb"
    with tempfile.TemporaryDirectory(prefix="genba-deb-", dir=out_dir) as tmp:
        root = Path(tmp) / "root"
        _stage(payload.resolve(), root, version, epoch)
        _clamp_mtimes(root, epoch)
        partial = Path(tmp) / deb.name
        env = {**os.environ, "SOURCE_DATE_EPOCH": str(epoch)}
        done = subprocess.run(
            ["dpkg-deb", "--root-owner-group", f"-Z{compress}", "--build", str(root), str(partial)],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        if done.returncode != 0:
            detail = (done.stderr.strip() or done.stdout.strip() or "no output").splitlines()[0]
            raise BuildError(f"dpkg-deb failed (exit {done.returncode}): {detail}")
        partial.replace(deb)  # never leave a half-written package under the final name
    data = deb.read_bytes()
    return deb, len(data), hashlib.sha256(data).hexdigest()


def scan_depends(payload: Path) -> list[str]:
    """Libraries the folder's ELF files take from the system, as ``path (package)`` lines."""
    internal = payload / "_internal"
    lib_path = ":".join(str(p) for p in [internal, *internal.rglob("*")] if p.is_dir())
    found: dict[str, str] = {}
    for path in sorted(payload.rglob("*")):
        if not path.is_file() or path.read_bytes()[:4] != b"\x7fELF":
            continue
        done = subprocess.run(
            ["ldd", str(path)],
            capture_output=True,
            text=True,
            env={**os.environ, "LD_LIBRARY_PATH": lib_path},
            check=False,
        )
        for line in done.stdout.splitlines():
            match = re.search(r"=>\s+(/\S+)", line)
            if match and not match[1].startswith(str(payload.resolve())):
                found.setdefault(os.path.realpath(match[1]), "")
    lines = []
    for lib in sorted(found):
        package = "?"
        # Merged /usr: dpkg may know the library by its /lib path only.
        for candidate in (lib, lib.removeprefix("/usr")):
            owner = subprocess.run(
                ["dpkg", "-S", candidate], capture_output=True, text=True, check=False
            )
            if owner.returncode == 0:
                package = owner.stdout.split(":")[0]
                break
        lines.append(f"{lib} ({package})")
    return lines


def main(argv: list[str] | None = None) -> int:
    """Command line: build the .deb and print its path, size and sha256."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--payload", type=Path, help="the frozen folder (build/dist/genba)")
    source.add_argument("--stub", type=Path, help="write a stub payload here and use it")
    parser.add_argument("--out", type=Path, default=Path("build/dist"), help="folder for the .deb")
    parser.add_argument("--version", help="package version (default: pyproject's version)")
    parser.add_argument(
        "--compress", choices=("xz", "gzip", "zstd", "none"), default="xz", help="default xz"
    )
    parser.add_argument(
        "--scan-depends", action="store_true", help="list system libraries the payload uses, exit"
    )
    args = parser.parse_args(argv)
    try:
        payload: Path = args.payload
        if args.stub is not None:
            payload = args.stub
            write_stub_payload(payload)
        check_payload(payload)
        if args.scan_depends:
            print("\n".join(scan_depends(payload)))
            return 0
        version = check_version(args.version or project_version())
        deb, size, digest = build_deb(
            payload, args.out, version, epoch=source_date_epoch(), compress=args.compress
        )
    except BuildError as exc:
        print(f"build_deb: {exc}", file=sys.stderr)
        return 2
    print(f"{deb}  {size} bytes ({size / 1e6:.1f} MB)  sha256 {digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
