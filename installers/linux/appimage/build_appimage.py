"""Builds genba's AppImage (type 2) without appimagetool: runtime, AppDir, squashfs.

Three steps, each a function `make dist` (or a test) can call:

* `build_runtime(out)` compiles `runtime.c` (squashfuse, fuse3, zstd, xz, zlib linked
  statically; glibc dynamic) and writes the type-2 magic ``AI\\x02`` at offset 8 *after*
  linking, because objcopy/strip rewrite the ELF header.
* `make_appdir(src, appdir)` turns a folder (the PyInstaller `build/dist/genba/`, or any
  folder with an `AppRun`) into an AppDir: program files, `AppRun`, `.desktop`, icon and
  AppStream metainfo.
* `build_appimage(appdir, runtime, out)` packs the AppDir with `mksquashfs -comp zstd`
  reproducibly (SOURCE_DATE_EPOCH, all files root-owned, sorted) and appends it to the
  runtime; optional update information goes into the runtime's `.upd_info` section.

CLI (what `make dist` calls):

    python installers/linux/appimage/build_appimage.py --src build/dist/genba \\
        --out build/dist/genba-x86_64.AppImage [--update-info "zsync|https://…"]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RUNTIME_SRC = HERE / "runtime.c"
LIBDIR = Path("/usr/lib/x86_64-linux-gnu")
# Static archives linked into the runtime (order matters for the linker).
STATIC_LIBS = (
    "libsquashfuse_ll.a",
    "libsquashfuse.a",
    "libfuse3.a",
    "libzstd.a",
    "liblzma.a",
    "libz.a",
)
# Debian packages that provide them (and the tools used here).
APT_PACKAGES = (
    "gcc",
    "libsquashfuse-dev",
    "libfuse3-dev",
    "libzstd-dev",
    "liblzma-dev",
    "zlib1g-dev",
    "squashfs-tools",
)
MAGIC = b"AI\x02"
DEFAULT_EPOCH = 1_700_000_000  # used when SOURCE_DATE_EPOCH is unset, so builds stay identical


class BuildError(Exception):
    """A build step failed; the message says what to install or fix."""


def missing_prerequisites() -> list[str]:
    """What this machine lacks to build an AppImage (empty when everything is there)."""
    missing = [tool for tool in ("gcc", "mksquashfs") if shutil.which(tool) is None]
    missing += [lib for lib in STATIC_LIBS if not (LIBDIR / lib).exists()]
    if not Path("/usr/include/squashfuse/ll.h").exists():
        missing.append("/usr/include/squashfuse/ll.h")
    return missing


def elf_sections(data: bytes) -> dict[str, tuple[int, int]]:
    """Section name -> (file offset, size) of a 64-bit little-endian ELF."""
    (shoff,) = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
    headers = [struct.unpack_from("<IIQQQQ", data, shoff + i * shentsize) for i in range(shnum)]
    str_off = headers[shstrndx][4]
    sections = {}
    for name_off, _type, _flags, _addr, offset, size in headers:
        end = data.index(b"\0", str_off + name_off)
        sections[data[str_off + name_off : end].decode()] = (offset, size)
    return sections


def build_runtime(out: Path) -> Path:
    """Compiles the runtime to `out` and stamps the AppImage type-2 magic into it."""
    missing = missing_prerequisites()
    if missing:
        raise BuildError(
            f"cannot build the AppImage runtime, missing: {', '.join(missing)} "
            f"(apt-get install {' '.join(APT_PACKAGES)})"
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    cmd = [
        "gcc",
        "-std=gnu11",
        "-O2",
        "-Wall",
        "-Wextra",
        "-D_FILE_OFFSET_BITS=64",
        f"-ffile-prefix-map={HERE}=.",
        "-Wl,--build-id=none",
        "-s",
        str(RUNTIME_SRC),
        "-o",
        str(out),
        *(str(LIBDIR / lib) for lib in STATIC_LIBS),
        "-lpthread",
        "-ldl",
    ]
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BuildError(f"compiling the AppImage runtime failed:\n{result.stderr.strip()}")
    data = bytearray(out.read_bytes())
    if data[8:11] != b"\0\0\0":
        raise BuildError(
            "the runtime's ELF header bytes 8..10 are in use; cannot stamp the AppImage magic"
        )
    data[8:11] = MAGIC
    out.write_bytes(bytes(data))
    return out


def _desktop_entry(name: str) -> str:
    return (
        "[Desktop Entry]\nType=Application\nName=genba\n"
        "Comment=Offline assistant for the shop floor\nComment[ja]=現場向けオフラインアシスタント\n"
        f"Exec={name}\nIcon=genba\nCategories=Office;Utility;\nTerminal=false\n"
    )


def _metainfo() -> str:
    return """<?xml version="1.0" encoding="UTF-8"?>
