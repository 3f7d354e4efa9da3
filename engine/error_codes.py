"""Errors as template codes with parameters: what went wrong, in the reader's language.

An engine error an operator may see in the window carries a ``code`` of
:data:`ENGLISH` and its ``params`` (:class:`engine.errors.GenbaError`). Its
English message is rendered from the template here, so the CLI and the logs
read exactly what they always did, while a front end renders the same code with
translated templates (:func:`render`). Errors raised without a code (most of
them: an IT person reads those in a terminal) keep their English message.

Parameters carry names and free text (a file name, llama.cpp's own words, how
a process ended) that front ends show verbatim. This module is pure: no I/O and
no genba imports, so :mod:`engine.errors` can build on it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

ParamValue = str | int | float

_NOT_ALLOWED = (
    " is turned off on this PC by policy (model.allow_user_models = false{why}): only the "
    "model IT set or installed is used. Ask IT to install the model."
)
_FAIL_CLOSED = " (a policy file has an error, so it is off for safety)"

ENGLISH: Mapping[str, str] = {
    # The inference worker process died (engine.local.worker_client).
    "local_crashed": (
        "The local model stopped unexpectedly ({why}). It starts again with the next "
        "question; if this keeps happening, ask IT to check the model with `genba doctor`."
    ),
    # Neither this PC nor a server can answer (engine.answer.run); ``reason`` is the
    # decision's English reason, which front ends replace by its translated parts.
    "refused": "genba cannot answer this now: {reason}.",
    # The question itself (engine.answer.prompt_fit.check_messages).
    "question.missing": "There is no question to answer. Type a question first.",
    "question.empty": "The question is empty. Type a question first.",
    "question.not_utf8": (
        "The question contains bytes that are not valid UTF-8 text. Save or paste it "
        "as UTF-8 text and try again."
    ),
    # The conversation does not fit the loaded context (engine.local.model).
    "context.too_long": (
        "The conversation is {tokens} tokens long but the context holds "
        "{n_ctx}. Start a new conversation or shorten the question."
    ),
    "experts.fixed": (
        "{file} fixes N={fixed} in every layer; llama.cpp cannot run it with {experts} experts."
    ),
    # No model to run (engine.service.resolve_model_path).
    "model.none": (
        "No model is installed yet. Build the built-in default with `genba models build-default`, "
        "or import a GGUF file with `genba models import PATH`."
    ),
    # The window's "Import from folder" (desktop.model_tasks.find_gguf).
    "model.none_in_folder": (
        "No .gguf model file was found in {folder}. Choose the folder that holds the "
        "model file, or import the file itself."
    ),
    # A model file that cannot be used (engine.models.info.inspect_model).
    "model_file.missing": (
        "Model file {path} does not exist. Check the path, or run `genba models list`."
    ),
    "model_file.unreadable": "Cannot read model file {path}: {error}. Check its permissions.",
    "model_file.unreadable.copy": (
        "Cannot read model file {path}: {error}. Copy it to a local disk."
    ),
    "model_file.folder": "{path} is a folder; give the path of a .gguf file inside it.",
    "model_file.not_regular": (
        "{path} is not a regular file (a pipe, device or socket); "
        "give the path of a .gguf model file."
    ),
    "model_file.empty": "{path} is empty (0 bytes). Download or copy the model again.",
    "model_file.header_cut": (
        "{path} is incomplete: it ends inside its header. Download or copy the model again."
    ),
    "model_file.not_gguf": (
        "{path} is not a GGUF model file (it does not start with 'GGUF'). "
        "Use a .gguf file made for llama.cpp."
    ),
    "model_file.unknown_architecture": (
        "{path} uses architecture '{arch}', which this genba's llama.cpp does not know. "
        "Update genba or pick a model from `genba models list`."
    ),
    "model_file.dense": (
        "{path} is a dense '{arch}' model with no experts, so genba cannot choose top-N "
        "experts. Use a Mixture-of-Experts GGUF (see `genba models list`)."
    ),
    # model.allow_user_models is off (engine.models.access); ".fail_closed": a broken policy.
    "model.not_allowed.import": "Importing a model" + _NOT_ALLOWED.format(why=""),
    "model.not_allowed.import.fail_closed": (
        "Importing a model" + _NOT_ALLOWED.format(why=_FAIL_CLOSED)
    ),
    "model.not_allowed.download": "Downloading a model" + _NOT_ALLOWED.format(why=""),
    "model.not_allowed.download.fail_closed": (
        "Downloading a model" + _NOT_ALLOWED.format(why=_FAIL_CLOSED)
    ),
    "model.not_allowed.file": "Using the model file {file}" + _NOT_ALLOWED.format(why=""),
    "model.not_allowed.file.fail_closed": (
        "Using the model file {file}" + _NOT_ALLOWED.format(why=_FAIL_CLOSED)
    ),
    # llama.cpp refused the model (engine.local.llama_adapter, in the inference worker).
    "llama.load_failed": (
        "llama.cpp could not load {path} with {experts} experts ({error}). "
        "Check the file with `genba inspect`, or free some memory and try again."
    ),
    # llama.cpp's CPU backend (engine.local.llama_cpu).
    "cpu.forced_missing": (
        "GENBA_LLAMA_CPU names the CPU backend {forced!r}, which is not installed "
        "(installed: {installed}). Unset it or pick one of these."
    ),
    "cpu.none_runs": (
        "llama.cpp cannot run on this PC's processor ({detail}). "
        "Ask IT to check the installation; answers can still come from the remote server."
    ),
    "cpu.ggml_missing": "llama.cpp's ggml library is not loaded ({error}). Reinstall genba.",
    "cpu.no_backend": "llama.cpp has no CPU backend installed. Reinstall genba (`make setup`).",
    "cpu.load_failed": "llama.cpp could not load its CPU backend {file}. Reinstall genba.",
}
"""English template per error code; ``str.format`` fields are the error's parameters."""


def english(code: str, params: Mapping[str, ParamValue]) -> str:
    """The English message of ``code`` with ``params`` (a KeyError for an unknown code)."""
    return ENGLISH[code].format(**params)


def render(
    code: str, params: Mapping[str, ParamValue], templates: Mapping[str, str], fallback: str
) -> str:
    """The error's text from ``templates``; ``fallback`` when that cannot work.

    Falls back for an error without a code, an unknown code, or parameters that
    do not fit the template (a front end never shows a half-filled template).
    """
    template = templates.get(code) if code else None
    if not template:
        return fallback
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError, TypeError):
        return fallback


@dataclass(frozen=True)
class ErrorMessage:
    """An error as plain data, to hand across threads or processes: never a traceback.

    ``message`` is the English text; ``code`` (empty for an error without one)
    and ``params`` let a front end render it in its own language.
    """

    message: str
    code: str = ""
    params: Mapping[str, ParamValue] = field(default_factory=dict)

    @classmethod
    def of(cls, exc: BaseException) -> ErrorMessage:
        """The message, code and parameters of any exception (foreign ones: message only)."""
        code = getattr(exc, "code", "")
        params = getattr(exc, "params", None)
        if not isinstance(code, str) or not isinstance(params, Mapping):
            return cls(str(exc))
        return cls(str(exc), code, dict(params))
