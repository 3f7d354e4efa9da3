"""Reading policy and user settings files and layering them: defaults < user < policy.

Bad input never stops genba (the way Chrome and Firefox treat policies):

* a file that cannot be read or is not valid TOML is reported and ignored whole;
* an entry that is not a regular file (a named pipe, a folder called ``x.toml``,
  a link to ``/dev/zero``, a socket) is reported the same way and never opened:
  opening or reading one can block for ever, and the loader runs in every command
  and in the window; at most :data:`MAX_FILE_BYTES` are read from any file;
* an unknown key is a warning with a "did you mean" hint and is ignored;
* a bad value (wrong type, out of range, bad URL) is an error naming file and
  key; that key is ignored and the rest of the file still applies.

Whenever a *policy* file has an error, every security-relevant key
(``SettingSpec.restrictive``) takes its most restrictive value and is locked,
whatever the valid policy files, the user or the defaults say: when we cannot
tell what the administrator meant, we fail closed. An unknown policy key that
looks like a misspelt security-relevant key counts as an error for the same
reason. ``network.offline`` is deliberately *not* forced: the restrictive values
already stop every connection to a server the administrator did not pin, and
going offline would also stop signed security updates.

User settings files cannot lock anything and cannot set ``policy_only`` keys.
Nothing here raises: problems are collected into :attr:`Settings.problems`.
"""

from __future__ import annotations

import hashlib
import os
import stat
import sys
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from engine.errors import SettingsError
from engine.paths import Paths
from engine.settings.model import (
    DEFAULT_SOURCE,
    POLICY_PREFIX,
    USER_SOURCE,
    Problem,
    Settings,
    Severity,
    suggest,
)
from engine.settings.schema import SCHEMA, SECTIONS, SECURITY_KEYS
from engine.settings.values import validate

#: Policy and settings files are a few KB; anything bigger is a mistake or an attack.
MAX_FILE_BYTES = 1024 * 1024


@dataclass
class Layer:
    """The valid values one file sets, and its problems."""

    path: Path
    values: dict[str, object] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        """True when any problem of this file is an error."""
        return any(p.severity == "error" for p in self.problems)

    def report(self, key: str | None, message: str, severity: Severity = "error") -> None:
        """Record a problem of this file."""
        self.problems.append(Problem(str(self.path), key, message, severity))


#: Open flags for reading a settings file. ``O_NONBLOCK`` makes opening a named pipe
#: that replaced the file since :func:`os.stat` return at once instead of waiting for
#: a writer; ``O_NOCTTY`` keeps a terminal from becoming genba's controlling terminal.
_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_BINARY", 0)
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOCTTY", 0)
)


def _file_kind(mode: int) -> str | None:
    """What a ``st_mode`` describes when it is not a regular file ("a folder"...), else None."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def _refuse_unless_regular(path: Path, mode: int) -> None:
    kind = _file_kind(mode)
    if kind is not None:
        what = f"links to {kind}" if path.is_symlink() else f"is {kind}"
        raise SettingsError(f"Cannot read {path}: it {what}, not a settings file; remove it.")


def read_bytes(path: Path) -> bytes | None:
    """A settings file's bytes, or None when it does not exist (other failures raise).

    Only a regular file is opened, and at most :data:`MAX_FILE_BYTES` + 1 bytes
    are read, so no entry an administrator or an attacker puts in the folder can
    block or exhaust the caller.
    """
    try:
        # stat first: opening some devices has effects of its own (a tape rewinds).
        _refuse_unless_regular(path, path.stat().st_mode)
        fd = os.open(path, _OPEN_FLAGS)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise SettingsError(f"Cannot read {path}: {exc.strerror or exc}.") from exc
    with os.fdopen(fd, "rb") as handle:
        try:
            # Again on the open file: the entry may have been swapped since the stat.
            _refuse_unless_regular(path, os.fstat(fd).st_mode)
            data = handle.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise SettingsError(f"Cannot read {path}: {exc.strerror or exc}.") from exc
    if len(data) > MAX_FILE_BYTES:
        raise SettingsError(
            f"{path} is larger than {MAX_FILE_BYTES // 1024} KB; it cannot be a settings file."
        )
    return data


def parse_toml(data: bytes, path: Path) -> dict[str, object]:
    """Decode (UTF-8, a Notepad BOM allowed) and parse TOML; SettingsError if invalid."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SettingsError(f"{path} is not UTF-8 text; save it as UTF-8.") from exc
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path} is not valid TOML ({exc}); fix the file.") from exc
    except RecursionError as exc:
        raise SettingsError(f"{path} is nested too deeply to be a settings file.") from exc


