"""``genba docs index|status|search`` on a real document set, text and --json."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from engine.cli import main
from engine.paths import Paths
from tests.engine.docs.conftest import DATA
from tests.engine.settings.helpers import write_policy


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def configured(cli_paths: Paths, corpus: Path, tmp_path: Path) -> Path:
    """Policy names the document set, a folder that is not there, and a pack not installed."""
    bad = corpus / "bad"
    bad.mkdir()
    (bad / "locked.pdf").write_bytes((DATA / "password-protected.pdf").read_bytes())
    (bad / "empty.md").write_bytes(b"")
    subprocess.run(["truncate", "-s", "500M", str(bad / "huge.pdf")], check=True)
    write_policy(cli_paths, (
        f"docs.folders = {json.dumps([str(corpus), str(tmp_path / 'unmounted')])}\n"
        'docs.max_file_mb = 50\nupdates.doc_packs = ["line3"]\n'
    ))  # fmt: skip
    return corpus


def test_index_status_search_in_text(
    capsys: pytest.CaptureFixture[str], configured: Path, tmp_path: Path
) -> None:
    code, out, err = _run(capsys, "docs", "index")
    assert code == 0, err
    assert re.fullmatch(
        r"done: 6 added, 0 updated, 0 removed, 0 unchanged, 3 skipped; 1[0-9] pages read "
        r"in [0-9.]+ s", out.splitlines()[0]
    ), out
    assert "genba docs status" in out
    assert "[9/9]" in err
    assert f"document folder {tmp_path / 'unmounted'} is not there" in err

    code, out, err = _run(capsys, "docs", "status")
    assert code == 0, err
    assert "documents: 6 indexed" in out and "3 skipped" in out
    assert f"skipped: {configured / 'bad' / 'huge.pdf'}: the file is larger than 50 MB" in out
    assert "locked.pdf: the document is password-protected" in out
    assert "empty.md: the file is empty (0 bytes)" in out
    assert "(missing: not mounted or removed)" in out
    assert "line3  (not installed yet: run `genba update`)" in out

    code, out, err = _run(capsys, "docs", "search", "金型温度は？", "--limit", "1")
    assert code == 0, err
    assert out.splitlines()[0] == f"1. 作業標準書 第2ライン, page 2  [{configured}]"
    assert "|" in out and "180度から200度" in out

    code, out, err = _run(capsys, "docs", "search", "zzzyyyxxx")
    assert (code, out.strip()) == (0, "nothing found for 'zzzyyyxxx'")

    code, out, err = _run(capsys, "docs", "index")
    assert out.startswith("done: 0 added, 0 updated, 0 removed, 9 unchanged, 0 skipped")


def test_json_outputs(capsys: pytest.CaptureFixture[str], configured: Path) -> None:
    code, out, _ = _run(capsys, "docs", "index", "--json", "--quiet")
    assert code == 0
    data = json.loads(out)
    assert data["report"]["added"] == 6 and data["report"]["skipped"] == 3
    assert [s["exists"] for s in data["sources"]] == [True, False]
    assert data["missing_packs"] == ["line3"]

    code, out, _ = _run(capsys, "docs", "status", "--json")
    status = json.loads(out)
    assert status["totals"]["indexed"] == 6 and status["totals"]["skipped"] == 3
    skipped = {Path(d["path"]).name: d for d in status["documents"] if d["state"] == "skipped"}
    assert skipped["huge.pdf"]["skip_code"] == "too_large"
    assert skipped["huge.pdf"]["skip_params"] == {"limit_mb": 50}
    assert skipped["locked.pdf"]["skip_code"] == "encrypted"

    code, out, _ = _run(capsys, "docs", "search", "torque wrench", "--json")
    found = json.loads(out)
    assert found["query"] == "torque wrench"
    first = found["passages"][0]
    assert (Path(first["path"]).name, first["page"], first["kind"]) == (
        "line3-instruction.pdf", 3, "pdf"
    )
    assert first["score"] > 0 and "TW-30" in first["text"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["docs", "search", "  "], "the search text is empty"),
        (["docs", "search", "torque", "--limit", "0"], "--limit must be between 1 and 50"),
    ],
)
def test_bad_input_is_one_line_exit_2(
    capsys: pytest.CaptureFixture[str], cli_paths: Paths, argv: list[str], message: str
) -> None:
    code, _, err = _run(capsys, *argv)
    assert code == 2
    assert err.count("\n") == 1 and message in err and "Traceback" not in err


def test_search_before_any_index_says_what_to_do(
    capsys: pytest.CaptureFixture[str], cli_paths: Paths
) -> None:
    code, out, err = _run(capsys, "docs", "search", "torque")
    assert (code, out) == (0, "")
    assert err.strip() == "genba: the document index is empty; run `genba docs index` first"


def test_unusable_index_folder_is_one_line_exit_1(
    capsys: pytest.CaptureFixture[str], cli_paths: Paths
) -> None:
    cli_paths.docs_index_db.parent.parent.mkdir(parents=True, exist_ok=True)
    cli_paths.docs_index_db.parent.write_text("a file where the data folder should be")
    for argv in (["docs", "status"], ["docs", "search", "torque"]):
        code, _, err = _run(capsys, *argv)
        assert code == 1
        assert "cannot read the document index" in err and err.count("\n") == 1, err


def test_an_indexer_that_keeps_dying_is_one_line_exit_1(
    capsys: pytest.CaptureFixture[str], configured: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    from engine.docs import index_job

    dying = [sys.executable, "-c", "import sys; sys.stderr.write('pdfium: boom\\n'); sys.exit(3)"]
    monkeypatch.setattr(index_job, "module_command", lambda module: dying)
    code, out, err = _run(capsys, "docs", "index", "--quiet")
    assert code == 1 and out == ""
    lines = [line for line in err.splitlines() if "not there" not in line]
    assert len(lines) == 1 and "Traceback" not in err
    assert lines[0].startswith("genba: the document indexer stopped 3 times (exit code 3: pdfium")
