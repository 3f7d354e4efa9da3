"""Checking one raw value (as TOML or a caller gives it) against its :class:`SettingSpec`.

:func:`validate` is pure: it returns the normalised value or raises
:class:`~engine.errors.SettingsError` with a sentence that names the key, what
was wrong and what would be right. TOML types are taken strictly (the string
``"true"`` is not a bool, ``2.0`` is not an int) because a policy that means
something other than what it says is worse than one that is rejected; the only
widening is an integer where a float is expected.
"""

from __future__ import annotations

import math
import re
from datetime import time
from pathlib import PurePosixPath, PureWindowsPath
from urllib.parse import urlsplit

from engine.errors import SettingsError
from engine.settings.schema import SettingSpec

_WINDOW = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
_MAX_TEXT = 4096  # no real setting is longer; bounds what a hostile file can make us keep
_MAX_ITEMS = 20  # a list setting (example questions) never needs more


def describe(raw: object) -> str:
    """A short, safe rendering of a raw value for error messages."""
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, dict):
        return "a table"
    if isinstance(raw, list):
        return "a list"
    if isinstance(raw, str):
        shown = raw if len(raw) <= 60 else raw[:57] + "..."
        return f"the text {shown!r}"
    text = repr(raw)
    return text if len(text) <= 60 else text[:57] + "..."


def expected(spec: SettingSpec) -> str:
    """What the key accepts, in words (used in messages and docs)."""
    if spec.kind in ("int", "float"):
        noun = "a whole number" if spec.kind == "int" else "a number"
        return f"{noun} from {_num(spec.minimum)} to {_num(spec.maximum)}"
    if spec.kind == "enum":
        return "one of " + ", ".join(f'"{c}"' for c in spec.choices)
    if spec.kind == "url":
        schemes = "/".join(spec.schemes)
        return f"a {schemes} URL" + (' or ""' if spec.allow_empty else "")
    return _EXPECTED[spec.kind] + (' or ""' if spec.allow_empty else "")


_EXPECTED = {
    "bool": "true or false",
    "str": "text",
    "path": "an absolute path",
    "window": 'a time window "HH:MM-HH:MM"',
    "texts": f"a list of up to {_MAX_ITEMS} texts",
}


def _num(value: float | None) -> str:
    if value is None:
        return "any"
    return str(int(value)) if float(value).is_integer() else str(value)


def validate(spec: SettingSpec, raw: object) -> object:
    """Return ``raw`` checked and normalised for ``spec``; raise SettingsError if invalid."""
    checker = _CHECKERS[spec.kind]
    return checker(spec, raw)


def _fail(spec: SettingSpec, raw: object, why: str = "") -> SettingsError:
    detail = f" ({why})" if why else ""
    return SettingsError(
        f"{spec.key}: expected {expected(spec)}, got {describe(raw)}{detail}."
    )


def _check_bool(spec: SettingSpec, raw: object) -> object:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in ("true", "false"):
        raise _fail(spec, raw, "write it without quotes")
    raise _fail(spec, raw)


def _check_int(spec: SettingSpec, raw: object) -> object:
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise _fail(spec, raw, "write it without quotes" if _numeric_text(raw) else "")
    _check_range(spec, raw)
    return raw


def _check_float(spec: SettingSpec, raw: object) -> object:
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise _fail(spec, raw, "write it without quotes" if _numeric_text(raw) else "")
    value = float(raw)
    if not math.isfinite(value):
        raise _fail(spec, raw)
    _check_range(spec, value)
    return value


def _numeric_text(raw: object) -> bool:
    if not isinstance(raw, str):
        return False
    try:
        float(raw)
    except ValueError:
        return False
    return True


def _check_range(spec: SettingSpec, value: float) -> None:
    if spec.minimum is not None and value < spec.minimum:
        raise _fail(spec, value, "too small")
    if spec.maximum is not None and value > spec.maximum:
        raise _fail(spec, value, "too large")


def _text(spec: SettingSpec, raw: object) -> str:
    if not isinstance(raw, str):
        raise _fail(spec, raw)
    if len(raw) > _MAX_TEXT or "\x00" in raw:
        raise _fail(spec, raw, "too long or contains a NUL character")
    return raw


def _check_str(spec: SettingSpec, raw: object) -> object:
    return _text(spec, raw)


def _check_enum(spec: SettingSpec, raw: object) -> object:
    text = _text(spec, raw)
    if text not in spec.choices:
        raise _fail(spec, raw)
    return text


def _check_url(spec: SettingSpec, raw: object) -> object:
    text = _text(spec, raw).strip()
    if not text and spec.allow_empty:
        return ""
    if any(ch.isspace() for ch in text):
        raise _fail(spec, raw, "contains spaces")
    try:
        parts = urlsplit(text)
        port = parts.port  # raises ValueError for a port that is not a number in range
    except ValueError as exc:
        raise _fail(spec, raw, "not a valid URL") from exc
    if parts.scheme.lower() not in spec.schemes or not parts.hostname:
        raise _fail(spec, raw, "needs a scheme and a host name")
    if parts.password is not None:
        # Tokens and passwords belong in the OS keyring, never in a settings file.
        raise _fail(spec, "<hidden>", "contains a password; store credentials in the OS keyring")
    if "?" in text or "#" in text:
        # genba appends paths to its server URLs, which a query would swallow (and a query
        # may hold a key); no URL setting needs one.
        raise _fail(spec, "<hidden>", "has a ?query or #fragment; give the base URL only")
    del port
    return text


def _check_path(spec: SettingSpec, raw: object) -> object:
    text = _text(spec, raw).strip()
    if not text and spec.allow_empty:
        return ""
    # A relative path would depend on the working directory of whoever starts genba.
    if not (PurePosixPath(text).is_absolute() or PureWindowsPath(text).is_absolute()):
        raise _fail(spec, raw, "relative paths are not allowed")
    return text


def _check_window(spec: SettingSpec, raw: object) -> object:
    text = _text(spec, raw).strip()
    if not text and spec.allow_empty:
        return ""
    if parse_window(text) is None:
        raise _fail(spec, raw)
    return text


def _check_texts(spec: SettingSpec, raw: object) -> object:
    """A list of texts, kept as a tuple: settings are immutable and hashable."""
    if not isinstance(raw, list | tuple):
        raise _fail(spec, raw)
    if len(raw) > _MAX_ITEMS:
        raise _fail(spec, raw, "too many entries")
    items = tuple(_text(spec, item).strip() for item in raw)
    if not all(items):
        raise _fail(spec, raw, "an entry is empty")
    return items


def parse_window(text: str) -> tuple[time, time] | None:
    """Parse ``"HH:MM-HH:MM"`` into (start, end); None if malformed or empty.

    The window may cross midnight (``"22:00-05:00"``); start == end is refused
    because it would be ambiguous between "never" and "always".
    """
    match = _WINDOW.match(text)
    if match is None:
        return None
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59 or (h1, m1) == (h2, m2):
        return None
    return time(h1, m1), time(h2, m2)


def in_window(window: str, now: time) -> bool:
    """True when ``now`` lies inside ``window`` (an empty window means any time)."""
    if not window.strip():
        return True
    parsed = parse_window(window)
    if parsed is None:
        return False
    start, end = parsed
    if start < end:
        return start <= now < end
    return now >= start or now < end


_CHECKERS = {
    "bool": _check_bool,
    "int": _check_int,
    "float": _check_float,
    "str": _check_str,
    "enum": _check_enum,
    "url": _check_url,
    "path": _check_path,
    "window": _check_window,
    "texts": _check_texts,
}