def _flatten(table: Mapping[str, object], prefix: str = "") -> Iterator[tuple[str, object]]:
    """Yield (dotted key, raw value), descending only into tables that are sections."""
    for name, raw in table.items():
        dotted = f"{prefix}{name}"
        if isinstance(raw, dict) and dotted not in SCHEMA and dotted in SECTIONS:
            yield from _flatten(raw, dotted + ".")
        else:
            yield dotted, raw


def _candidates(dotted: str) -> list[str]:
    return list(SECTIONS) if "." not in dotted else list(SCHEMA)


def read_layer(path: Path, *, is_policy: bool, required: bool = False) -> Layer:
    """Read one file into a :class:`Layer`; never raises."""
    layer = Layer(path)
    try:
        data = read_bytes(path)
        if data is None:
            # A dangling link is an administrator's policy gone missing, not "no policy".
            if required or path.is_symlink():
                layer.report(None, "This file does not exist. The whole file is ignored.")
            return layer
        document = parse_toml(data, path)
    except SettingsError as exc:
        # The problem already names the file; say "this file" instead of repeating it.
        message = str(exc).replace(str(path), "this file")
        layer.report(None, f"{message[:1].upper()}{message[1:]} The whole file is ignored.")
        return layer
    if is_policy:
        _check_permissions(path, layer)
    seen: set[str] = set()
    for dotted, raw in _flatten(document):
        if dotted in seen:  # only possible through a quoted "section.key" beside its table
            layer.values.pop(dotted, None)
            layer.report(dotted, "set twice in this file; both values are ignored.")
            continue
        seen.add(dotted)
        _apply_entry(layer, dotted, raw, is_policy=is_policy)
    return layer


def _apply_entry(layer: Layer, dotted: str, raw: object, *, is_policy: bool) -> None:
    spec = SCHEMA.get(dotted)
    if spec is None:
        hint = suggest(dotted, _candidates(dotted))
        looks_secure = any(f'"{key}"' in hint for key in SECURITY_KEYS)
        if is_policy and looks_secure:
            layer.report(dotted, f"unknown key{hint}; a security setting may be misspelt.")
        else:
            layer.report(dotted, f"unknown key{hint}; it is ignored.", "warning")
        return
    if spec.policy_only and not is_policy:
        layer.report(dotted, "only your administrator's policy can set this; ignored.", "warning")
        return
    try:
        layer.values[dotted] = validate(spec, raw)
    except SettingsError as exc:
        layer.report(dotted, f"{str(exc).removeprefix(dotted + ': ')} This key is ignored.")


def _check_permissions(path: Path, layer: Layer) -> None:
    """Warn when other users could rewrite the policy (it would no longer bind them)."""
    if sys.platform == "win32":
        return
    try:
        mode = path.stat().st_mode
    except OSError:
        return
    if mode & stat.S_IWOTH:
        layer.report(None, "this policy file is writable by every user; make it 0644.", "warning")


def discover_policy_files(paths: Paths) -> list[Path]:
    """The main policy file, then the drop-in files in name order (later wins)."""
    files = [paths.policy_file]
    try:
        dropins = [p for p in paths.policy_dropin_dir.iterdir() if p.suffix == ".toml"]
    except OSError:
        dropins = []
    return files + sorted(dropins, key=lambda p: p.name)


def load_settings(paths: Paths, *, policy_files: Sequence[Path] | None = None) -> Settings:
    """Load the effective settings: defaults < ``paths.user_settings_file`` < policy.

    ``policy_files=None`` reads ``paths.policy_file`` and ``paths.policy_dropin_dir/*.toml``
    (missing files are fine); an explicit list is read in order and each file must exist.
    Never raises for bad files: see :attr:`Settings.problems`.
    """
    explicit = policy_files is not None
    files = list(policy_files) if policy_files is not None else discover_policy_files(paths)
    policy_layers = [read_layer(p, is_policy=True, required=explicit) for p in files]
    user_layer = read_layer(paths.user_settings_file, is_policy=False)
    return merge(user_layer, policy_layers)


