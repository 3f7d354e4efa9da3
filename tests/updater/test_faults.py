"""Faults during apply: kill -9 at many points, and a full disk (RLIMIT_FSIZE).

Each fault runs the real client in a subprocess against the loopback repository. After
the fault the current model must still verify, and the next run must finish the update
and leave no temp files behind.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import pytest

from tests.updater.testkit import RepoServer
from updater.client import UpdateClient
from updater.config import UpdateConfig
from updater.install import verify_current
from updater.pointer import read_pointer

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and rlimits")

CHILD = r"""
import json, os, resource, signal, sys
from pathlib import Path
from updater.client import UpdateClient
from updater.config import UpdateConfig
from updater.errors import UpdateError

raw = json.loads(sys.argv[1])
kill_at, fsize = int(sys.argv[2]), int(sys.argv[3])
config = UpdateConfig(**{k: Path(v) if k in {
    "trusted_root", "models_dir", "update_dir", "pointer"} else v for k, v in raw.items()})
labels = []

def tick(label):
    labels.append(label)
    if len(labels) == kill_at:
        os.kill(os.getpid(), signal.SIGKILL)

real_replace = os.replace
def replace(src, dst, **kw):
    tick("replace " + os.path.basename(str(dst)))
    return real_replace(src, dst, **kw)
os.replace = replace

if fsize:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit fail with EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
try:
    UpdateClient(config, events=lambda e: tick(e.state), checkpoint=tick).apply()
except UpdateError as exc:
    print(json.dumps({"error": type(exc).__name__, "message": str(exc)}))
    sys.exit(1)
print(json.dumps({"labels": labels}))
"""


def _child(
    config: UpdateConfig, kill_at: int = 0, fsize: int = 0
) -> subprocess.CompletedProcess[str]:
    raw = {k: str(v) if isinstance(v, Path) else v for k, v in asdict(config).items()}
    return subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(raw), str(kill_at), str(fsize)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )


def _leftovers(config: UpdateConfig) -> list[str]:
    found = [p.name for p in config.models_dir.iterdir() if p.name.startswith(".genba-")]
    found += [p.name for p in config.update_dir.rglob(".genba-tmp-*")]
    found += [p.name for p in config.metadata_dir.glob("tmp*")]
    return found


def _fresh(config: UpdateConfig, template: Path) -> None:
    shutil.rmtree(config.models_dir.parent)
    shutil.copytree(template, config.models_dir.parent)


def test_kill_9_at_many_points_then_recover(
    config: UpdateConfig, server: RepoServer, models: dict[str, Path], tmp_path: Path
) -> None:
    template = tmp_path / "template"
    shutil.copytree(config.models_dir.parent, template)
    dry = _child(config)
    assert dry.returncode == 0, dry.stderr
    labels: list[str] = json.loads(dry.stdout)["labels"]
    building = [i for i, label in enumerate(labels, 1) if label == "building"]
    points = [i for i, label in enumerate(labels, 1) if label != "building"]
    points += [building[0], building[len(building) // 2], building[-1]]
    assert len(points) >= 10, labels
    for kill_at in sorted(points):
        _fresh(config, template)
        proc = _child(config, kill_at=kill_at)
        assert proc.returncode == -9, (kill_at, labels[kill_at - 1], proc.stderr)
        current = verify_current(config.pointer)
        assert current is not None, f"pointer broken after kill at {labels[kill_at - 1]}"
        UpdateClient(config).apply()  # the next run recovers and finishes
        pointer = read_pointer(config.pointer)
        assert pointer is not None and pointer.current.version == "2"
        assert (config.models_dir / pointer.current.path).read_bytes() == models["new"].read_bytes()
        assert _leftovers(config) == [], labels[kill_at - 1]
        names = sorted(p.name for p in config.models_dir.glob("*.gguf"))
        assert names == sorted(["base-1.gguf", pointer.current.path])


def test_disk_full_is_clean(
    config: UpdateConfig, server: RepoServer, models: dict[str, Path]
) -> None:
    proc = _child(config, fsize=600_000)  # metadata and diff fit, the 1.2 MB model does not
    assert proc.returncode == 1, proc.stderr
    err = json.loads(proc.stdout)
    assert err["error"] == "DiskFullError" and "Free some space" in err["message"]
    pointer = read_pointer(config.pointer)
    assert pointer is not None and pointer.current.version == "1"
    assert verify_current(config.pointer) is not None
    assert _leftovers(config) == []
    UpdateClient(config).apply()
    assert read_pointer(config.pointer).current.version == "2"  # type: ignore[union-attr]
