"""The update path (``updater.release.plan_path``), pure: a release index and the local model in,
the steps out. Full download vs diffs, the cheapest diff chain, and no path at all."""

from __future__ import annotations

import json

import pytest

from updater.release import DiffRef, Release, Step, plan_path

Version = tuple[str, int, int, dict[str, int]]
"""(version, serial, full model bytes, {diff source version: diff bytes})."""


def _release(*versions: Version) -> Release:
    """A release index as a client reads it: through ``release.json``, in any listed order."""
    obj = {
        "format": 1,
        "versions": [
            {
                "version": name,
                "serial": serial,
                "model": "models/m.gguf",
                "sha256": _sha(name),
                "length": length,
                "manifest": f"manifests/{name}.json",
                "diffs": [
                    {"from": src, "path": f"diffs/{src}..{name}.gdiff", "length": size}
                    for src, size in diffs.items()
                ],
            }
            for name, serial, length, diffs in versions
        ],
    }
    return Release.from_bytes(json.dumps(obj).encode())


def _sha(version: str) -> str:
    return f"sha-of-{version}"


def _route(steps: list[Step]) -> list[tuple[str, str | None]]:
    """Each step as (version reached, diff source or None for a full download)."""
    return [(s.entry.version, s.diff.source if s.diff else None) for s in steps]


FULL = 1000

