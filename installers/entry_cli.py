"""Frozen entry point of the ``genba`` command line (PyInstaller)."""

from engine.local.child_command import run_module_if_asked

run_module_if_asked()  # the inference worker and the CPU self-test run as `genba --genba-module …`

from engine.cli import main  # noqa: E402

raise SystemExit(main())
