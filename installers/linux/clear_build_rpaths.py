"""Drop the build host's absolute library paths from a frozen folder's ELF files.

PyInstaller copies extension modules as they are. Those of a Python built from source
(pyenv, for example) carry ``RUNPATH /root/.pyenv/versions/3.11.x/lib``: on a user's PC that
folder does not exist (harmless, the folder's own libpython is found first), but it is the
build machine's path inside every installed copy, lintian's ``custom-library-search-path``,
and on a PC that happens to have such a folder it would load the wrong libraries.

Only absolute entries outside the frozen folder are removed; ``$ORIGIN``-relative entries
(PySide6 and other wheels use them to find their own libraries) are kept in order. Uses
``patchelf`` (Debian package ``patchelf``). Prints one line per changed file, and a summary.

    python installers/linux/clear_build_rpaths.py build/dist/genba
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

ELF_MAGIC = b"\x7fELF"


def _is_elf(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            return fh.read(4) == ELF_MAGIC
    except OSError:
        return False


def kept_entries(rpath: str, folder: Path) -> list[str]:
    """The entries of ``rpath`` to keep: ``$ORIGIN``-relative ones and paths inside ``folder``."""
    inside = folder.resolve()

    def keep(entry: str) -> bool:
        if entry.startswith(("$ORIGIN", "${ORIGIN}")):
            return True
        return Path(entry).is_absolute() and Path(entry).resolve().is_relative_to(inside)

    return [entry for entry in rpath.split(":") if entry and keep(entry)]


def clear(folder: Path, patchelf: str) -> list[tuple[Path, str, str]]:
    """Rewrite every ELF file's RUNPATH under ``folder``; return (file, old, new) per change."""
    changed = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()):
        if not _is_elf(path):
            continue
        done = subprocess.run(
            [patchelf, "--print-rpath", str(path)], capture_output=True, text=True, check=False
        )
        old = done.stdout.strip()
        if done.returncode != 0 or not old:
            continue  # not a dynamic object (or no RUNPATH): nothing to clear
        new = ":".join(kept_entries(old, folder))
        if new == old:
            continue
        args = ["--set-rpath", new] if new else ["--remove-rpath"]
        subprocess.run([patchelf, *args, str(path)], capture_output=True, check=True)
        changed.append((path, old, new))
    return changed


def main(argv: list[str] | None = None) -> int:
    """Command line: one frozen folder."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="the PyInstaller folder (build/dist/genba)")
    args = parser.parse_args(argv)
    patchelf = shutil.which("patchelf")
    if patchelf is None:
        print(
            "clear_build_rpaths: patchelf is missing; install it (apt-get install patchelf)",
            file=sys.stderr,
        )
        return 2
    if not args.folder.is_dir():
        print(
            f"clear_build_rpaths: {args.folder} is not a folder; run `make package`",
            file=sys.stderr,
        )
        return 2
    changed = clear(args.folder, patchelf)
    for path, old, new in changed:
        print(f"{path.relative_to(args.folder)}: {old} -> {new or '(none)'}")
    print(f"clear_build_rpaths: {len(changed)} file(s) changed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
