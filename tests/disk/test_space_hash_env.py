"""disk.space, disk.hashing and disk.env: one rule each."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from disk.env import offline_forced_by_env
from disk.errors import DiskError, NotEnoughSpaceError
from disk.hashing import CHUNK, sha256_file
from disk.space import MARGIN, require_free_space


def test_free_space_counts_the_margin(tmp_path: Path) -> None:
    free = shutil.disk_usage(tmp_path).free
    require_free_space(tmp_path / "new", 0)  # creates the folder it measures
    assert (tmp_path / "new").is_dir()
    with pytest.raises(NotEnoughSpaceError) as caught:
        # What fits without the margin does not fit with it.
        require_free_space(tmp_path, free - MARGIN // 2)
    err = caught.value
    assert isinstance(err, DiskError)
    assert err.needed == free - MARGIN // 2 + MARGIN and 0 < err.free < err.needed
    assert str(tmp_path) in str(err) and "MiB" in str(err) and "\n" not in str(err)


def test_hash_matches_hashlib_and_reports_progress(tmp_path: Path) -> None:
    data = bytes(range(256)) * (CHUNK // 256 * 2 + 7)
    (tmp_path / "f").write_bytes(data)
    seen: list[tuple[int, int]] = []
    assert sha256_file(tmp_path / "f", lambda d, t: seen.append((d, t))) == (
        hashlib.sha256(data).hexdigest()
    )
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert seen[-1] == (len(data), len(data)) and len(seen) == 3


def test_hash_of_an_empty_file(tmp_path: Path) -> None:
    (tmp_path / "e").write_bytes(b"")
    assert sha256_file(tmp_path / "e") == hashlib.sha256(b"").hexdigest()


@pytest.mark.parametrize(
    ("value", "offline"),
    [
        (None, False), ("", False), ("0", False), ("false", False), (" Off ", False),
        ("no", False), ("1", True), ("TRUE", True), ("yes", True), ("on", True),
        ("ture", True),  # a typo fails closed
    ],
)  # fmt: skip
def test_genba_offline(value: str | None, offline: bool) -> None:
    env = {} if value is None else {"GENBA_OFFLINE": value}
    assert offline_forced_by_env(env) is offline
