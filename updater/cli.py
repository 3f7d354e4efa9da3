"""``genba update status|check|apply|rollback|import BUNDLE|key`` — registered via entry point.

The engine's CLI finds :func:`register` through the ``genba.commands`` entry-point group
(so neither package imports the other) and, before calling ``func``, sets
``args.genba_settings`` (effective settings by dotted key) and ``args.genba_paths`` (the
engine's :class:`disk.paths.Paths`; without it, this user's default folders, the engine's
too). Missing keys get defaults. Exit codes: 0 ok, 1 failure, 2 bad input; ``--json`` prints
one JSON document on stdout; errors always go to stderr as one readable sentence.
Document packs (policy ``updates.doc_packs``) are installed by ``apply`` and ``import``
and listed by ``status`` and ``check``. ``apply --when-due`` is what the update service's
hourly timer runs: it does nothing (exit 0) unless policy's window is open and the check
interval has passed.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from disk.paths import Paths

from updater import key_cli
from updater.client import CheckResult, UpdateClient, UpdateEvent
from updater.config import UpdateConfig
from updater.errors import (
    BadInputError,
    NothingToDoError,
    OfflineError,
    PackMissingError,
    ReadOnlyStoreError,
    UpdateError,
)
from updater.release import Step
from updater.scheduler import seconds_until_window

EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT = 0, 1, 2


def register(subparsers: Any) -> None:
    """Add the ``update`` command and its actions to ``genba``'s subparsers."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", help="print one JSON document")
    parser = subparsers.add_parser(
        "update",
        help="check for, apply or roll back signed model updates",
        description="Signed expert-diff model updates (see docs/updates.md).",
    )
    actions = parser.add_subparsers(dest="update_action", metavar="ACTION", required=True)
    status = actions.add_parser("status", parents=[common], help="current/previous model")
    status.add_argument("--verify", action="store_true", help="also hash the current model file")
    actions.add_parser("check", parents=[common], help="look for an update, change nothing")
    apply = actions.add_parser("apply", parents=[common], help="download, verify and switch")
    apply.add_argument(
        "--download-only", action="store_true", help="build and verify, but do not switch"
    )
    apply.add_argument(
        "--when-due", action="store_true",
        help="only if policy's updates.window is open and updates.check_interval_h has passed "
        "since the last check (for the update service's hourly timer)",
    )
    actions.add_parser("rollback", parents=[common], help="return to the previous model")
    imp = actions.add_parser("import", parents=[common], help="apply an offline bundle (USB)")
    imp.add_argument("bundle", type=Path, help="bundle folder made by `genba-publish bundle`")
    imp.add_argument("--download-only", action="store_true", help="verify, do not switch")
    key_cli.add_parser(actions, common)
    parser.set_defaults(func=run)


def _config(args: argparse.Namespace) -> UpdateConfig:
    settings: dict[str, object] = getattr(args, "genba_settings", None) or {}
    paths = getattr(args, "genba_paths", None)
    if not isinstance(paths, Paths):  # run without the engine's CLI: this user's folders
        paths = Paths.default()
    return UpdateConfig.from_settings(settings, paths)


def _progress_printer(quiet: bool) -> Any:
    last = {"state": ""}

    def show(event: UpdateEvent) -> None:
        if quiet:
            return
        if event.state in {"downloading", "building"}:
            pct = 100 * event.done // max(event.total, 1)
            print(f"\r{event.state} {event.version}: {pct:3d}%", end="", file=sys.stderr)
            last["state"] = event.state
            return
        if last["state"]:
            print(file=sys.stderr)
            last["state"] = ""
        if event.message:
            print(event.message, file=sys.stderr)

    return show


def _describe(result: CheckResult) -> str:
    current = result.current.version if result.current else "none"
    if not result.available or result.latest is None:
        return f"Model version {current} is up to date."
    path = " → ".join(
        f"{s.entry.label} (diff from {_source(s)})" if s.diff else f"{s.entry.label} (full)"
        for s in result.steps
    )
    size = result.download_bytes / 2**20
    return f"Update available: {current} → {path}; {size:.1f} MiB to download."


def _doc_lines(result: CheckResult) -> str:
    """One line per document pack followed or installed (nothing when there is none)."""
    return "".join(f"\n{state.describe()}" for state in result.docpacks)


def _source(step: Step) -> str:
    """The version a step's diff starts from, as people read it."""
    assert step.diff is not None
    if step.diff.source_pack:
        return f"{step.diff.source_pack}@{step.diff.source}"
    return f"full model {step.diff.source}" if step.entry.pack else step.diff.source


