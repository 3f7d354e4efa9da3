"""The schema declares every key the issue asks for, once, with valid defaults."""

from __future__ import annotations

import re

import pytest

from engine.errors import SettingsError
from engine.settings import SCHEMA, SECTIONS, SECURITY_KEYS, validate

ISSUE_KEYS = {
    "model.path", "model.allow_user_models",
    "experts.default", "experts.min", "experts.max", "experts.user_can_choose",
    "experts.adaptive", "experts.mode",
    "resources.reserve_ram_mb", "resources.max_context_tokens", "resources.min_tokens_per_s",
    "resources.on_battery",
    "fallback.enabled", "fallback.url", "fallback.model", "fallback.ca_bundle",
    "fallback.timeout_s", "fallback.allow_when_offline_local_fails",
    "network.proxy", "network.offline",
    "updates.enabled", "updates.repository_url", "updates.trusted_root",
    "updates.check_interval_h", "updates.window", "updates.auto_apply",
    "updates.allow_offline_bundles",
    "history.enabled", "history.retention_days", "history.export_allowed",
    "metrics.enabled",
    "ui.language", "ui.font_scale", "ui.high_contrast",
}  # fmt: skip


def test_every_issue_key_is_declared() -> None:
    assert set(SCHEMA) >= ISSUE_KEYS


@pytest.mark.parametrize("key", list(SCHEMA))
def test_spec_is_complete_and_default_validates(key: str) -> None:
    spec = SCHEMA[key]
    assert spec.key == key
    assert re.fullmatch(r"[a-z]+\.[a-z_]+", key)
    assert len(spec.description) > 20 and spec.description.endswith((".", ")"))
    assert validate(spec, spec.default) == spec.default
    if spec.restrictive is not None:
        assert validate(spec, spec.restrictive) == spec.restrictive
    if spec.kind == "enum":
        assert spec.default in spec.choices
    if spec.kind in ("int", "float"):
        assert spec.minimum is not None and spec.maximum is not None


def test_decisions_from_the_brief() -> None:
    assert SCHEMA["experts.default"].default == 0
    assert SCHEMA["experts.min"].default == 1
    assert SCHEMA["experts.max"].default == 0
    assert SCHEMA["experts.mode"].choices == ("fast", "balanced", "thorough")
    assert SCHEMA["experts.mode"].default == "balanced"
    assert SCHEMA["fallback.url"].default == ""
    assert SCHEMA["fallback.enabled"].default is False
    assert SCHEMA["fallback.timeout_s"].kind == "float"
    assert SCHEMA["network.proxy"].default == ""
    font = SCHEMA["ui.font_scale"]
    assert (font.kind, font.default, font.minimum, font.maximum) == ("int", 125, 100, 200)
    assert SCHEMA["ui.language"].choices == ("ja", "en", "system")
    assert SCHEMA["resources.on_battery"].choices == ("keep", "fewer_experts", "remote")


def test_security_relevant_keys_and_their_restrictive_values() -> None:
    restrictive = {key: SCHEMA[key].restrictive for key in SECURITY_KEYS}
    assert restrictive == {
        "model.allow_user_models": False,
        "fallback.enabled": False,
        "fallback.allow_when_offline_local_fails": False,
        "updates.repository_url": SCHEMA["updates.repository_url"].default,
        "updates.trusted_root": SCHEMA["updates.trusted_root"].default,
        "updates.allow_offline_bundles": False,
        "updates.operator_apply": False,
        "history.export_allowed": False,
        # A broken policy must not let operators index folders IT did not allow (issue 17).
        "docs.allow_personal": False,
    }
    # Documented decision: forcing offline would also stop signed updates.
    assert SCHEMA["network.offline"].restrictive is None


def test_keys_are_grouped_by_section_in_order() -> None:
    seen = [spec.section for spec in SCHEMA.values()]
    collapsed = [s for i, s in enumerate(seen) if i == 0 or seen[i - 1] != s]
    assert tuple(collapsed) == SECTIONS


def test_schema_is_read_only() -> None:
    with pytest.raises(TypeError):
        SCHEMA["x.y"] = SCHEMA["ui.language"]  # type: ignore[index]


def test_policy_only_keys_are_the_update_trust_anchors_and_site_examples() -> None:
    # The example questions are the site's, deployed by IT (issue 13, item 1); which model
    # store a PC uses is IT's too (issue 14: a machine-wide store), and so is the site pack
    # it follows (issue 15); so is the watt figure behind the pilot's energy estimates
    # (issue 16), which operators must not skew.
    assert {k for k, s in SCHEMA.items() if s.policy_only} == {
        "model.store",
        "metrics.cpu_watts",
        "updates.site_pack",
        "updates.site_pack_fallback",
        "updates.repository_url",
        "updates.trusted_root",
        "assistant.example_prompts",
        "assistant.example_prompts_ja",
        # Expert-load statistics are the site's to collect and judge (issue 15, item 1).
        "experts.stats_sample",
        "experts.imbalance_alert",
        # The site a PC reports under in the pilot's fleet merge is IT's (issue 16, item 5).
        "pilot.site",
        # The site's document folders and packs are IT's (issue 17, item 1).
        "docs.folders",
        "updates.doc_packs",
    }


def test_validate_raises_only_settings_error() -> None:
    with pytest.raises(SettingsError, match=r"ui\.font_scale"):
        validate(SCHEMA["ui.font_scale"], 99)
