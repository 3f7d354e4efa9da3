"""``python -m desktop``: the desktop app (see :mod:`desktop.app` for options)."""

from desktop.app import main

raise SystemExit(main())
