"""genba's updater: trust and bytes.

TUF client and repository tools (:mod:`updater.client`, :mod:`updater.repository`), the
expert-diff format (:mod:`updater.diff`), building a new model file beside the old one and
switching the current-model pointer (:mod:`updater.install`, :mod:`updater.pointer`),
rollback, and the background schedule (:mod:`updater.scheduler`). Plain Python: no Qt,
no import of ``engine``; it meets the engine only through the model store files.
"""
