"""genba's disk layer: the rules about files on disk that the engine and the updater share.

A leaf package: it imports neither ``engine`` nor ``updater`` (nor Qt) — only the standard
library and platformdirs — and both import it, so each rule exists once. Module map:

* :mod:`disk.atomic` — the one atomic write (temp file beside the target, fsync,
  ``os.replace``, fsync of the folder), for small files and streamed ones;
* :mod:`disk.temps` — the one temp-file name and :func:`~disk.temps.remove_stale_temps`,
  the one cleanup of what a killed process left;
* :mod:`disk.hashing` — chunked sha256 of a file;
* :mod:`disk.space` — the free-space rule (needed bytes plus a margin);
* :mod:`disk.pointer` — the ``current.json`` reader and writer (format 1, names confined
  to the models folder) and the sha256 check of the file it names;
* :mod:`disk.paths` — :class:`~disk.paths.Paths`, every folder genba uses (``GENBA_HOME``),
  which the engine, the updater and the window all take;
* :mod:`disk.store` — the one rule (policy ``model.store``) for which model store is active,
  the user's or the machine-wide one;
* :mod:`disk.env` — the ``GENBA_OFFLINE`` switch;
* :mod:`disk.errors` — the small error tree that engine and updater wrap at their
  boundary into their own, with what the operator should do next.
"""
