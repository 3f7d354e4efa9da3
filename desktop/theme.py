"""Text size, high contrast and a CJK-capable font for the whole application.

Text size scales the application font (100–200 % of the system size); every
layout derives from font metrics, so nothing is sized in pixels elsewhere. A
Japanese-capable family is preferred when one is installed, because Qt's
fallback for kana/kanji is platform-dependent and may render tofu boxes.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtGui import QColor, QFont, QFontDatabase, QIcon, QPalette
from PySide6.QtWidgets import QApplication

CJK_FAMILIES = (
    "Noto Sans CJK JP",
    "Noto Sans JP",
    "Source Han Sans JP",
    "Yu Gothic UI",
    "Meiryo UI",
    "Meiryo",
    "Hiragino Sans",
    "IPAexGothic",
    "IPAGothic",
    "TakaoGothic",
    "VL Gothic",
)


@dataclass(frozen=True)
class Theme:
    """What the window looks like: scale in percent and contrast."""

    font_scale: int = 100
    high_contrast: bool = False


def app_icon() -> QIcon:
    """The genba icon (``assets/icons``), empty when the assets are not shipped."""
    frozen = getattr(sys, "_MEIPASS", None)  # PyInstaller puts assets beside the code
    base = Path(frozen) if frozen else Path(__file__).resolve().parent.parent
    icon = QIcon()
    for size in (16, 32, 48, 256):
        png = base / "assets" / "icons" / f"genba-{size}.png"
        if png.exists():
            icon.addFile(str(png))
    return icon


def cjk_family() -> str | None:
    """The first installed Japanese-capable UI font, or None."""
    installed = set(QFontDatabase.families())
    return next((f for f in CJK_FAMILIES if f in installed), None)


class ThemeManager:
    """Applies a :class:`Theme` to the application; remembers the system's base font."""

    def __init__(self, app: QApplication) -> None:
        self._app = app
        self._original_font = QFont(app.font())
        self._base_font = QFont(app.font())
        self._base_palette = QPalette(app.palette())
        family = cjk_family()
        if family:
            self._base_font.setFamilies([family, *self._base_font.families()])
        self.theme = Theme()

    def reset(self) -> None:
        """Give the application back the font and palette it had before."""
        self._app.setFont(self._original_font)
        self._app.setPalette(self._base_palette)

    def apply(self, theme: Theme) -> None:
        """Set the font size and palette for every widget."""
        self.theme = theme
        font = QFont(self._base_font)
        base_pt = self._base_font.pointSizeF()
        if base_pt <= 0:
            base_pt = 10.0
        font.setPointSizeF(base_pt * max(100, min(200, theme.font_scale)) / 100.0)
        self._app.setFont(font)
        self._app.setPalette(high_contrast_palette() if theme.high_contrast else self._base_palette)


def high_contrast_palette() -> QPalette:
    """White on black with yellow highlights (readable under shop-floor lighting)."""
    p = QPalette()
    black, white, yellow = QColor("#000000"), QColor("#ffffff"), QColor("#ffff00")
    for role in (QPalette.ColorRole.Window, QPalette.ColorRole.Base, QPalette.ColorRole.Button):
        p.setColor(role, black)
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
        QPalette.ColorRole.ToolTipText,
    ):
        p.setColor(role, white)
    p.setColor(QPalette.ColorRole.AlternateBase, QColor("#1a1a1a"))
    p.setColor(QPalette.ColorRole.ToolTipBase, black)
    p.setColor(QPalette.ColorRole.Highlight, yellow)
    p.setColor(QPalette.ColorRole.HighlightedText, black)
    p.setColor(QPalette.ColorRole.Link, QColor("#00ffff"))
    p.setColor(QPalette.ColorRole.PlaceholderText, QColor("#c0c0c0"))
    disabled = QColor("#9a9a9a")
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
    ):
        p.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    return p
