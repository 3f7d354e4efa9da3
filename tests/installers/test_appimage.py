"""genba's own AppImage runtime and assembler (installers/linux/appimage/).

The runtime is compiled once per session and a stub AppDir (an AppRun that prints its
arguments and environment) is packed with it. libappimage, an independent reader, checks
the result; the runtime's modes are run for real (FUSE mount only where /dev/fuse works).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import importlib.util
import os
import shutil
import struct
import subprocess
import sys
import tempfile
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "installers" / "linux" / "appimage" / "build_appimage.py"
ICON = ROOT / "assets" / "icons" / "genba-256.png"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_appimage", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build = _load()
_missing = build.missing_prerequisites()
pytestmark = pytest.mark.skipif(
    bool(_missing) or sys.platform != "linux",
    reason=f"cannot build the AppImage runtime here, missing {', '.join(_missing)} "
    "(apt-get install gcc libsquashfuse-dev libfuse3-dev libzstd-dev liblzma-dev zlib1g-dev "
    "squashfs-tools)",
)

APPRUN = """#!/bin/sh
if [ "$1" = "wait-for-term" ]; then
  trap 'echo term > "$OWD/got-term"; exit 0' TERM
  echo waiting
  while :; do sleep 0.1; done
fi
echo "NARGS=$#"
for a in "$@"; do echo "ARG=$a"; done
echo "APPIMAGE=$APPIMAGE"
echo "APPDIR=$APPDIR"
echo "OWD=$OWD"
echo "ARGV0=$ARGV0"
echo "DATA=$(cat "$APPDIR/usr/share/genba/data.txt")"
exit 7
"""


def _stub_appdir(root: Path) -> Path:
    (root / "usr/share/genba").mkdir(parents=True)
    (root / "AppRun").write_text(APPRUN)
    (root / "AppRun").chmod(0o755)
    (root / "usr/share/genba/data.txt").write_text("from the squashfs\n")
    (root / "usr/bin").mkdir()
    (root / "usr/bin/genba").symlink_to("../share/genba/data.txt")
    return root


@pytest.fixture(scope="session")
def runtime(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out: Path = build.build_runtime(tmp_path_factory.mktemp("runtime") / "runtime")
    return out


@pytest.fixture(scope="session")
def appimage(runtime: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("appimage")
    appdir = build.make_appdir(_stub_appdir(tmp / "stub"), tmp / "genba.AppDir", ICON)
    out: Path = build.build_appimage(
        appdir,
        runtime,
        tmp / "genba-x86_64.AppImage",
        update_info="zsync|https://example.invalid/genba.zsync",
    )
    return out


def _run(cmd: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if k not in ("APPDIR", "ARGV0", "APPIMAGE")}
    return subprocess.run(
        cmd,
        cwd=cwd,
        env={**full_env, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _fields(stdout: str) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for line in stdout.splitlines():
        key, _, value = line.partition("=")
        fields.setdefault(key, []).append(value)
    return fields


def _elf_end(data: bytes) -> int:
    """End of the ELF from its headers: section header table or last section's contents."""
    assert data[:4] == b"\x7fELF" and data[4] == 2  # 64-bit
    (shoff,) = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    end = shoff + shentsize * shnum
    for i in range(shnum):
        (sh_type,) = struct.unpack_from("<I", data, shoff + i * shentsize + 4)
        offset, size = struct.unpack_from("<QQ", data, shoff + i * shentsize + 0x18)
        if sh_type != 8:  # SHT_NOBITS has no bytes in the file
            end = max(end, offset + size)
    return int(end)


def test_runtime_is_type2_elf_needing_only_glibc(runtime: Path, appimage: Path) -> None:
    data = appimage.read_bytes()
    assert data[8:11] == b"AI\x02"
    sections = build.elf_sections(data)
    assert sections[".sha256_sig"][1] == 1024
    off, size = sections[".upd_info"]
    assert data[off : off + size].rstrip(b"\0") == b"zsync|https://example.invalid/genba.zsync"
    # Static squashfuse/fuse3/zstd: the only shared library is glibc.
    dyn = subprocess.run(
        ["readelf", "-d", str(runtime)], capture_output=True, text=True, check=True
    ).stdout
    needed = sorted(line.split("[")[1].rstrip("]") for line in dyn.splitlines() if "NEEDED" in line)
    assert needed == ["libc.so.6"]


