"""The engine's one error hierarchy.

Every error the engine raises to its callers is a :class:`GenbaError`. Foreign
exceptions (llama.cpp's ``ValueError``, gguf-py's parse errors, ``OSError`` from
the file system, httpx errors) are wrapped at the boundary where they happen.
Every message says what happened and what to do next, in one or two sentences
an operator or an IT person can act on.

::

    GenbaError
    ├── BadInputError                 the caller asked for something invalid (CLI exit code 2)
    │   ├── ModelFileError            a model file cannot be used
    │   │   ├── ModelNotFoundError
    │   │   ├── NotGGUFError
    │   │   ├── TruncatedModelError
    │   │   ├── InvalidModelError     metadata llama.cpp would refuse or abort on
    │   │   ├── NotMoEError
    │   │   └── UnsupportedArchitectureError
    │   ├── ExpertCountError          N outside 1..expert_count (llama.cpp would abort)
    │   ├── ContextTooLongError       prompt does not fit any context the model allows
    │   └── SettingsError             a settings value or user-settings file is invalid
    ├── ModelLoadError                llama.cpp refused to load or run a valid-looking file
    ├── LocalCrashError               the inference worker process died (llama.cpp crashed)
    ├── GenerationError               decoding failed mid-answer
    ├── RemoteError                   the remote OpenAI-compatible server failed
    │   ├── RemoteUnavailableError    cannot connect, offline, or disabled by policy
    │   └── RemoteProtocolError       bad status, broken stream, malformed SSE
    ├── ModelStoreError               model store / catalogue / download problems
    │   └── DownloadError
    └── CredentialError               the OS keyring is missing or refused access

Cancellation is not an error: a cancelled answer ends with a final event whose
``stop_reason`` is ``"cancelled"``.

An error an operator may see in the window also carries a ``code`` and
``params`` (:mod:`engine.error_codes`), so the window can show it in its own
language; build those with :meth:`GenbaError.of`. ``raise SomeError("text")``
still works: such an error has no code and every front end shows its English.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Self

from engine.error_codes import ParamValue, english


class GenbaError(Exception):
    """Root of every error the engine raises on purpose.

    ``code`` and ``params`` (keyword-only, optional) name the message's template
    in :data:`engine.error_codes.ENGLISH`; ``code`` is ``""`` for plain text.
    """

    def __init__(
        self, message: str = "", *, code: str = "", params: Mapping[str, ParamValue] | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.params: dict[str, ParamValue] = dict(params or {})

    @classmethod
    def of(cls, code: str, **params: ParamValue) -> Self:
        """The error whose English message is the template ``code`` filled with ``params``."""
        return cls(english(code, params), code=code, params=params)


class BadInputError(GenbaError):
    """The request, file or setting given by the caller is invalid (CLI exit code 2)."""


class ModelFileError(BadInputError):
    """A model file cannot be used by genba."""


class ModelNotFoundError(ModelFileError):
    """The model file does not exist or cannot be read."""


class NotGGUFError(ModelFileError):
    """The file is not a GGUF model file."""


class TruncatedModelError(ModelFileError):
    """The GGUF file ends before the data its header promises."""


class InvalidModelError(ModelFileError):
    """The GGUF is complete but its metadata or layout is one llama.cpp cannot load.

    Many such values make llama.cpp abort the whole process (``GGML_ASSERT``), so
    they are refused while inspecting, before llama.cpp ever sees the file.
    """


class NotMoEError(ModelFileError):
    """The model is dense: it has no experts for genba to choose from."""


class UnsupportedArchitectureError(ModelFileError):
    """The bundled llama.cpp does not know the model's architecture."""


class ExpertCountError(BadInputError):
    """A requested number of active experts is outside what the model offers."""


class ContextTooLongError(BadInputError):
    """The prompt cannot fit into any context size the model and policy allow."""


class SettingsError(BadInputError):
    """A setting value or settings file is invalid."""


class ModelLoadError(GenbaError):
    """llama.cpp could not load the model or create its context."""


class LocalCrashError(GenbaError):
    """The inference worker process died: llama.cpp crashed, aborted or was killed.

    ``how`` says how it ended (``killed by SIGSEGV``), ``detail`` is the last
    line it printed (often llama.cpp's ``GGML_ASSERT``), for logs and support.
    """

    def __init__(self, how: str, detail: str = "") -> None:
        self.how = how
        self.detail = detail
        self.why = why = f"{how}: {detail}" if detail else how
        super().__init__(
            english("local_crashed", {"why": why}), code="local_crashed", params={"why": why}
        )


class GenerationError(GenbaError):
    """Generating an answer failed after it started."""


class RemoteError(GenbaError):
    """The remote OpenAI-compatible server could not answer."""


class RemoteUnavailableError(RemoteError):
    """The remote server cannot be reached, or remote use is off or offline."""


class RemoteProtocolError(RemoteError):
    """The remote server answered with an error status or a broken stream."""


class ModelStoreError(GenbaError):
    """The model store, catalogue or a model download has a problem."""


class DownloadError(ModelStoreError):
    """A model download failed or its bytes did not match the pinned hash."""


class CredentialError(GenbaError):
    """The OS keyring is unavailable or refused to store or return a secret."""
