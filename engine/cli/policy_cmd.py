"""``genba policy check|schema|docs``: the administrator's view of the settings layer.

``check`` is what IT runs in deployment scripts: it loads the policy (the system
location, or the FILEs given, in order) over the user's settings, prints every
effective setting with its source, then every error and warning; exit code 1
when there is any error. ``--json`` prints one object instead (keys ``ok``,
``fail_closed``, ``policy_files``, ``settings``, ``problems``). ``schema``
prints the JSON Schema for editors; ``docs`` prints the Markdown reference
kept in ``docs/policy-reference.md``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from engine.paths import Paths
from engine.settings import SCHEMA, Settings, discover_policy_files, load_settings
from engine.settings.docs import render_reference
from engine.settings.json_schema import policy_json_schema
from engine.settings.loader import merge, read_layer

EXIT_OK = 0
EXIT_PROBLEMS = 1


def register(subparsers: Any) -> None:
    """Add ``genba policy`` and its subcommands."""
    parser = subparsers.add_parser(
        "policy",
        help="check the administrator policy, print its JSON Schema or reference",
        description="Administrator policy tools.",
    )
    sub = parser.add_subparsers(dest="policy_command", metavar="SUBCOMMAND", required=True)

    check = sub.add_parser(
        "check",
        help="validate the policy and show every effective setting with its source",
        description=(
            "Validate policy files and print the effective settings. Without FILE, checks "
            "the system policy location. Exit code 1 when there are errors."
        ),
    )
    check.add_argument("files", nargs="*", type=Path, metavar="FILE",
                       help="policy files to check instead of the system location, in order")
    check.add_argument("--json", action="store_true", help="print one JSON object")
    check.add_argument("--no-user", action="store_true",
                       help="ignore this user's own settings file")
    check.set_defaults(func=run_check)

    schema = sub.add_parser("schema", help="print the policy JSON Schema (draft 2020-12)")
    schema.set_defaults(func=run_schema)

    docs = sub.add_parser("docs", help="print the Markdown reference of every setting")
    docs.set_defaults(func=run_docs)


def _load(args: argparse.Namespace, paths: Paths) -> tuple[Settings, list[Path]]:
    files: list[Path] = list(args.files) or discover_policy_files(paths)
    if not args.no_user:
        return load_settings(paths, policy_files=files if args.files else None), files
    policy_layers = [read_layer(p, is_policy=True, required=bool(args.files)) for p in files]
    return merge(None, policy_layers), files


def check_report(settings: Settings, files: list[Path]) -> dict[str, Any]:
    """The ``genba policy check --json`` object."""
    return {
        "ok": not settings.errors,
        "fail_closed": settings.fail_closed,
        "policy_files": [{"path": str(p), "exists": p.is_file()} for p in files],
        "settings": [
            {
                "key": key,
                "value": settings.get(key),
                "source": settings.source(key),
                "locked": settings.is_locked(key),
            }
            for key in SCHEMA
        ],
        "problems": [
            {"file": p.file, "key": p.key, "severity": p.severity, "message": p.message}
            for p in settings.problems
        ],
    }


def _show(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def _print_text(settings: Settings, files: list[Path]) -> None:
    out = sys.stdout
    out.write("Policy files (later wins):\n")
    for path in files:
        out.write(f"  {path}{'' if path.is_file() else '  (not present)'}\n")
    # Printed as TOML with the source in a comment, so IT can paste lines into a policy.
    out.write("\nEffective settings (value  # source):\n")
    section = ""
    for key in SCHEMA:
        if SCHEMA[key].section != section:
            section = SCHEMA[key].section
            out.write(f"\n[{section}]\n")
        assignment = f"{SCHEMA[key].name} = {_show(settings.get(key))}"
        source = settings.source(key)
        note = f"locked, {source}" if settings.is_locked(key) else source
        out.write(f"{assignment:<44}  # {note}\n")
    errors = len(settings.errors)
    warnings = len(settings.problems) - errors
    out.write(f"\n{errors} error(s), {warnings} warning(s)\n")
    for problem in settings.problems:
        out.write(f"  {problem}\n")
    if settings.fail_closed:
        out.write("\nSecurity settings are failing closed until the errors are fixed.\n")


def run_check(args: argparse.Namespace) -> int:
    """``genba policy check``."""
    paths = Paths.default()
    settings, files = _load(args, paths)
    if args.json:
        json.dump(check_report(settings, files), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        _print_text(settings, files)
    return EXIT_PROBLEMS if settings.errors else EXIT_OK


def run_schema(args: argparse.Namespace) -> int:
    """``genba policy schema``."""
    json.dump(policy_json_schema(), sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return EXIT_OK


def run_docs(args: argparse.Namespace) -> int:
    """``genba policy docs``."""
    sys.stdout.write(render_reference())
    return EXIT_OK
