"""``python -m engine.cli`` runs the ``genba`` command."""

import sys

from engine.cli import main

sys.exit(main())
