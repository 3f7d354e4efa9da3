"""Frozen entry point of the desktop app (PyInstaller)."""

from engine.local.child_command import run_module_if_asked

run_module_if_asked()  # the inference worker and the CPU self-test run as children of the app

from desktop.app import main  # noqa: E402

raise SystemExit(main())
