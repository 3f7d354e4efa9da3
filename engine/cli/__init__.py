"""The ``genba`` command line: the contract IT scripts and other tools rely on.

Each command group lives in its own module exposing ``register(subparsers)``;
the module sets ``func`` on its parser to a function ``(args) -> int``.
Commands owned by other packages (``genba update`` from the updater) are found
through the ``genba.commands`` entry-point group so that ``engine`` never
imports them. Exit codes: 0 ok, 1 failure or problems found, 2 bad input.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from collections.abc import Callable, Sequence
from importlib.metadata import entry_points
from types import ModuleType
from typing import Any, NoReturn

from engine.errors import BadInputError, GenbaError

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_BAD_INPUT = 2


def _command_modules() -> list[ModuleType]:
    # Imported here so `genba --help` stays quick and a broken optional module
    # cannot stop the others from loading.
    from engine.cli import ask_cmd, inspect_cmd

    modules: list[ModuleType] = [inspect_cmd, ask_cmd]
    for name in ("policy_cmd", "models_cmd", "doctor_cmd", "experts_cmd", "pilot_cmd", "docs_cmd"):
        try:
            modules.append(__import__(f"engine.cli.{name}", fromlist=["register"]))
        except ModuleNotFoundError as exc:
            if exc.name != f"engine.cli.{name}":
                raise
    return modules


def _register_plugins(subparsers: Any) -> None:
    """Add commands that other genba packages declare as ``genba.commands`` entry points."""
    for ep in entry_points(group="genba.commands"):
        try:
            register: Callable[[Any], None] = ep.load()
        except (ImportError, AttributeError) as exc:
            # Not installed in this build, or a stale entry point from an older
            # install: the other commands must keep working.
            logging.getLogger(__name__).warning("skipping genba command %s: %s", ep.name, exc)
            continue
        register(subparsers)


class _Parser(argparse.ArgumentParser):
    """argparse with a one-line error message (IT scripts grep stderr)."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser (also used to generate docs)."""
    parser = _Parser(
        prog="genba",
        description="Offline-first assistant running a sparse Mixture-of-Experts model.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in _command_modules():
        module.register(subparsers)
    _register_plugins(subparsers)
    return parser


def _log_to_file() -> None:
    """Send logs to the rotating file, so library warnings never land in command output."""
    from engine.logging_setup import configure_logging
    from engine.paths import Paths

    try:
        configure_logging(Paths.default())
    except OSError as exc:  # a read-only profile must not stop the command
        print(f"genba: cannot write the log file ({exc}); continuing without it", file=sys.stderr)


def _attach_context(args: argparse.Namespace) -> None:
    """Give plugin commands (which may not import engine) the folders and the settings.

    The folders are a :class:`disk.paths.Paths` (the shared leaf package, which plugins
    may import); the settings plain data by dotted key.
    """
    from engine.cli.common import load_context

    paths, settings = load_context()
    args.genba_paths = paths
    args.genba_settings = settings.as_dict()
    # The effective offline state, not the raw setting: it also covers GENBA_OFFLINE and a
    # broken network.offline (which the settings layer drops), so the updater fails closed
    # exactly when the engine does.
    from engine.remote.network import NetworkConfig

    args.genba_settings["network.offline"] = NetworkConfig.from_settings(settings).offline


def _fail(args: argparse.Namespace, exc: GenbaError, code: int, kind: str) -> int:
    """One line on stderr; with ``--json`` also the error as the one JSON object on stdout.

    The same ``{"error", "message"}`` shape as ``genba update --json``.
    """
    print(f"genba: {exc}", file=sys.stderr)
    if getattr(args, "json", False):
        from engine.cli.common import print_json

        print_json({"error": kind, "message": str(exc)})
    return code


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``genba``; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    _log_to_file()
    try:
        if func.__module__.split(".")[0] != "engine":
            _attach_context(args)
        return func(args)
    except BadInputError as exc:
        return _fail(args, exc, EXIT_BAD_INPUT, "bad-input")
    except GenbaError as exc:
        return _fail(args, exc, EXIT_FAILURE, type(exc).__name__)
    except KeyboardInterrupt:
        print("genba: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`genba ask ... | head`): not an error of ours.
        # Point stdout at devnull so the interpreter's final flush stays quiet.
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
