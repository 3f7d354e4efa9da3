"""Frozen entry point of the desktop app (PyInstaller)."""

from desktop.app import main

raise SystemExit(main())
