"""The model catalogue: the shipped file parses, and bad entries fail with their name."""

from __future__ import annotations

import pytest

from engine.errors import BadInputError, ModelStoreError
from engine.models.catalogue import find_entry, load_catalogue, parse_catalogue

ENTRY = """
format = 1
[[model]]
name = "tiny"
title = "Tiny"
repo = "org/tiny-GGUF"
filename = "tiny.gguf"
revision = "{revision}"
sha256 = "{sha}"
size = 1000
license = "Apache-2.0"
architecture = "llama"
expert_count = 8
expert_used_count = {used}
expert_share = 0.9
"""


def _text(revision: str = "a" * 40, sha: str = "b" * 64, used: int = 2) -> str:
    return ENTRY.format(revision=revision, sha=sha, used=used)


def test_shipped_catalogue_lists_the_issue_models() -> None:
    names = {e.name for e in load_catalogue()}
    assert {"granite-3.1-1b-a400m", "granite-3.1-3b-a800m", "olmoe-1b-7b"} <= names
    assert {"smallthinker-4b-a0.6b", "qwen3-30b-a3b"} <= names
    for entry in load_catalogue():
        assert entry.license == "Apache-2.0"
        assert entry.ram_bytes(1) < entry.ram_bytes(entry.expert_count)


def test_pinned_needs_commit_and_hash() -> None:
    (pinned,) = parse_catalogue(_text())
    assert pinned.pinned
    (branch,) = parse_catalogue(_text(revision="main"))
    assert not branch.pinned
    (nohash,) = parse_catalogue(_text(sha=""))
    assert not nohash.pinned


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (_text(sha="xyz"), "sha256 must be 64 hex"),
        (_text(used=9), "expert_used_count"),
        (_text().replace('"tiny.gguf"', '"../evil.gguf"'), "plain .gguf"),
        (_text().replace("size = 1000\n", ""), "incomplete"),
        (_text() + _text().replace("format = 1", ""), "twice"),
        (_text().replace("format = 1", "format = 2"), "unknown format"),
    ],
)
def test_bad_entries_are_refused(text: str, message: str) -> None:
    with pytest.raises(ModelStoreError, match=message):
        parse_catalogue(text)


def test_unknown_name_lists_the_known_ones() -> None:
    with pytest.raises(BadInputError, match="Known models: tiny"):
        find_entry(parse_catalogue(_text()), "nope")
