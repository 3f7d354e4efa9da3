"""Build genba's MSI on Linux with msitools' wixl, from a PyInstaller folder for Windows.

    python installers/windows/build_msi.py --payload DIR --out build/dist/genba.msi
    python installers/windows/build_msi.py --stub build/msi-stub --out build/dist/genba-stub.msi

``--payload`` is the frozen Windows folder (``genba.exe``, ``genba-desktop.exe``, ``_internal/``);
it can only be made on a Windows build host (see ``build-windows.ps1``). ``--stub DIR`` writes
placeholder files named as that freeze would be into DIR and builds from them, so the MSI's
tables can be checked here (``tests/installers/test_msi.py``). Any wixl or wixl-heat warning
fails the build: wixl drops attributes it does not know with only a warning, and a dropped
attribute is a wrong installer. Prints the MSI's path, size and sha256.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
WXS = HERE / "genba.wxs"

# What a PyInstaller onedir freeze of installers/genba.spec looks like on Windows; the stub has
# these names so that the MSI's tables are those of the real thing.
STUB_FILES = (
    "genba.exe",
    "genba-desktop.exe",
    "_internal/python311.dll",
    "_internal/base_library.zip",
    "_internal/PySide6/Qt6Core.dll",
    "_internal/PySide6/plugins/platforms/qwindows.dll",
    "_internal/llama_cpp/lib/llama.dll",
    "_internal/llama_cpp/lib/ggml-base.dll",
    "_internal/llama_cpp/lib/ggml-cpu-x64.dll",
    "_internal/llama_cpp/lib/ggml-cpu-haswell.dll",
    "_internal/assets/i18n/genba_ja.qm",
)
REQUIRED = ("genba.exe", "genba-desktop.exe")  # the update task and the shortcut run these
STUB_TASK_XML = """<?xml version="1.0" encoding="UTF-8"?>
<!-- stub: placeholder for the update task definition; not a usable task -->
<Task xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task"/>
"""


LOCK_TABLE_HEADER = (
    "MsiLockPermissionsEx\tLockObject\tTable\tSDDL\tCondition\r\n"
    "s72\ts72\ts32\ts0\tS255\r\n"
    "MsiLockPermissionsEx\tMsiLockPermissionsEx\r\n"
)


class BuildError(Exception):
    """A problem with the inputs or the tools, reported as one line."""


def write_stub_payload(folder: Path) -> list[str]:
    """Write placeholder files named like the Windows freeze into *folder*; returns their paths."""
    for rel in STUB_FILES:
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"stub for {rel}: not a Windows program\n", encoding="utf-8")
    return list(STUB_FILES)


def project_version() -> str:
    """The MSI ProductVersion (major.minor.build, numbers only) from pyproject.toml."""
    with (ROOT / "pyproject.toml").open("rb") as fh:
        version = str(tomllib.load(fh)["project"]["version"])
    return msi_version(version)


def msi_version(version: str) -> str:
    """*version* as Windows Installer needs it; pre-release suffixes cannot be expressed."""
    match = re.fullmatch(r"(\d+)\.(\d+)\.(\d+)", version)
    if not match or int(match[1]) > 255 or int(match[2]) > 255 or int(match[3]) > 65535:
        raise BuildError(
            f"version {version!r} cannot be an MSI version; use major.minor.build "
            "(at most 255.255.65535)"
        )
    return version


def find_task_xml() -> Path | None:
    """The update task definition kept next to this script (installers/windows/*.xml)."""
    found = sorted(HERE.glob("*.xml"))
    return found[0] if len(found) == 1 else None


def payload_files(payload: Path) -> list[str]:
    """Every regular file under *payload*, as sorted POSIX paths relative to it."""
    if not payload.is_dir():
        raise BuildError(f"payload folder {payload} does not exist; give the frozen Windows folder")
    files = sorted(p.relative_to(payload).as_posix() for p in payload.rglob("*") if p.is_file())
    missing = [name for name in REQUIRED if name not in files]
    if missing:
        raise BuildError(
            f"{payload} is not a Windows genba folder: {', '.join(missing)} missing at its top"
        )
    return files


def machine_sddl(wxs: Path) -> str:
    """The folders' security descriptor, from the ``MachineSddl`` define in the WiX source."""
    match = re.search(r'<\?define MachineSddl="([^"]+)"', wxs.read_text(encoding="utf-8"))
    if not match:
        raise BuildError(f"{wxs} has no MachineSddl define")
    return match[1]


def lock_created_folders(msi: Path, sddl: str, tmp: Path) -> None:
    """Add MsiLockPermissionsEx rows locking every CreateFolder folder (wixl cannot)."""
    exported = _run(["msiinfo", "export", str(msi), "CreateFolder"])
    rows = [line.split("\t") for line in exported.splitlines()[3:] if line.strip()]
    if not rows:
        raise BuildError("the MSI creates no folders to lock")
    idt = tmp / "MsiLockPermissionsEx.idt"
    body = "".join(
        f"lock{directory}\t{directory}\tCreateFolder\t{sddl}\t\r\n" for directory, _ in rows
    )
    idt.write_text(LOCK_TABLE_HEADER + body, encoding="utf-8", newline="")
    _run(["msibuild", str(msi), "-i", str(idt)])


def _run(cmd: list[str], stdin: str | None = None, cwd: Path | None = None) -> str:
    """Run a tool; any stderr output (wixl's warnings) or a non-zero exit is an error."""
    if shutil.which(cmd[0]) is None:
        raise BuildError(f"{cmd[0]} not found; install it with: apt-get install wixl msitools")
    done = subprocess.run(cmd, input=stdin, capture_output=True, text=True, check=False, cwd=cwd)
    if done.returncode != 0 or done.stderr.strip():
        first = (done.stderr.strip() or done.stdout.strip() or "no output").splitlines()
        detail = "; ".join(line.strip() for line in first if line.strip())[:600]
        raise BuildError(f"{cmd[0]} failed (exit {done.returncode}): {detail}")
    return done.stdout


def build_msi(
    payload: Path, out: Path, version: str, task_xml: Path, wxs: Path = WXS
) -> tuple[int, str]:
    """Build *out* from *payload* with wixl; returns (size in bytes, sha256 hex)."""
    payload = payload.resolve()
    files = payload_files(payload)
    if not task_xml.is_file():
        raise BuildError(f"update task definition {task_xml} does not exist")
    with tempfile.TemporaryDirectory(prefix="genba-msi-") as tmp:
        fragment = Path(tmp) / "payload.wxs"
        listing = "".join(f"{payload}/{rel}\n" for rel in files)
        fragment.write_text(
            _run(
                [
                    "wixl-heat",
                    "-p",
                    f"{payload}/",
                    "--component-group",
                    "CG.Payload",
                    "--var",
                    "var.PayloadDir",
                    "--directory-ref",
                    "ProgramDir",
                    "--win64",
                ],
                stdin=listing,
            ),
            encoding="utf-8",
        )
        # wixl takes only relative Source paths (resolved from its working folder).
        (Path(tmp) / "payload").symlink_to(payload, target_is_directory=True)
        (Path(tmp) / "task.xml").symlink_to(task_xml.resolve())
        out = out.resolve()
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_name(out.name + ".partial")
        _run(
            [
                "wixl",
                "-a",
                "x64",
                "-D",
                f"Version={version}",
                "-D",
                "PayloadDir=payload",
                "-D",
                "TaskXml=task.xml",
                "-D",
                "Win64=yes",
                "-D",
                "Wixl=yes",
                "-o",
                str(partial),
                str(wxs.resolve()),
                str(fragment),
            ],
            cwd=Path(tmp),
        )
        lock_created_folders(partial, machine_sddl(wxs), Path(tmp))
        partial.replace(out)  # never leave a half-written MSI under the final name
    data = out.read_bytes()
    return len(data), hashlib.sha256(data).hexdigest()


def main(argv: list[str] | None = None) -> int:
    """Command line: build the MSI and print its path, size and sha256."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--payload", type=Path, help="the frozen Windows folder")
    source.add_argument("--stub", type=Path, help="write a stub Windows payload here and use it")
    parser.add_argument("--out", type=Path, required=True, help="the MSI to write")
    parser.add_argument("--version", help="major.minor.build (default: pyproject's version)")
    parser.add_argument("--task-xml", type=Path, help="update task XML (default: the *.xml here)")
    parser.add_argument("--wxs", type=Path, default=WXS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        version = msi_version(args.version) if args.version else project_version()
        payload: Path = args.payload
        task_xml: Path | None = args.task_xml or find_task_xml()
        if args.stub is not None:
            payload = args.stub
            write_stub_payload(payload)
            if task_xml is None:
                task_xml = payload.parent / f"{payload.name}-task.xml"
                task_xml.write_text(STUB_TASK_XML, encoding="utf-8")
        payload_files(payload)  # a wrong folder is the likelier mistake: say so first
        if task_xml is None:
            raise BuildError(
                f"no update task definition: put exactly one *.xml in {HERE} or give --task-xml"
            )
        size, digest = build_msi(payload, args.out, version, task_xml, args.wxs)
    except BuildError as exc:
        print(f"build_msi: {exc}", file=sys.stderr)
        return 2
    print(f"{args.out}  {size} bytes ({size / 1e6:.1f} MB)  sha256 {digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