def test_libappimage_reads_it_as_type2_and_lists_files(appimage: Path) -> None:
    name = ctypes.util.find_library("appimage") or "libappimage.so"
    try:
        lib = ctypes.CDLL(name)
    except OSError:
        pytest.skip("libappimage missing: apt-get install libappimage-dev")
    lib.appimage_get_type.argtypes = [ctypes.c_char_p, ctypes.c_bool]
    lib.appimage_get_type.restype = ctypes.c_int
    lib.appimage_list_files.argtypes = [ctypes.c_char_p]
    lib.appimage_list_files.restype = ctypes.POINTER(ctypes.c_char_p)
    lib.appimage_string_list_free.argtypes = [ctypes.POINTER(ctypes.c_char_p)]
    path = str(appimage).encode()
    assert lib.appimage_get_type(path, False) == 2
    listing = lib.appimage_list_files(path)
    files, i = set(), 0
    while listing[i]:
        files.add(listing[i].decode())
        i += 1
    lib.appimage_string_list_free(listing)
    assert {
        "AppRun",
        "genba.desktop",
        "genba.png",
        ".DirIcon",
        "usr/share/genba/data.txt",
        "usr/share/metainfo/io.genba.genba.appdata.xml",
    } <= files


def test_offset_is_the_elf_end(appimage: Path, tmp_path: Path) -> None:
    result = _run([str(appimage), "--appimage-offset"], tmp_path)
    assert result.returncode == 0, result.stderr
    data = appimage.read_bytes()
    offset = int(result.stdout)
    assert offset == _elf_end(data)
    assert data[offset : offset + 4] == b"hsqs"  # the squashfs superblock starts right there
    assert struct.unpack_from("<H", data, offset + 20)[0] == 6  # compression id 6 = zstd


def _check_apprun_output(
    result: subprocess.CompletedProcess[str], appimage: Path, owd: Path, prefix: str
) -> str:
    assert result.returncode == 7, result.stderr  # AppRun's exit status comes back
    fields = _fields(result.stdout)
    assert fields["ARG"] == ["one", "two words"]
    assert fields["APPIMAGE"] == [str(appimage)]
    assert fields["OWD"] == [str(owd)]
    assert fields["ARGV0"] == [str(appimage)]
    assert fields["DATA"] == ["from the squashfs"]
    appdir = fields["APPDIR"][0]
    assert Path(appdir).name.startswith(prefix)
    assert not Path(appdir).exists()  # cleaned up after AppRun ended
    return appdir


def test_extract_and_run_option(appimage: Path, tmp_path: Path) -> None:
    result = _run(
        [str(appimage), "--appimage-extract-and-run", "one", "two words"],
        tmp_path,
        TMPDIR=str(tmp_path),
    )
    _check_apprun_output(result, appimage, tmp_path, "appimage_extracted_")


def test_without_fuse_it_extracts_and_runs(appimage: Path, tmp_path: Path) -> None:
    # APPIMAGE_EXTRACT_AND_RUN=1 takes the same path as a machine without /dev/fuse.
    result = _run(
        [str(appimage), "one", "two words"],
        tmp_path,
        TMPDIR=str(tmp_path),
        APPIMAGE_EXTRACT_AND_RUN="1",
    )
    _check_apprun_output(result, appimage, tmp_path, "appimage_extracted_")


def _can_hide_dev() -> bool:
    if shutil.which("unshare") is None or os.geteuid() != 0:
        return False
    probe = ["unshare", "-m", "sh", "-c", "mount -t tmpfs none /dev && test ! -e /dev/fuse"]
    return subprocess.run(probe, capture_output=True, check=False, timeout=30).returncode == 0


