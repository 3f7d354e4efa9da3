"""The index job's child, except that it dies (SIGABRT, as a crash in pdfium would) on one file.

Run as ``python -m tests.engine.docs.crashing_child NAME``; any file called NAME kills it
in the middle of extraction, every time.
"""

from __future__ import annotations

import os
import resource
import sys
from pathlib import Path

import engine.docs.index as index_module
from engine.docs import index_job
from engine.docs.model import Extracted


def main() -> int:
    """Patch the extractor to abort on ``sys.argv[1]``, then run the real child."""
    fatal = sys.argv[1]
    real = index_module.extract
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # no core file from the abort

    def extract(path: Path, *, max_bytes: int) -> Extracted:
        if path.name == fatal:
            sys.stderr.write(f"simulated pdfium crash on {path.name}\n")
            sys.stderr.flush()
            os.abort()
        return real(path, max_bytes=max_bytes)

    index_module.extract = extract
    return index_job.main()


if __name__ == "__main__":
    raise SystemExit(main())