<component type="desktop-application">
  <id>io.genba.genba</id>
  <metadata_license>CC0-1.0</metadata_license>
  <project_license>LicenseRef-proprietary</project_license>
  <name>genba</name>
  <summary>Offline assistant for the shop floor</summary>
  <description>
    <p>
      genba answers shop-floor operators' questions from a language model that runs on the
      PC itself: no network, no account, answers in Japanese or English.
    </p>
  </description>
  <content_rating type="oars-1.1"/>
  <launchable type="desktop-id">genba.desktop</launchable>
  <provides><binary>genba-desktop</binary></provides>
</component>
"""


_APPRUN = """#!/bin/sh
# AppRun: runs genba's windowed program; `AppRun ask …` (or any other argument that names
# a genba command) runs the console program instead.
HERE="$(dirname "$(readlink -f "$0")")"
case "$1" in
  ""|-*) exec "$HERE/usr/lib/genba/genba-desktop" "$@" ;;
  *) exec "$HERE/usr/lib/genba/genba" "$@" ;;
esac
"""


def make_appdir(src: Path, appdir: Path, icon: Path | None = None) -> Path:
    """Builds an AppDir from `src`.

    A folder that already has an `AppRun` is copied as is (tests use such a stub AppDir);
    otherwise `src` is the PyInstaller folder, placed at `usr/lib/genba/` with an AppRun
    that starts `genba-desktop` (or `genba` for a command). The `.desktop` file, icon
    (`.DirIcon` too) and AppStream metainfo are added where missing.
    """
    if appdir.exists():
        shutil.rmtree(appdir)
    if (src / "AppRun").exists():
        shutil.copytree(src, appdir, symlinks=True)
    else:
        if not (src / "genba-desktop").exists():
            raise BuildError(
                f"{src} is not the PyInstaller folder (no genba-desktop): run `make package` first"
            )
        shutil.copytree(src, appdir / "usr/lib/genba", symlinks=True)
        (appdir / "AppRun").write_text(_APPRUN)
        (appdir / "AppRun").chmod(0o755)
    if not any(appdir.glob("*.desktop")):
        (appdir / "genba.desktop").write_text(_desktop_entry("genba-desktop"))
    icons = sorted(appdir.glob("genba.png")) + sorted(appdir.glob("genba.svg"))
    if not icons:
        if icon is None:
            raise BuildError("no icon: pass --icon PNG/SVG (or put genba.png in the folder)")
        shutil.copy(icon, appdir / f"genba{icon.suffix}")
        icons = [appdir / f"genba{icon.suffix}"]
    if not (appdir / ".DirIcon").exists():
        (appdir / ".DirIcon").symlink_to(icons[0].name)
    meta = appdir / "usr/share/metainfo/io.genba.genba.appdata.xml"
    if not any(appdir.glob("usr/share/metainfo/*.xml")):
        meta.parent.mkdir(parents=True, exist_ok=True)
        meta.write_text(_metainfo())
    return appdir


def _squashfs(appdir: Path, out: Path, epoch: int, level: int) -> None:
    # Same mtimes everywhere, root-owned, no xattrs, no appending; mksquashfs sorts entries
    # by name and (4.5+) is reproducible across threads: identical input, identical bytes.
    for path in [appdir, *appdir.rglob("*")]:
        os.utime(path, (epoch, epoch), follow_symlinks=False)
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(epoch)}
    cmd = [
        "mksquashfs",
        str(appdir),
        str(out),
        "-comp",
        "zstd",
        "-Xcompression-level",
        str(level),
        "-root-mode",
        "0755",
        "-all-root",
        "-noappend",
        "-no-progress",
        "-quiet",
        "-no-xattrs",
    ]
    result = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if result.returncode != 0:
        raise BuildError(f"mksquashfs failed: {result.stderr.strip() or result.stdout.strip()}")


def set_update_info(image: bytearray, info: str) -> None:
    """Writes AppImageUpdate's update information into the runtime's `.upd_info` section."""
    offset, size = elf_sections(bytes(image))[".upd_info"]
    raw = info.encode()
    if len(raw) >= size:
        raise BuildError(f"update information is longer than {size - 1} bytes")
    image[offset : offset + size] = raw.ljust(size, b"\0")


def build_appimage(
    appdir: Path,
    runtime: Path,
    out: Path,
    *,
    update_info: str | None = None,
    epoch: int | None = None,
    zstd_level: int = 15,
) -> Path:
    """Packs `appdir` after `runtime` into the executable AppImage `out`."""
    if not (appdir / "AppRun").exists():
        raise BuildError(f"{appdir} has no AppRun: not an AppDir")
    if epoch is None:
        epoch = int(os.environ.get("SOURCE_DATE_EPOCH", DEFAULT_EPOCH))
    image = bytearray(runtime.read_bytes())
    if image[8:11] != MAGIC:
        raise BuildError(f"{runtime} is not an AppImage runtime (no AI\\x02 magic)")
    if update_info:
        set_update_info(image, update_info)
    with tempfile.TemporaryDirectory() as tmp:
        squash = Path(tmp) / "payload.squashfs"
        _squashfs(appdir, squash, epoch, zstd_level)
        image += squash.read_bytes()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(bytes(image))
    out.chmod(0o755)
    return out


def main(argv: list[str] | None = None) -> int:
    """CLI: folder -> AppDir -> AppImage; prints size, sha256 and build time."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--src", type=Path, required=True, help="PyInstaller folder or an AppDir")
    parser.add_argument("--out", type=Path, required=True, help="the AppImage to write")
    parser.add_argument("--icon", type=Path, help="icon (PNG or SVG) when the folder has none")
    parser.add_argument(
        "--update-info", help='e.g. "zsync|https://example.com/genba-x86_64.AppImage.zsync"'
    )
    parser.add_argument(
        "--zstd-level", type=int, default=15, help="1..22 (default 15; 9 is 7x faster, 8%% larger)"
    )
    parser.add_argument(
        "--runtime", type=Path, help="a runtime built earlier (default: compile one)"
    )
    args = parser.parse_args(argv)
    started = time.monotonic()
    if not args.src.is_dir():
        print(
            f"build_appimage: {args.src} is not a folder: run `make package` first", file=sys.stderr
        )
        return 1
    try:
        with tempfile.TemporaryDirectory() as tmp:
            runtime = args.runtime or build_runtime(Path(tmp) / "runtime")
            appdir = make_appdir(args.src, Path(tmp) / "genba.AppDir", args.icon)
            build_appimage(
                appdir, runtime, args.out, update_info=args.update_info, zstd_level=args.zstd_level
            )
    except (BuildError, OSError) as exc:
        print(f"build_appimage: {exc}", file=sys.stderr)
        return 1
    digest = hashlib.sha256(args.out.read_bytes()).hexdigest()
    print(
        f"{args.out}  {args.out.stat().st_size} bytes  sha256 {digest}  "
        f"({time.monotonic() - started:.1f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
