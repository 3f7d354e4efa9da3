"""docs/policy-reference.md is generated from the schema and kept in step by this test."""

from __future__ import annotations

from pathlib import Path

from engine.settings import SCHEMA
from engine.settings.docs import render_reference

REFERENCE = Path(__file__).resolve().parents[3] / "docs" / "policy-reference.md"


def test_reference_is_in_step_with_the_schema() -> None:
    assert REFERENCE.read_text(encoding="utf-8") == render_reference(), (
        "docs/policy-reference.md is stale: run `genba policy docs > docs/policy-reference.md`"
    )


def test_every_key_and_description_is_documented() -> None:
    text = render_reference()
    for spec in SCHEMA.values():
        assert f"`[{spec.section}]`" in text
        assert f"| `{spec.name}` |" in text
        assert spec.description in text
