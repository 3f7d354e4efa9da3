"""The JSON Schema for editors: valid draft 2020-12, accepts the sample, agrees with the loader."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.errors import SettingsError
from engine.paths import Paths
from engine.settings import SCHEMA, load_settings, validate
from engine.settings.json_schema import policy_json_schema

SAMPLE = Path(__file__).resolve().parents[3] / "assets" / "policy.sample.toml"
_COMMENTED = re.compile(r"^#\s*([a-z_]+\s*=\s*.+)$")


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = policy_json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _uncommented_sample() -> str:
    return "\n".join(
        m.group(1) if (m := _COMMENTED.match(line)) else line
        for line in SAMPLE.read_text(encoding="utf-8").splitlines()
    )


def test_the_sample_policy_validates(validator: jsonschema.Draft202012Validator) -> None:
    document = tomllib.loads(SAMPLE.read_text(encoding="utf-8"))
    assert list(validator.iter_errors(document)) == []
    assert document  # the sample sets some keys for real


def test_the_sample_with_every_example_uncommented_is_still_valid(
    validator: jsonschema.Draft202012Validator, paths: Paths
) -> None:
    document = tomllib.loads(_uncommented_sample())
    assert list(validator.iter_errors(document)) == []
    mentioned = {f"{section}.{name}" for section, body in document.items() for name in body}
    assert mentioned == set(SCHEMA)  # every key is shown in the sample, none unknown


@pytest.mark.parametrize("text", [SAMPLE.read_text(encoding="utf-8"), _uncommented_sample()])
def test_the_sample_loads_without_problems(paths: Paths, tmp_path: Path, text: str) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text(text, encoding="utf-8")
    settings = load_settings(paths, policy_files=[policy])
    assert settings.problems == ()
    assert settings.is_locked("fallback.enabled")


@pytest.mark.parametrize(
    "document",
    [
        {"ui": {"font_scale": 300}},
        {"ui": {"language": "de"}},
        {"ui": {"font_scal": 130}},
        {"modle": {}},
        {"fallback": {"enabled": "yes"}},
        {"fallback": {"url": "ftp://example.com"}},
        {"fallback": {"timeout_s": 0.1}},
        {"experts": {"default": 2.5}},
        {"model": {"path": "relative/model.gguf"}},
        {"updates": {"window": "22:00"}},
    ],
)
def test_common_mistakes_are_flagged_in_the_editor(
    validator: jsonschema.Draft202012Validator, document: dict[str, object]
) -> None:
    assert list(validator.iter_errors(document))


_raw = st.one_of(
    st.booleans(),
    st.integers(min_value=-10, max_value=2_000_000),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-10, max_value=5000),
    st.sampled_from(["", "ja", "fast", "keep", "https://h.example/v1", "http://10.0.0.1:80",
                     "socks5://p:1080", "/opt/m.gguf", r"C:\m.gguf", "22:00-05:00", "9:05-17:00",
                     " https://h.example ", "https://u@h.example/", "rel/path"]),
    st.text(max_size=30),
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(list(SCHEMA)), _raw)
def test_whatever_the_loader_accepts_the_schema_accepts(key: str, raw: object) -> None:
    spec = SCHEMA[key]
    try:
        validate(spec, raw)
    except SettingsError:
        return
    schema = policy_json_schema()
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors({spec.section: {spec.name:
                                                                                     raw}}))
    assert errors == [], (key, raw)