PLANS: list[tuple[str, list[Version], str | None, list[tuple[str, str | None]]]] = [
    ("empty index: nothing to do", [], None, []),
    ("already the latest", [("1", 1, FULL, {}), ("2", 2, FULL, {"1": 100})], "2", []),
    ("no local model: full download",
     [("1", 1, FULL, {}), ("2", 2, FULL, {"1": 100})], None, [("2", None)]),
    ("unknown local model: full download",
     [("1", 1, FULL, {}), ("2", 2, FULL, {"1": 100})], "0.9", [("2", None)]),
    ("one diff, cheaper than the model",
     [("1", 1, FULL, {}), ("2", 2, FULL, {"1": 100})], "1", [("2", "1")]),
    ("a diff as big as the model is not worth it",
     [("1", 1, FULL, {}), ("2", 2, FULL, {"1": FULL})], "1", [("2", None)]),
    ("a diff bigger than the model is not worth it",
     [("1", 1, FULL, {}), ("2", 2, FULL, {"1": FULL + 1})], "1", [("2", None)]),
    ("no diff starts at the local model",
     [("1", 1, FULL, {}), ("2", 2, FULL, {}), ("3", 3, FULL, {"2": 100})], "1", [("3", None)]),
    ("a chain of diffs",
     [("1", 1, FULL, {}), ("2", 2, FULL, {"1": 100}), ("3", 3, FULL, {"2": 100})],
     "1", [("2", "1"), ("3", "2")]),
    ("a broken chain falls back to the full model",
     [("1", 1, FULL, {}), ("2", 2, FULL, {"1": 100}), ("3", 3, FULL, {})], "1", [("3", None)]),
    ("the chain is cheaper than the direct diff",
     [("1", 1, FULL, {}), ("2", 2, FULL, {"1": 100}), ("3", 3, FULL, {"1": 600, "2": 100})],
     "1", [("2", "1"), ("3", "2")]),
    ("the direct diff is cheaper than the chain",
     [("1", 1, FULL, {}), ("2", 2, FULL, {"1": 400}), ("3", 3, FULL, {"1": 300, "2": 400})],
     "1", [("3", "1")]),
    ("a chain cheaper than the model in total, each diff counted",
     [("1", 1, FULL, {}), ("2", 2, FULL, {"1": 600}), ("3", 3, FULL, {"2": 600})],
     "1", [("3", None)]),
    ("the latest is found by serial, not by listing order or label",
     [("1.10", 10, FULL, {"1.9": 100}), ("1.9", 9, FULL, {})], "1.9", [("1.10", "1.9")]),
    ("diffs between versions the client does not have are not used",
     [("1", 1, FULL, {}), ("2", 2, FULL, {}), ("3", 3, FULL, {"2": 10, "1": 500})],
     "1", [("3", "1")]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("versions", "current", "expected"),
    [case[1:] for case in PLANS],
    ids=[case[0] for case in PLANS],
)
def test_plan_path(
    versions: list[Version], current: str | None, expected: list[tuple[str, str | None]]
) -> None:
    release = _release(*versions)
    steps = plan_path(release, _sha(current) if current else None)
    assert _route(steps) == expected


def test_steps_carry_what_the_client_downloads() -> None:
    release = _release(("1", 1, FULL, {}), ("2", 2, FULL, {"1": 100}), ("3", 3, FULL, {"2": 50}))
    steps = plan_path(release, _sha("1"))
    # Each step names the entry it reaches (hash to check) and the diff file to fetch.
    assert [s.entry for s in steps] == [release.find("2"), release.find("3")]
    assert [s.diff for s in steps] == [
        DiffRef("1", "diffs/1..2.gdiff", 100),
        DiffRef("2", "diffs/2..3.gdiff", 50),
    ]
    latest = release.latest
    assert latest is not None and latest.version == "3"
    assert plan_path(release, None) == [Step(latest, None)]
    assert latest.file_name == "m-3.gguf"  # the name the full download is stored under


def test_chain_ends_at_the_latest_whatever_the_cheaper_detours() -> None:
    # A cheap diff to a version that is not the latest must not end the path there.
    release = _release(("1", 1, FULL, {}), ("2", 2, FULL, {"1": 1}), ("3", 3, FULL, {"1": 900}))
    steps = plan_path(release, _sha("1"))
    assert _route(steps) == [("3", "1")]
    assert steps[-1].entry == release.latest


def test_a_release_entry_is_found_by_hash_or_label() -> None:
    release = _release(("1", 1, FULL, {}), ("2", 2, FULL, {}))
    assert release.find(sha256=_sha("2")) == release.latest
    assert release.find("1") == release.versions[0]
    assert release.find(sha256="nope") is None


# -- site packs: a line of their own, entered from the full model -------------------------
def _with_pack(release: Release, *versions: tuple[str, int, int, dict[str, int]]) -> Release:
    """``release`` plus pack "m" (diff sources "full:<v>" are full-model versions)."""
    obj = json.loads(release.to_bytes())
    obj["packs"] = {
        "m": [
            {
                "version": name,
                "serial": serial,
                "model": f"packs/m/models/{name}/m.gguf",
                "sha256": f"sha-of-m{name}",
                "length": length,
                "manifest": f"packs/m/manifests/{name}.json",
                "diffs": [_pack_diff(src, name, size) for src, size in diffs.items()],
            }
            for name, serial, length, diffs in versions
        ]
    }
    return Release.from_bytes(json.dumps(obj).encode())


def _pack_diff(source: str, version: str, size: int) -> dict[str, object]:
    obj: dict[str, object] = {
        "from": source.removeprefix("full:"),
        "path": f"packs/m/diffs/{source}..{version}",
        "length": size,
    }
    if not source.startswith("full:"):
        obj["from_pack"] = "m"
    return obj


FULL_1_2 = _release(("1", 1, 1000, {}), ("2", 2, 1000, {"1": 50}))


@pytest.mark.parametrize(
    ("current", "pack_versions", "expected"),
    [
        # full 2 → pack 1 by its switch diff
        ("2", [("1", 1, 600, {"full:2": 20})], [("m@1", "2")]),
        # full 1 → full 2 → pack 1 when the pack was cut from 2 only
        ("1", [("1", 1, 600, {"full:2": 20})], [("2", "1"), ("m@1", "2")]),
        # pack 1 → pack 2 by the pack's own diff, not via the full model
        ("m1", [("1", 1, 600, {"full:2": 20}), ("2", 2, 600, {"1": 30, "full:2": 25})],
         [("m@2", "1")]),
        # full 2 → pack 2 directly when that is cheaper than through pack 1
        ("2", [("1", 1, 600, {"full:2": 20}), ("2", 2, 600, {"1": 30, "full:2": 25})],
         [("m@2", "2")]),
        # a model from neither line: the whole pack
        ("x", [("1", 1, 600, {"full:2": 20})], [("m@1", None)]),
    ],
)  # fmt: skip
def test_pack_line_is_planned_from_the_pack_or_the_full_model(
    current: str, pack_versions: list[Version], expected: list[tuple[str, str | None]]
) -> None:
    release = _with_pack(FULL_1_2, *pack_versions)
    steps = plan_path(release, f"sha-of-{current}", "m")  # "m1": pack version 1's file
    assert [(s.entry.label, s.diff.source if s.diff else None) for s in steps] == expected
    # the full line ignores the pack entirely
    assert [s.entry.label for s in plan_path(release, "sha-of-1")] == ["2"]


def test_leaving_a_pack_for_the_full_model_downloads_it_whole() -> None:
    release = _with_pack(FULL_1_2, ("1", 1, 600, {"full:2": 20}))
    assert plan_path(release, "sha-of-m1") == [Step(release.versions[-1], None)]
    assert plan_path(release, "sha-of-m1", "m") == []  # already on the latest pack
    assert release.line("nope") == ()
