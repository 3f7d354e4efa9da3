"""The status area: model, experts (N and why), route (and why), speed, memory, network, updates.

Every number shown comes from the engine (model info, the last answer's final
event), the operating system (this process's memory) or the updater; nothing is
estimated here. Each field has an accessible name so screen readers announce
what the value is.
"""

from __future__ import annotations

from typing import Any

import psutil
from engine.events import FinalEvent
from PySide6.QtCore import QEvent, QSize, Qt, QTimer
from PySide6.QtGui import QFocusEvent, QResizeEvent
from PySide6.QtWidgets import QFrame, QLabel, QToolTip, QVBoxLayout, QWidget

from desktop.flow_layout import FlowLayout
from desktop.model_label import model_label
from desktop.reason_text import reason_text

_REASON_CHARS = 48
# The widest a status field asks to be, in characters of "n": longer texts are elided
# (full text in the tooltip), so no field sets the window's minimum width.
_FIELD_CHARS = 48
# The narrowest a field may be squeezed to, in characters of "n".
_MIN_CHARS = 6


def _short(text: str, limit: int = _REASON_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class ElidedLabel(QLabel):
    """A one-line label that shortens its text with "…" to the room it gets.

    Its size hints come from the full text, capped at :data:`_FIELD_CHARS`
    characters, so a long text never widens the window. When the text
    is shortened, the full text is the tooltip (unless one was set) and the
    accessible description; with ``focusable`` a shortened field is a Tab stop
    that shows the full text on focus, so the keyboard reaches it too.
    """

    def __init__(self, parent: QWidget | None = None, *, focusable: bool = False) -> None:
        super().__init__(parent)
        self._full = ""
        self._tip = ""
        self._focusable = focusable
        self.setTextFormat(Qt.TextFormat.PlainText)

    def setText(self, text: str) -> None:
        self._full = text
        self.setProperty("fullText", text)
        self.updateGeometry()
        self._elide()

    def setToolTip(self, tip: str) -> None:
        self._tip = tip
        self._elide()

    def text(self) -> str:
        """The whole text, as set (what is drawn may be shortened: :meth:`shown_text`)."""
        return self._full

    def full_text(self) -> str:
        """The whole text, however much of it is shown."""
        return self._full

    def shown_text(self) -> str:
        """The text as drawn, with "…" when shortened."""
        return super().text()

    def is_elided(self) -> bool:
        """True while the text on screen is shortened."""
        return self.shown_text() != self._full

    def _chrome(self) -> int:
        m = self.contentsMargins()
        return m.left() + m.right() + 2 * self.margin() + 2

    def sizeHint(self) -> QSize:
        fm = self.fontMetrics()
        width = min(fm.horizontalAdvance(self._full), fm.horizontalAdvance("n" * _FIELD_CHARS))
        m = self.contentsMargins()
        height = fm.height() + m.top() + m.bottom() + 2 * self.margin()
        return QSize(width + self._chrome(), height)

    def minimumSizeHint(self) -> QSize:
        hint = self.sizeHint()
        narrow = self.fontMetrics().horizontalAdvance("n" * _MIN_CHARS) + self._chrome()
        return QSize(min(hint.width(), narrow), hint.height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.FontChange:
            self.updateGeometry()
            self._elide()
        super().changeEvent(event)

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        if self.toolTip():
            QToolTip.showText(self.mapToGlobal(self.rect().bottomLeft()), self.toolTip(), self)

    def _elide(self) -> None:
        room = max(0, self.contentsRect().width() - 2 * self.margin())
        fm = self.fontMetrics()
        shown = self._full
        # Measured the way sizeHint measures: a field given its hint is never shortened.
        if room > 0 and fm.horizontalAdvance(self._full) > room:
            shown = fm.elidedText(self._full, Qt.TextElideMode.ElideRight, room)
        QLabel.setText(self, shown)
        elided = shown != self._full
        QLabel.setToolTip(self, self._tip or (self._full if elided else ""))
        self.setAccessibleDescription(self._full if elided else "")
        tab = self._focusable and elided
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus if tab else Qt.FocusPolicy.NoFocus)


class StatusPanel(QFrame):
    """Status bar fields; the window feeds it model info, final events and update states."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        # Fields wrap onto a second line instead of being clipped at large text sizes;
        # the update line, a whole sentence, wraps within itself on its own row below.
        rows = QVBoxLayout(self)
        rows.setContentsMargins(0, 0, 0, 0)
        rows.setSpacing(0)
        fields = QWidget(self)
        self._layout = FlowLayout(fields)
        rows.addWidget(fields)
        # A shortened model name or reason is a Tab stop: the keyboard reaches the full text.
        self.model_label = ElidedLabel(fields, focusable=True)
        self.experts_label = ElidedLabel(fields, focusable=True)
        self.route_label = ElidedLabel(fields)
        self.speed_label = ElidedLabel(fields)
        self.memory_label = ElidedLabel(fields)
        self.network_label = ElidedLabel(fields)
        self.update_label = QLabel(self)
        self.update_label.setTextFormat(Qt.TextFormat.PlainText)
        self.update_label.setWordWrap(True)
        self.update_label.setContentsMargins(4, 0, 4, 2)
        self.update_label.setVisible(False)
        self._labels = (
            self.model_label,
            self.experts_label,
            self.route_label,
            self.speed_label,
            self.memory_label,
            self.network_label,
            self.update_label,
        )
        for label in self._labels[:-1]:
            self._layout.addWidget(label)
        rows.addWidget(self.update_label)
        self._model: str | None = None
        self._final: FinalEvent | None = None
        self._network: tuple[str, str] = ("local", "")
        self._update_text = ""
        self._process = psutil.Process()
        self._memory_timer = QTimer(self)
        self._memory_timer.timeout.connect(self.on_memory_tick)
        self._memory_timer.start(2000)
        self.retranslate()

    # -- inputs --------------------------------------------------------------
    def set_model(self, name: str | None, info: Any = None) -> None:
        """Show the loaded model's name (``None``: no model)."""
        self._model = name
        self._model_info = info
        self.retranslate()

    def set_final(self, final: FinalEvent) -> None:
        """Show the numbers of the last answer."""
        self._final = final
        self.retranslate()

    def set_network(self, state: str, detail: str = "") -> None:
        """``offline``, ``local`` (no remote configured) or ``online`` (remote server usable)."""
        self._network = (state, detail)
        self.retranslate()

    def set_update_text(self, text: str) -> None:
        """The updater's state in words (empty hides it)."""
        self._update_text = text
        self.update_label.setText(text)
        self.update_label.setVisible(bool(text))

    # -- rendering -----------------------------------------------------------
    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        """Re-read translated texts and redraw every field."""
        self.model_label.setAccessibleName(self.tr("Model"))
        self.experts_label.setAccessibleName(self.tr("Active experts"))
        self.route_label.setAccessibleName(self.tr("Route"))
        self.speed_label.setAccessibleName(self.tr("Speed of the last answer"))
        self.memory_label.setAccessibleName(self.tr("Memory in use"))
        self.network_label.setAccessibleName(self.tr("Network"))
        self.update_label.setAccessibleName(self.tr("Updates"))
        self.model_label.setText(
            self.tr("Model: {name}").format(name=model_label(self._model))
            if self._model
            else self.tr("No model loaded")
        )
        self._show_final()
        self._show_network()
        self.on_memory_tick()

    def _show_final(self) -> None:
        final = self._final
        if final is None:
            self.experts_label.setText(self.tr("Experts: –"))
            self.experts_label.setToolTip(self.tr("Shown after the first answer"))
            self.route_label.setText(self.tr("Route: –"))
            self.route_label.setToolTip("")
            self.speed_label.setText("")
            self.speed_label.setVisible(False)
            return
        reason = reason_text(final.reason, final.reason_parts)
        if final.experts:
            self.experts_label.setText(
                self.tr("Experts: {n} ({why})").format(n=final.experts, why=_short(reason))
            )
        else:
            self.experts_label.setText(self.tr("Experts: –"))
        self.experts_label.setToolTip(reason)
        route = {"local": self.tr("local"), "remote": self.tr("remote"), "refuse": self.tr("none")}
        self.route_label.setText(self.tr("Route: {route}").format(route=route[final.route]))
        self.route_label.setToolTip(reason)
        parts = []
        if final.ttft_s is not None:
            parts.append(self.tr("first token {s:.2f} s").format(s=final.ttft_s))
        if final.tokens_per_s is not None:
            parts.append(self.tr("{v:.1f} tokens/s").format(v=final.tokens_per_s))
        self.speed_label.setText(" · ".join(parts))
        self.speed_label.setVisible(bool(parts))

    def _show_network(self) -> None:
        state, detail = self._network
        text = {
            "offline": self.tr("Offline"),
            "local": self.tr("Local only"),
            "online": self.tr("Online"),
        }[state]
        self.network_label.setText(text)
        self.network_label.setToolTip(detail)

    def on_memory_tick(self) -> None:
        """Refresh the memory field from this process's resident size."""
        try:
            rss = self._process.memory_info().rss
        except psutil.Error:
            return
        self.memory_label.setText(self.tr("Memory: {mb} MB").format(mb=rss // 1_000_000))

    # -- for tests and the screenshot ------------------------------------------
    def texts(self) -> list[str]:
        """The full texts of every visible field, left to right."""
        return [
            label.full_text() if isinstance(label, ElidedLabel) else label.text()
            for label in self._labels
            if not label.isHidden()
        ]