@pytest.mark.skipif(
    not _can_hide_dev(), reason="cannot hide /dev/fuse here (needs root and `unshare -m`)"
)
def test_no_dev_fuse_falls_back_to_extract_and_run(appimage: Path, tmp_path: Path) -> None:
    # A private mount namespace with an empty /dev: the machine has no FUSE at all.
    script = 'mount -t tmpfs none /dev && exec "$0" "$@"'
    cmd = ["unshare", "-m", "sh", "-c", script, str(appimage), "one", "two words"]
    result = _run(cmd, tmp_path, TMPDIR=str(tmp_path))
    _check_apprun_output(result, appimage, tmp_path, "appimage_extracted_")
    assert "FUSE is not available" in result.stderr


def _fuse_works() -> bool:
    """Whether the kernel lets this process mount a FUSE file system (checked without the
    runtime: open /dev/fuse, mount(2) it on a scratch folder, detach it again)."""
    if os.geteuid() != 0:
        return False  # the runtime would go through fusermount3; not tested here
    try:
        fd = os.open("/dev/fuse", os.O_RDWR)
    except OSError:
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    with tempfile.TemporaryDirectory() as where:
        opts = f"fd={fd},rootmode=40000,user_id=0,group_id=0".encode()
        flags = ctypes.c_ulong(1 | 2 | 4)  # MS_RDONLY | MS_NOSUID | MS_NODEV
        mounted = libc.mount(b"probe", where.encode(), b"fuse", flags, opts) == 0
        if mounted:
            libc.umount2(where.encode(), 2)  # MNT_DETACH
    os.close(fd)
    return bool(mounted)


@pytest.mark.skipif(
    not _fuse_works(),
    reason="FUSE mounts are not possible here (needs root and a usable /dev/fuse)",
)
def test_fuse_mount_runs_apprun(appimage: Path, tmp_path: Path) -> None:
    result = _run([str(appimage), "one", "two words"], tmp_path, TMPDIR=str(tmp_path))
    assert "FUSE is not available" not in result.stderr
    appdir = _check_apprun_output(result, appimage, tmp_path, ".mount_")
    mounts = Path("/proc/self/mounts").read_text()
    assert appdir not in mounts  # unmounted after AppRun ended


@pytest.mark.parametrize("how", ["extract-and-run", "fuse"])
def test_a_signal_to_the_appimage_reaches_the_app(
    appimage: Path, tmp_path: Path, how: str
) -> None:
    """``kill PID`` (a session ending, a service stopping) must reach AppRun, which then
    ends normally, and the runtime still cleans up after it."""
    if how == "fuse" and not _fuse_works():
        pytest.skip("FUSE mounts are not possible here (needs root and a usable /dev/fuse)")
    env = {k: v for k, v in os.environ.items() if k not in ("APPDIR", "ARGV0", "APPIMAGE")}
    env["TMPDIR"] = str(tmp_path)
    if how == "extract-and-run":
        env["APPIMAGE_EXTRACT_AND_RUN"] = "1"
    app = subprocess.Popen(
        [str(appimage), "wait-for-term"], cwd=tmp_path, env=env, stdout=subprocess.PIPE, text=True
    )
    with app:
        try:
            assert app.stdout is not None and app.stdout.readline().strip() == "waiting"
            app.terminate()  # SIGTERM to the runtime's own process only
            assert app.wait(timeout=30) == 0
        finally:
            app.kill()
    assert (tmp_path / "got-term").read_text() == "term\n"
    assert not list(tmp_path.glob("appimage_extracted_*")) and not list(tmp_path.glob(".mount_*"))


def test_extract_writes_squashfs_root(appimage: Path, tmp_path: Path) -> None:
    result = _run([str(appimage), "--appimage-extract"], tmp_path)
    assert result.returncode == 0, result.stderr
    root = tmp_path / "squashfs-root"
    assert (root / "AppRun").read_text() == APPRUN
    assert os.access(root / "AppRun", os.X_OK)
    assert (root / "genba.png").read_bytes() == ICON.read_bytes()
    assert str((root / ".DirIcon").readlink()) == "genba.png"
    assert str((root / "usr/bin/genba").readlink()) == "../share/genba/data.txt"
    assert "Exec=genba-desktop" in (root / "genba.desktop").read_text()

    shutil.rmtree(root)
    result = _run([str(appimage), "--appimage-extract", "usr/share/genba/*"], tmp_path)
    assert result.returncode == 0, result.stderr
    extracted = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
    assert extracted == ["usr/share/genba/data.txt"]


