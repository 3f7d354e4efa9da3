"""Which model files may be used: the one enforcement point of ``model.allow_user_models``.

With the key off (set by policy, or forced off because a policy file is broken:
it fails closed), only these models run: the one policy names in ``model.path``,
the one the updater installed (the current-model pointer), and genba's built-in
default model. An operator's own file — ``--model``, a ``model.path`` from user
settings, ``genba models import``/``pull``, the window's import buttons — is
refused with :class:`ModelNotAllowedError`. The CLI, the window and the model
store all call :func:`require_user_models` or :func:`user_model_path`; nothing
else reads the key.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from engine.error_codes import english
from engine.errors import BadInputError

if TYPE_CHECKING:
    from engine.settings import Settings

log = logging.getLogger(__name__)

KEY = "model.allow_user_models"


class ModelNotAllowedError(BadInputError):
    """Policy allows only IT's models here (``model.allow_user_models`` is off)."""


def user_models_allowed(settings: Settings | None) -> bool:
    """True when operators may add and pick their own model files."""
    return settings is None or settings.get_bool(KEY)


_ACTIONS = {"Importing a model": "import", "Downloading a model": "download"}
"""The actions the model store asks about, by their English words, to their error codes."""


def require_user_models(settings: Settings | None, what: str, *, file: str = "") -> None:
    """Raise ModelNotAllowedError for ``what`` (e.g. "Importing a model") when the key is off.

    ``file`` names the model file of ``what`` = ``"Using the model file"``. The
    error carries a code (:mod:`engine.error_codes`) for the actions it knows, so
    the window can say it in its own language; any other ``what`` stays English.
    """
    if user_models_allowed(settings):
        return
    closed = ".fail_closed" if settings is not None and settings.fail_closed else ""
    action = "file" if file else _ACTIONS.get(what)
    if action is not None:
        params = {"file": file} if file else {}
        raise ModelNotAllowedError.of(f"model.not_allowed.{action}{closed}", **params)
    # An action without a code: the same sentence, English only.
    template = english(f"model.not_allowed.import{closed}", {})
    raise ModelNotAllowedError(template.replace("Importing a model", what, 1))


def explicit_model(settings: Settings | None, path: Path) -> Path:
    """``path`` asked for by hand (``--model``, the window's option): allowed by policy?"""
    if user_models_allowed(settings):
        return path
    assert settings is not None
    policy_model = settings.get_path("model.path") if settings.is_locked("model.path") else None
    if policy_model is not None and _same(policy_model.expanduser(), path):
        return path
    require_user_models(settings, "Using the model file", file=path.name)
    return path  # pragma: no cover - require_user_models raised


def configured_model(settings: Settings | None) -> Path | None:
    """``model.path`` if it may be used: from policy always, from the user only if allowed."""
    if settings is None:
        return None
    configured = settings.get_path("model.path")
    if configured is None:
        return None
    if settings.is_locked("model.path") or user_models_allowed(settings):
        return configured.expanduser()
    log.warning("ignoring the user's model.path %s: %s is off", configured, KEY)
    return None


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return a == b