def merge(user_layer: Layer | None, policy_layers: Sequence[Layer]) -> Settings:
    """Layer the files over the defaults and apply the fail-closed rule."""
    values: dict[str, object] = {key: spec.default for key, spec in SCHEMA.items()}
    sources: dict[str, str] = dict.fromkeys(SCHEMA, DEFAULT_SOURCE)
    problems: list[Problem] = []
    if user_layer is not None:
        problems.extend(user_layer.problems)
        for key, value in user_layer.values.items():
            values[key], sources[key] = value, USER_SOURCE
    for layer in policy_layers:
        problems.extend(layer.problems)
        for key, value in layer.values.items():
            values[key], sources[key] = value, f"{POLICY_PREFIX}{layer.path}"
    if user_layer is not None:
        _note_overridden_user_keys(user_layer, sources, problems)
    broken = [layer for layer in policy_layers if layer.has_errors]
    if broken:
        origin = f"{POLICY_PREFIX}{broken[0].path}"
        for key in SECURITY_KEYS:
            values[key], sources[key] = SCHEMA[key].restrictive, origin
        problems.append(
            Problem(
                str(broken[0].path),
                None,
                "policy has errors, so security settings use their most restrictive values "
                f"({', '.join(SECURITY_KEYS)}) until it is fixed; run `genba policy check`.",
                "warning",
            )
        )
    user_file = str(user_layer.path) if user_layer is not None else ""
    problems.extend(_cross_checks(values, sources, user_file))
    return Settings(values, sources, tuple(problems), fail_closed=bool(broken))


def _note_overridden_user_keys(
    user_layer: Layer, sources: Mapping[str, str], problems: list[Problem]
) -> None:
    for key in user_layer.values:
        if sources[key].startswith(POLICY_PREFIX):
            problems.append(
                Problem(
                    str(user_layer.path),
                    key,
                    "set by your administrator; your own value is not used.",
                    "warning",
                )
            )


def _cross_checks(
    values: Mapping[str, object], sources: Mapping[str, str], user_file: str
) -> list[Problem]:
    """Warnings for combinations that are individually valid but contradict each other."""
    found: list[Problem] = []

    def _cross(key: str, message: str) -> Problem:
        source = sources[key]
        file = {DEFAULT_SOURCE: "", USER_SOURCE: user_file}.get(source)
        if file is None:
            file = source.removeprefix(POLICY_PREFIX)
        return Problem(file, key, message, "warning")

    lo, hi, dflt = values["experts.min"], values["experts.max"], values["experts.default"]
    assert isinstance(lo, int) and isinstance(hi, int) and isinstance(dflt, int)
    if hi and lo > hi:
        message = "experts.min is above experts.max; genba uses experts.max."
        found.append(_cross("experts.min", message))
    if dflt and (dflt < lo or (hi and dflt > hi)):
        message = "experts.default is outside experts.min..experts.max; genba keeps it inside."
        found.append(_cross("experts.default", message))
    if values["fallback.enabled"] and not values["fallback.url"]:
        message = "fallback.enabled is on but fallback.url is empty; no remote server is used."
        found.append(_cross("fallback.enabled", message))
    return found


def fingerprint(path: Path) -> tuple[str, int, int, str] | None:
    """(path, mtime_ns, size, sha256) of a file, or None when it does not exist.

    A file that is not regular, too large or unreadable is never hashed (nor, when
    not regular, opened): its last field says so instead, so that a policy file
    turning into one of these still counts as a change and gets reported.
    """
    try:
        info = path.stat()
    except OSError:
        return None
    kind = _file_kind(info.st_mode)
    if kind is not None:
        return (str(path), info.st_mtime_ns, info.st_size, f"<{kind}>")
    try:
        data = read_bytes(path)
    except SettingsError:
        return (str(path), info.st_mtime_ns, info.st_size, "<unreadable>")
    if data is None:
        return None
    return (str(path), info.st_mtime_ns, info.st_size, hashlib.sha256(data).hexdigest())