@pytest.mark.skipif(shutil.which("appstreamcli") is None, reason="appstreamcli missing")
def test_metainfo_is_valid_appstream(appimage: Path, tmp_path: Path) -> None:
    assert (
        _run([str(appimage), "--appimage-extract", "usr/share/metainfo/*"], tmp_path).returncode
        == 0
    )
    (meta,) = (tmp_path / "squashfs-root/usr/share/metainfo").glob("*.xml")
    check = ["appstreamcli", "validate", "--no-net", "--pedantic", str(meta)]
    result = subprocess.run(check, capture_output=True, text=True, check=False, timeout=60)
    assert result.returncode == 0, result.stdout


def test_two_builds_are_identical(runtime: Path, appimage: Path, tmp_path: Path) -> None:
    # A fresh AppDir copy with other timestamps, built at another time, same bytes.
    stub = _stub_appdir(tmp_path / "stub")
    os.utime(stub / "AppRun", (12345, 12345))
    appdir = build.make_appdir(stub, tmp_path / "other.AppDir", ICON)
    again = build.build_appimage(
        appdir,
        runtime,
        tmp_path / "again.AppImage",
        update_info="zsync|https://example.invalid/genba.zsync",
    )
    assert again.read_bytes() == appimage.read_bytes()
    # The runtime compiles to the same bytes too (no build id, no source paths).
    assert build.build_runtime(tmp_path / "runtime2").read_bytes() == runtime.read_bytes()


@pytest.mark.parametrize("keep", ["runtime only", "half the squashfs"])
def test_truncated_appimage_one_line_error(appimage: Path, tmp_path: Path, keep: str) -> None:
    data = appimage.read_bytes()
    end = _elf_end(data)
    cut = end if keep == "runtime only" else end + (len(data) - end) // 2
    broken = tmp_path / "broken.AppImage"
    broken.write_bytes(data[:cut])
    broken.chmod(0o755)
    for args in ([], ["--appimage-extract"], ["--appimage-extract-and-run"]):
        result = _run([str(broken), *args], tmp_path, TMPDIR=str(tmp_path))
        assert result.returncode == 1
        assert result.stdout == ""
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert "download the AppImage again" in lines[0]
    assert not (tmp_path / "squashfs-root").exists() or not any(
        (tmp_path / "squashfs-root").iterdir()
    )


def test_assembler_cli_from_a_pyinstaller_folder(runtime: Path, tmp_path: Path) -> None:
    # The real input: a folder with genba-desktop and genba, no AppRun.
    frozen = tmp_path / "dist/genba"
    (frozen / "_internal").mkdir(parents=True)
    for name in ("genba-desktop", "genba"):
        (frozen / name).write_text(f'#!/bin/sh\necho {name} "$@"\n')
        (frozen / name).chmod(0o755)
    out = tmp_path / "genba.AppImage"
    result = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--src",
            str(frozen),
            "--out",
            str(out),
            "--icon",
            str(ICON),
            "--runtime",
            str(runtime),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "sha256" in result.stdout
    env = {"APPIMAGE_EXTRACT_AND_RUN": "1", "TMPDIR": str(tmp_path)}
    assert _run([str(out), "ask", "hi"], tmp_path, **env).stdout == "genba ask hi\n"
    assert _run([str(out)], tmp_path, **env).stdout == "genba-desktop\n"

    bad = subprocess.run(
        [sys.executable, str(SCRIPT), "--src", str(tmp_path / "nowhere"), "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert bad.returncode == 1
    assert len(bad.stderr.strip().splitlines()) == 1
