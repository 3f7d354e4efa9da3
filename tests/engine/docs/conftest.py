"""A small real document set (PDF, DOCX, Markdown, text, HTML; English and Japanese).

Built once per session into a template folder (drawing PDFs with Qt takes a moment) and
copied into each test's own folder, so a test may change or delete files freely.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from engine.docs.model import DocSource
from tests.engine.docs.builders import make_docx, make_pdf

DATA = Path(__file__).parent / "data"

EN_PAGES = [
    "Line 3 work instruction\nRead this before starting the shift.",
    "Lubrication\nGrease the conveyor chain every 8 hours with EP2 grease.",
    "Flange bolts\nTighten the M8 flange bolts on line 3 to 25 N m.\nUse the torque wrench TW-30.",
]
JA_PAGES = [
    "作業標準書 第2ライン\n始業前に安全確認を行う。",
    "温度管理\n金型温度は180度から200度の範囲に保つこと。",
    "圧力管理\n油圧ユニットの圧力は7MPaを超えないこと。",
]


@pytest.fixture(scope="session")
def corpus_template(qapp: object, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The document set, built once (``qapp``: QPdfWriter needs a Qt application)."""
    root = tmp_path_factory.mktemp("corpus")
    make_pdf(root / "line3-instruction.pdf", EN_PAGES, title="Line 3 work instruction")
    make_pdf(root / "作業標準書.pdf", JA_PAGES, title="作業標準書 第2ライン")
    make_docx(root / "assembly.docx")
    (root / "safety.md").write_text(
        "# Safety rules\n\nWear safety glasses in the press area.\n\n"
        "## Lockout\n\nLock out the press before clearing a jam.\n\n"
        "```\n# not a heading\n```\n",
        encoding="utf-8",
    )
    check = "日常点検\nエアフィルターのドレンを毎日抜く。\n"
    (root / "点検.txt").write_bytes(check.encode("cp932"))  # Shift-JIS, as Windows writes it
    sub = root / "web"
    sub.mkdir()
    (sub / "forklift.html").write_text(
        "<html><head><title>Forklift rules</title><script>var hidden = 'scriptword';</script>"
        "<style>.x{color:red}</style></head><body><h1>Forklift</h1><p>Speed limit in the "
        "hall is 6 km/h.</p><h2>Charging</h2><p>Charge batteries in the charging bay only."
        "</p></body></html>",
        encoding="utf-8",
    )
    (root / "notes.xlsx").write_bytes(b"ignored: not an indexed type")
    return root


@pytest.fixture
def corpus(corpus_template: Path, tmp_path: Path) -> Path:
    """This test's own copy of the document set."""
    target = tmp_path / "docs"
    shutil.copytree(corpus_template, target)
    return target


@pytest.fixture
def source(corpus: Path) -> DocSource:
    """The document set as a policy source."""
    return DocSource("policy", corpus, str(corpus))
