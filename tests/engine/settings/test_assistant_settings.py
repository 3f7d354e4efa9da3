"""The assistant's site settings: example questions (a list of texts) and instructions."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import SettingsError
from engine.paths import Paths
from engine.settings import SCHEMA, load_settings, validate

EXAMPLES = SCHEMA["assistant.example_prompts"]


def test_a_list_of_texts_is_kept_in_order_trimmed() -> None:
    assert validate(EXAMPLES, [" Check the torque wrench ", "Lockout?"]) == (
        "Check the torque wrench",
        "Lockout?",
    )


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        ("one question", "expected a list"),
        ([1, 2], "expected a list"),
        (["fine", "  "], "an entry is empty"),
        (["q"] * 21, "too many entries"),
    ],
)
def test_bad_lists_are_refused_with_a_sentence(raw: object, why: str) -> None:
    with pytest.raises(SettingsError, match=r"assistant\.example_prompts") as caught:
        validate(EXAMPLES, raw)
    assert why in str(caught.value)


def test_policy_sets_and_locks_the_site_examples(paths: Paths, tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text(
        '[assistant]\nexample_prompts = ["Where is the spill kit?"]\n'
        'example_prompts_ja = ["スピルキットはどこ？"]\n',
        encoding="utf-8",
    )
    settings = load_settings(paths, policy_files=[policy])
    assert settings.problems == ()
    assert settings.get_texts("assistant.example_prompts") == ("Where is the spill kit?",)
    assert settings.get_texts("assistant.example_prompts_ja") == ("スピルキットはどこ？",)
    assert settings.is_locked("assistant.example_prompts")
    assert hash(settings)  # settings stay hashable with a list value


def test_an_operator_file_cannot_set_the_site_examples(paths: Paths) -> None:
    paths.user_settings_file.parent.mkdir(parents=True, exist_ok=True)
    paths.user_settings_file.write_text(
        '[assistant]\nexample_prompts = ["mine"]\n', encoding="utf-8"
    )
    settings = load_settings(paths, policy_files=[])
    assert settings.get_texts("assistant.example_prompts") == ()
    assert any(p.key == "assistant.example_prompts" for p in settings.problems)
