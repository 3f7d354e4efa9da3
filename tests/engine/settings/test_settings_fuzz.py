"""Hypothesis: any file content loads without crashing, and no invalid key goes unreported."""

from __future__ import annotations

import tempfile
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.paths import Paths
from engine.settings import SCHEMA, SECTIONS, SECURITY_KEYS, Settings, load_settings, validate

FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

_NAMES = sorted({spec.name for spec in SCHEMA.values()})

toml_scalars = st.one_of(
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.sampled_from(["ja", "en", "fast", "remote", "https://h.example/v1", "/abs/p", "22:00-05:00",
                     "true", "125", "", "http://u:p@h/", "socks5://p:1"]),
    st.datetimes(),
    st.dates(),
)  # fmt: skip
toml_values = st.recursive(
    toml_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=3),
    max_leaves=6,
)
names = st.sampled_from(_NAMES) | st.text(min_size=1, max_size=12)
sections = st.sampled_from(SECTIONS) | st.text(min_size=1, max_size=10)
documents = st.dictionaries(
    sections,
    st.dictionaries(names, toml_values, max_size=6) | toml_values,
    max_size=6,
)


@contextmanager
def _fresh_paths() -> Iterator[Paths]:
    with tempfile.TemporaryDirectory() as root:
        paths = Paths.under(Path(root))
        paths.policy_dir.mkdir(parents=True)
        paths.config_dir.mkdir(parents=True)
        yield paths


def _unparsable(path: Path) -> bool:
    """True when ``path`` exists and is not UTF-8 TOML (judged here, not by the loader)."""
    if not path.exists():
        return False
    try:
        tomllib.loads(path.read_bytes().decode("utf-8-sig"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError):
        return True
    return False


def _load_must_not_raise(paths: Paths) -> Settings:
    settings = load_settings(paths)  # "nothing here raises": any exception fails the test
    # A file that cannot be parsed is ignored whole, and said so, naming the file.
    for path in (paths.policy_file, paths.user_settings_file):
        if _unparsable(path):
            assert (str(path), None, "error") in {
                (p.file, p.key, p.severity) for p in settings.problems
            }, path
            if path == paths.policy_file:
                assert settings.fail_closed
    for key, spec in SCHEMA.items():  # whatever went in, every effective value is valid
        assert validate(spec, settings.get(key)) == settings.get(key)
    return settings


def _leaf_keys(document: dict[str, object]) -> list[tuple[str, object]]:
    leaves: list[tuple[str, object]] = []
    for section, body in document.items():
        if isinstance(body, dict) and section in SECTIONS:
            leaves.extend((f"{section}.{name}", raw) for name, raw in body.items())
        else:
            leaves.append((section, body))
    return leaves


@FUZZ
@given(st.binary(max_size=400))
def test_any_bytes_as_policy_or_user_file(data: bytes) -> None:
    with _fresh_paths() as paths:
        paths.policy_file.write_bytes(data)
        paths.user_settings_file.write_bytes(data)
        _load_must_not_raise(paths)


@FUZZ
@given(st.text(alphabet=st.sampled_from(list("[]=.\"'#\n abc_123-:{},tfrue")), max_size=200))
def test_toml_like_text(text: str) -> None:
    with _fresh_paths() as paths:
        paths.policy_file.write_text(text, encoding="utf-8")
        _load_must_not_raise(paths)


@FUZZ
@given(documents)
def test_every_key_is_applied_or_named_in_the_report(document: dict[str, object]) -> None:
    with _fresh_paths() as paths:
        paths.policy_file.write_text(tomli_w.dumps(document), encoding="utf-8")
        result = _load_must_not_raise(paths)
    source = f"policy:{paths.policy_file}"
    reported = {p.key for p in result.problems}
    for key, raw in _leaf_keys(document):
        if key in reported:
            continue
        # Not reported, so it must be a known key whose value was applied as written.
        assert key in SCHEMA, key
        assert result.source(key) == source
        if not (result.fail_closed and key in SECURITY_KEYS):
            assert result.get(key) == validate(SCHEMA[key], raw)
    assert result.fail_closed == any(p.severity == "error" for p in result.problems)
    for problem in result.errors:
        if problem.key is not None and problem.key in SCHEMA and problem.key not in SECURITY_KEYS:
            assert result.source(problem.key) != source  # the bad value was not used


@FUZZ
@given(st.dictionaries(st.sampled_from(list(SCHEMA)), toml_scalars, min_size=1, max_size=8))
def test_user_file_problems_never_fail_closed(values: dict[str, object]) -> None:
    document: dict[str, dict[str, object]] = {}
    for key, raw in values.items():
        section, name = key.split(".", 1)
        document.setdefault(section, {})[name] = raw
    with _fresh_paths() as paths:
        paths.user_settings_file.write_text(tomli_w.dumps(document), encoding="utf-8")
        result = _load_must_not_raise(paths)
    assert not result.fail_closed
    assert not result.locked_keys()
    reported = {p.key for p in result.problems}
    for key, raw in values.items():
        if key not in reported:
            assert result.source(key) == "user"
            assert result.get(key) == validate(SCHEMA[key], raw)
