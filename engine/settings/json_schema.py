"""The JSON Schema (draft 2020-12) of a policy file, derived from :data:`SCHEMA`.

Administrators point their editors (VS Code's Even Better TOML, JetBrains) at
``genba policy schema`` output to get completion, descriptions and squiggles
while they write ``policy.toml``. The schema is a little stricter than the
loader in one way only: it rejects unknown keys outright, because in an editor
that is the "did you mean" the loader can only warn about afterwards.
"""

from __future__ import annotations

import re

from engine.settings.schema import SCHEMA, SECTIONS, SettingSpec
from engine.settings.values import expected

SCHEMA_ID = "urn:genba:policy:1"
DRAFT = "https://json-schema.org/draft/2020-12/schema"

_ABSOLUTE_PATH = r"^(/|[A-Za-z]:[\\/]|\\\\)"
_WINDOW = r"^\s*([01]?[0-9]|2[0-3]):[0-5][0-9]\s*-\s*([01]?[0-9]|2[0-3]):[0-5][0-9]\s*$"


def _text_pattern(spec: SettingSpec) -> str | None:
    if spec.kind == "url":
        schemes = "|".join(re.escape(s) for s in spec.schemes)
        pattern = rf"^\s*({schemes})://[^\s/?#]+[^\s?#]*\s*$"
    elif spec.kind == "path":
        pattern = _ABSOLUTE_PATH
    elif spec.kind == "window":
        pattern = _WINDOW
    else:
        return None
    return f"^\\s*$|{pattern}" if spec.allow_empty else pattern


def property_schema(spec: SettingSpec) -> dict[str, object]:
    """The JSON Schema of one key's value."""
    prop: dict[str, object] = {
        "title": spec.label or spec.key,
        "description": _description(spec),
        "default": spec.default,
    }
    if spec.kind == "bool":
        prop["type"] = "boolean"
    elif spec.kind in ("int", "float"):
        prop["type"] = "integer" if spec.kind == "int" else "number"
        if spec.minimum is not None:
            prop["minimum"] = spec.minimum if spec.kind == "float" else int(spec.minimum)
        if spec.maximum is not None:
            prop["maximum"] = spec.maximum if spec.kind == "float" else int(spec.maximum)
    elif spec.kind == "enum":
        prop["type"] = "string"
        prop["enum"] = list(spec.choices)
    elif spec.kind == "texts":
        prop["type"] = "array"
        prop["default"] = list(spec.default)  # type: ignore[call-overload]
        prop["maxItems"] = 20
        prop["items"] = {"type": "string", "minLength": 1, "maxLength": 4096}
    else:
        prop["type"] = "string"
        prop["maxLength"] = 4096
        pattern = _text_pattern(spec)
        if pattern is not None:
            prop["pattern"] = pattern
    return prop


def _description(spec: SettingSpec) -> str:
    text = f"{spec.description} Accepts {expected(spec)}."
    if spec.security_relevant:
        text += (
            f" Security-relevant: forced to {spec.restrictive!r} while any policy file has errors."
        )
    return text


def policy_json_schema() -> dict[str, object]:
    """The whole policy-file schema as a JSON-ready dict."""
    sections: dict[str, object] = {}
    for section in SECTIONS:
        specs = [spec for spec in SCHEMA.values() if spec.section == section]
        sections[section] = {
            "type": "object",
            "additionalProperties": False,
            "properties": {spec.name: property_schema(spec) for spec in specs},
        }
    return {
        "$schema": DRAFT,
        "$id": SCHEMA_ID,
        "title": "genba policy",
        "description": (
            "Administrator policy for genba (/etc/genba/policy.toml, "
            "%ProgramData%\\genba\\policy.toml, and policy.d/*.toml). Every key set here "
            "is locked for operators."
        ),
        "type": "object",
        "additionalProperties": False,
        "properties": sections,
    }
