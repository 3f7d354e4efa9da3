"""The status area names the site pack the PC runs: "site pack <name> (K of E experts)"."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication

from desktop.i18n import Translations
from desktop.status_panel import StatusPanel
from engine.models.info import inspect_model
from updater.pack_prune import PackInfo, prune_gguf

KEPT = [[0, 2, 3, 5], [1, 2, 3, 4], [0, 1, 6, 7], [2, 3, 4, 5]]


@pytest.fixture(scope="module")
def pack(tiny_moe_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pack") / "pack-machining-1.gguf"
    prune_gguf(tiny_moe_path, out, KEPT, PackInfo(name="machining", coverage=0.9))
    return out


def test_status_line_and_details_name_the_site_pack(
    qtbot: Any, pack: Path, tiny_moe_path: Path
) -> None:
    panel = StatusPanel()
    qtbot.addWidget(panel)
    panel.set_model("genba tiny test MoE", inspect_model(pack))
    assert panel.summary() == "Ready · on this PC · site pack machining (4 of 8 experts)"
    assert panel.model_label.full_text() == (
        "Model: genba tiny test MoE · site pack machining (4 of 8 experts)"
    )
    panel.on_answer_started()  # while answering, the line is about the answer
    assert panel.summary() == "Answering on this PC…"

    translations = Translations(QApplication.instance(), None)  # type: ignore[arg-type]
    try:
        assert translations.switch("ja")
        panel.on_answer_ended(None)  # LanguageChange is posted: wait for the redraw
        qtbot.waitUntil(lambda: panel.summary().startswith("準備完了"))
        assert panel.summary().endswith(" · サイトパック machining（エキスパート 8 個中 4 個）")
    finally:
        translations.clear()

    panel.set_model("genba tiny test MoE", inspect_model(tiny_moe_path))  # a full model
    assert panel.summary() == "Ready · on this PC"
    assert "site pack" not in panel.model_label.full_text()