def run(args: argparse.Namespace) -> int:
    """Execute one ``genba update`` action; returns the exit code."""
    as_json = bool(getattr(args, "json", False))
    try:
        config = _config(args)
        client = UpdateClient(config, events=_progress_printer(as_json))
        out = _dispatch(args, client)
    except OfflineError as exc:
        return _fail(as_json, exc, EXIT_FAILURE, "offline")
    except ReadOnlyStoreError as exc:
        return _fail(as_json, exc, EXIT_FAILURE, "read-only-store")
    except PackMissingError as exc:
        return _fail(as_json, exc, EXIT_FAILURE, "pack-missing")
    except (BadInputError, NothingToDoError) as exc:
        return _fail(as_json, exc, EXIT_BAD_INPUT, "bad-input")
    except UpdateError as exc:
        return _fail(as_json, exc, EXIT_FAILURE, type(exc).__name__)
    if as_json:
        print(json.dumps(out, indent=2, ensure_ascii=False))
    else:
        print(out["text"])
    # `status --verify` that finds a damaged model file is a problem found: exit 1.
    return EXIT_FAILURE if out.get("current_intact") is False else EXIT_OK


def _dispatch(args: argparse.Namespace, client: UpdateClient) -> dict[str, Any]:
    action = args.update_action
    if action == "key":
        return key_cli.dispatch(args, client.config)
    if action == "status":
        status = client.status(verify=args.verify)
        current = status.get("current") or {}
        text = f"Current model: {current.get('version', 'none')} ({current.get('path', '-')})"
        if status.get("previous"):
            can = (
                "rollback possible" if status.get("rollback_possible")
                else "its file is missing or damaged: rollback is not possible"
            )
            text += f"\nPrevious model: {status['previous']['version']} ({can})"
        if status.get("last_check"):
            text += f"\nLast check: {status['last_check']}, latest {status.get('latest_version')}"
        if "current_intact" in status:
            text += (
                "\nModel file verified."
                if status["current_intact"]
                else ("\nThe model file does NOT match its hash; run `genba update apply`.")
            )
        lines = status.pop("doc_packs_text", [])
        text += "".join(f"\n{line}" for line in lines)
        return {**status, "text": text}
    if action == "check":
        result = client.check()
        return {**result.to_json(), "text": _describe(result) + _doc_lines(result)}
    if action == "rollback":
        pointer = client.rollback()
        return {
            "current": pointer.current.to_json(),
            "text": f"Rolled back to model version {pointer.current.version}.",
        }
    switch = not args.download_only
    if action == "apply" and getattr(args, "when_due", False):
        not_due = _not_due(client.config, client.status().get("last_check"), datetime.now())
        if not_due is not None:
            return {"skipped": True, "switched": False, "text": not_due}
    if action == "import":
        result = client.import_bundle(args.bundle, switch=switch)
    else:
        result = client.apply(switch=switch)
    text = (
        _describe(result)
        if not result.available
        else (
            f"Model version {result.latest.label if result.latest else '?'} "
            + ("is active." if switch else "is verified and ready; run `genba update apply`.")
        )
    )
    text += _doc_lines(result)
    return {**result.to_json(), "switched": switch and result.available, "text": text}


def _not_due(config: UpdateConfig, last_check: object, now: datetime) -> str | None:
    """Why a scheduled ``apply --when-due`` should do nothing now, or None when it is due.

    The timer fires hourly; policy (read here, where systemd and Task Scheduler cannot)
    decides: updates off, outside ``updates.window`` (local time), or the last check
    is younger than ``updates.check_interval_h``.
    """
    if not config.enabled:
        return "Updates are off by policy (updates.enabled); nothing to do."
    try:
        wait = seconds_until_window(config.window, now)
    except ValueError:
        wait = 0.0  # the settings layer validated it; a hand-built config still updates
    if wait > 0:
        return f"Outside the update window {config.window}; nothing to do."
    if isinstance(last_check, str):
        try:
            last = datetime.fromisoformat(last_check)
        except ValueError:
            return None
        due = last + timedelta(hours=config.check_interval_h)
        if now.astimezone(UTC) < due:
            return f"Last checked {last_check}; next check due after {due.isoformat()}."
    return None


def _fail(as_json: bool, exc: Exception, code: int, kind: str) -> int:
    print(f"genba update: {exc}", file=sys.stderr)
    if as_json:
        print(json.dumps({"error": kind, "message": str(exc)}))
    return code
