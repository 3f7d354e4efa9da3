"""Frozen entry point of the ``genba`` command line (PyInstaller)."""

from engine.cli import main

raise SystemExit(main())
