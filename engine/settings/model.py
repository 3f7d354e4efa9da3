"""The effective settings: one immutable value per key, where it came from, and what went wrong.

:class:`Settings` holds no I/O and never changes after it is built; a reload
makes a new object (see ``watcher``). Sources are ``"default"``, ``"user"`` or
``"policy:<path>"``; every key whose source is a policy file is *locked*: the
engine and the GUI must not offer to change it.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Literal, NoReturn

from engine.errors import SettingsError
from engine.settings.schema import SCHEMA
from engine.settings.values import validate

Severity = Literal["error", "warning"]

DEFAULT_SOURCE = "default"
USER_SOURCE = "user"
POLICY_PREFIX = "policy:"


@dataclass(frozen=True)
class Problem:
    """Something wrong in a settings or policy file.

    ``file`` is the file's path ("" when no file is concerned); ``key`` the
    dotted key (or table) at fault, None when the whole file is at fault.
    """

    file: str
    key: str | None
    message: str
    severity: Severity

    def __str__(self) -> str:
        where = self.file or "settings"
        if self.key:
            where += f" [{self.key}]"
        return f"{self.severity}: {where}: {self.message}"


def suggest(name: str, candidates: list[str]) -> str:
    """A ``' (did you mean "x"?)'`` hint for a misspelt key, or ""."""
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
    return f' (did you mean "{close[0]}"?)' if close else ""


class Settings:
    """Immutable effective settings: defaults < user settings < policy."""

    __slots__ = ("_fail_closed", "_problems", "_sources", "_values")
    _values: Mapping[str, object]
    _sources: Mapping[str, str]
    _problems: tuple[Problem, ...]
    _fail_closed: bool

    def __init__(
        self,
        values: Mapping[str, object],
        sources: Mapping[str, str],
        problems: tuple[Problem, ...] = (),
        fail_closed: bool = False,
    ) -> None:
        missing = set(SCHEMA) - set(values)
        if missing or set(values) != set(sources):
            raise SettingsError(f"Internal error: settings incomplete ({sorted(missing)}).")
        ordered = {key: values[key] for key in SCHEMA}
        object.__setattr__(self, "_values", MappingProxyType(ordered))
        object.__setattr__(self, "_sources", MappingProxyType({k: sources[k] for k in SCHEMA}))
        object.__setattr__(self, "_problems", tuple(problems))
        object.__setattr__(self, "_fail_closed", fail_closed)

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError("Settings are immutable; load or derive a new Settings instead.")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Settings):
            return NotImplemented
        return (
            dict(self._values) == dict(other._values)
            and dict(self._sources) == dict(other._sources)
            and self._problems == other._problems
        )

    def __hash__(self) -> int:
        return hash(tuple(self._values.items()))

    def __repr__(self) -> str:
        changed = {k: v for k, v in self._values.items() if self._sources[k] != DEFAULT_SOURCE}
        return f"Settings({changed!r}, problems={len(self._problems)})"

    # -- reading -----------------------------------------------------------
    def _spec_check(self, key: str) -> None:
        if key not in self._values:
            hint = suggest(key, list(SCHEMA))
            raise SettingsError(f"Unknown setting {key!r}{hint}.")

    def get(self, key: str) -> object:
        """The effective value of ``key``; SettingsError for an unknown key."""
        self._spec_check(key)
        return self._values[key]

    def _typed(self, key: str, kinds: tuple[str, ...]) -> object:
        self._spec_check(key)
        if SCHEMA[key].kind not in kinds:
            raise SettingsError(f"Setting {key!r} is a {SCHEMA[key].kind}, not {kinds[0]}.")
        return self._values[key]

    def get_bool(self, key: str) -> bool:
        """The value of a ``bool`` key."""
        value = self._typed(key, ("bool",))
        assert isinstance(value, bool)
        return value

    def get_int(self, key: str) -> int:
        """The value of an ``int`` key."""
        value = self._typed(key, ("int",))
        assert isinstance(value, int)
        return value

    def get_float(self, key: str) -> float:
        """The value of a ``float`` key (``int`` keys are widened too)."""
        value = self._typed(key, ("float", "int"))
        assert isinstance(value, int | float)
        return float(value)

    def get_str(self, key: str) -> str:
        """The value of a text-like key (str, enum, url, path, window)."""
        value = self._typed(key, ("str", "enum", "url", "path", "window"))
        assert isinstance(value, str)
        return value

    def get_texts(self, key: str) -> tuple[str, ...]:
        """The value of a ``texts`` key (a list of strings)."""
        value = self._typed(key, ("texts",))
        assert isinstance(value, tuple)
        return value

    def get_path(self, key: str) -> Path | None:
        """The value of a ``path`` key as a Path, or None when it is empty (not set)."""
        value = self._typed(key, ("path",))
        assert isinstance(value, str)
        return Path(value) if value else None

    def source(self, key: str) -> str:
        """Where the value came from: ``"default"``, ``"user"`` or ``"policy:<path>"``."""
        self._spec_check(key)
        return self._sources[key]

    def is_locked(self, key: str) -> bool:
        """True when policy set the key, so nobody but the administrator may change it."""
        return self.source(key).startswith(POLICY_PREFIX)

    @property
    def problems(self) -> tuple[Problem, ...]:
        """Every error and warning found while loading, in file order."""
        return self._problems

    @property
    def errors(self) -> tuple[Problem, ...]:
        """Only the problems of severity ``"error"``."""
        return tuple(p for p in self._problems if p.severity == "error")

    @property
    def fail_closed(self) -> bool:
        """True when a broken policy forced the security-relevant keys to their safest value."""
        return self._fail_closed

    def locked_keys(self) -> tuple[str, ...]:
        """Every key set by policy, in schema order."""
        return tuple(k for k in SCHEMA if self.is_locked(k))

    def as_dict(self) -> dict[str, object]:
        """A plain ``{key: value}`` copy, in schema order."""
        return dict(self._values)

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    # -- deriving ----------------------------------------------------------
    def with_values(self, values: Mapping[str, object], *, source: str = USER_SOURCE) -> Settings:
        """A copy with ``values`` validated and applied at ``source`` (handy in tests).

        Raises SettingsError for an unknown key or an invalid value. Locked keys
        may only be replaced with a ``policy:`` source.
        """
        new_values = dict(self._values)
        new_sources = dict(self._sources)
        for key, raw in values.items():
            self._spec_check(key)
            if self.is_locked(key) and not source.startswith(POLICY_PREFIX):
                raise SettingsError(f"{key} is set by your administrator and cannot be changed.")
            new_values[key] = validate(SCHEMA[key], raw)
            new_sources[key] = source
        return Settings(new_values, new_sources, self._problems, self._fail_closed)


def defaults() -> Settings:
    """Settings made of the built-in defaults only."""
    values = {key: spec.default for key, spec in SCHEMA.items()}
    return Settings(values, dict.fromkeys(SCHEMA, DEFAULT_SOURCE))
