"""``genba models list|pull|import|build-default|set-range``: the model store from the command line.

``list`` shows the built-in default model (built or not), the files in the
store and the catalogue of real MoE models; ``--json`` prints one document for
scripts. ``pull`` downloads a catalogue model, ``import`` copies one from disk
or USB, ``build-default`` builds the default MoE now (instead of on first use);
``set-range`` writes a model's useful range of N (:mod:`engine.cli.range_cmd`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from engine.cli import range_cmd
from engine.cli.common import load_context, print_json
from engine.paths import Paths


def _progress_printer(enabled: bool) -> Any:
    """A ``(stage, fraction)`` callback drawing one status line on stderr."""
    last: dict[str, Any] = {"stage": None, "pct": -1}

    def report(stage: str, fraction: float) -> None:
        pct = int(fraction * 100)
        if not enabled or (stage == last["stage"] and pct == last["pct"]):
            return
        if stage != last["stage"] and last["stage"] is not None:
            sys.stderr.write("\n")
        last.update(stage=stage, pct=pct)
        sys.stderr.write(f"\r{stage}: {pct:3d}%")
        if pct >= 100:
            sys.stderr.write("\n")
            last["stage"] = None
        sys.stderr.flush()

    return report


def _human(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.1f} {unit}" if unit != "B" else f"{int(n)} B"
        n /= 1000
    return f"{n:.1f} GB"  # pragma: no cover


def run_list(args: argparse.Namespace) -> int:
    """Print the default model, the store and the catalogue."""
    from engine.models.catalogue import load_catalogue
    from engine.models.store import list_models

    paths = Paths.default()
    default = paths.default_model_path
    installed = list_models(paths)
    catalogue = load_catalogue()
    if args.json:
        print_json(
            {
                "models_dir": str(paths.models_dir),
                "default_model": {"path": str(default), "built": default.is_file()},
                "installed": [m.as_dict() for m in installed],
                "catalogue": [e.as_dict() for e in catalogue],
            }
        )
        return 0
    state = "built" if default.is_file() else "not built yet (built on first use)"
    print(f"default model: {default} ({state})")
    print(f"installed models ({paths.models_dir}):")
    for m in installed:
        what = m.problem or f"{m.architecture}, {m.expert_count} experts, top-{m.expert_used_count}"
        if m.site_pack is not None and not m.problem:
            what += f", {m.site_pack.label()}"
        print(f"  {m.path.name:<48} {_human(m.size):>9}  {m.origin:<24} {what}")
    if not installed:
        print("  (none)")
    print("catalogue (genba models pull NAME):")
    for e in catalogue:
        pin = "pinned" if e.pinned else "unpinned"
        ram = _human(e.ram_bytes(e.expert_used_count))
        print(f"  {e.name:<24} {_human(e.size):>9}  {e.license:<11} {pin:<9} ~{ram} RAM at N="
              f"{e.expert_used_count}  {e.title}")  # fmt: skip
    return 0


def run_pull(args: argparse.Namespace) -> int:
    """Download a catalogue model into the store."""
    from engine.models.catalogue import find_entry, load_catalogue
    from engine.models.store import pull_model
    from engine.remote.network import NetworkConfig

    paths, settings = load_context()
    entry = find_entry(load_catalogue(), args.name)
    model = pull_model(
        paths, entry, endpoint=args.endpoint, allow_unpinned=args.allow_unpinned,
        network=NetworkConfig.from_settings(settings),
        progress=_progress_printer(not args.quiet), settings=settings,
    )  # fmt: skip
    print(model.path)
    if not entry.pinned:
        print(f"sha256 {model.sha256}  (pin this in the catalogue)", file=sys.stderr)
    return 0


def run_import(args: argparse.Namespace) -> int:
    """Copy a model file into the store after validating it."""
    from engine.models.store import import_model

    paths, settings = load_context()
    model = import_model(
        paths, args.path, progress=_progress_printer(not args.quiet), settings=settings
    )
    print(model.path)
    return 0


def run_build_default(args: argparse.Namespace) -> int:
    """Build the default MoE model now."""
    from engine.models.default_model import ensure_default_model

    # Downloads follow the network state (offline, proxy), worked out inside from settings.
    path = ensure_default_model(Paths.default(), _progress_printer(not args.quiet))
    print(path)
    return 0


def register(subparsers: Any) -> None:
    """Add ``models`` and its subcommands to the ``genba`` parser."""
    p = subparsers.add_parser("models", help="list, pull, import or build models")
    sub = p.add_subparsers(dest="models_command", metavar="ACTION", required=True)

    lst = sub.add_parser("list", help="show the default model, installed models and catalogue")
    lst.add_argument("--json", action="store_true", help="print JSON for scripts")
    lst.set_defaults(func=run_list)

    pull = sub.add_parser("pull", help="download a catalogue model (resumable, sha256-checked)")
    pull.add_argument("name", help="catalogue name, see `genba models list`")
    pull.add_argument("--endpoint", default=None, help="Hugging Face Hub URL or mirror")
    pull.add_argument(
        "--allow-unpinned", action="store_true",
        help="download an entry without a pinned sha256 and print its hash",
    )  # fmt: skip
    pull.add_argument("--quiet", action="store_true", help="no progress output")
    pull.set_defaults(func=run_pull)

    imp = sub.add_parser("import", help="copy a GGUF MoE from disk or USB into the store")
    imp.add_argument("path", type=Path, help="path to a .gguf file")
    imp.add_argument("--quiet", action="store_true", help="no progress output")
    imp.set_defaults(func=run_import)

    build = sub.add_parser("build-default", help="build the default offline MoE model now")
    build.add_argument("--quiet", action="store_true", help="no progress output")
    build.set_defaults(func=run_build_default)

    range_cmd.register(sub)
