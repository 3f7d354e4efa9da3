"""The updater's exception tree. Everything the updater raises on purpose is an ``UpdateError``.

::

    UpdateError                      root; str(exc) says what happened and what to do next
    ├── BadInputError                the caller's input is wrong (CLI exit code 2)
    │   └── BundleIncompleteError    an offline bundle lacks a file (copied only in part)
    ├── ContentError                 bytes or metadata failed verification: stop, do not retry
    │   ├── BaseMismatchError        a diff was made for a different base model
    │   └── TrustError               TUF rejected the repository metadata or a target
    ├── NetworkError                 the repository could not be reached: retry later
    │   └── OfflineError             offline mode is on, so no network was tried
    ├── StorageError                 a local file could not be written or read
    │   ├── DiskFullError            not enough space (or file-size limit) to build the model
    │   └── ReadOnlyStoreError       the machine-wide store is the update service's to write
    ├── LockedError                  another process is updating right now
    ├── PackMissingError             the site pack policy names is not published (no fallback)
    ├── SiteKeyError                 encrypted content: the site key is missing, wrong or unsafe
    └── NothingToDoError             e.g. rollback without a previous model

The split between ``ContentError`` (never retry automatically: somebody tampered with
something or the publisher made a mistake) and ``NetworkError`` (retry with backoff) is
what the scheduler acts on. Foreign exceptions (tuf, OSError, zstandard) are wrapped at
the module that calls them.
"""

from __future__ import annotations


class UpdateError(Exception):
    """Root of every error the updater raises on purpose."""


class BadInputError(UpdateError):
    """The caller passed something unusable (a missing bundle folder, a bad option)."""


class BundleIncompleteError(BadInputError):
    """An offline bundle lacks a file its metadata needs (a partial copy, a lost file)."""


class ContentError(UpdateError):
    """Downloaded or local bytes failed verification; retrying will not help."""


class BaseMismatchError(ContentError):
    """A diff does not apply to the model the client has."""


class TrustError(ContentError):
    """TUF verification of repository metadata or of a target failed."""


class NetworkError(UpdateError):
    """The repository could not be reached; the scheduler retries with backoff."""


class OfflineError(NetworkError):
    """Offline mode is on (policy ``network.offline`` or ``GENBA_OFFLINE``)."""


class StorageError(UpdateError):
    """A local file could not be read or written."""


class DiskFullError(StorageError):
    """The disk (or the process's file-size limit) ran out while writing a model."""


class LockedError(UpdateError):
    """Another process holds the update lock."""


class PackMissingError(UpdateError):
    """The site pack named by ``updates.site_pack`` is not on the server, and policy
    (``updates.site_pack_fallback = "none"``) says not to follow the full model instead."""


class SiteKeyError(UpdateError):
    """An encrypted target or bundle cannot be opened: no site key, the wrong one, or a key
    file other accounts can read. The message names the site and the command that fixes it."""


class NothingToDoError(UpdateError):
    """The request makes no sense in the current state (e.g. nothing to roll back to)."""


class ReadOnlyStoreError(StorageError):
    """This account cannot write the machine-wide model store; the update service does."""
