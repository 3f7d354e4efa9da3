"""The status area: one plain line for the operator, the engineering details behind a toggle.

The line says what the operator needs in their words: "Ready · on this PC ·
offline", "Answering on this PC…", "Answered by the site server because this
PC is short of memory". The **Details** toggle (a Tab stop; its state is the
``ui.status_details`` setting) shows the engineer's fields: model, experts (N
and why), route (and why), speed of the last answer, memory, network. The
update state, when there is one, is a sentence below.

Every number shown comes from the engine (model info, the last answer's final
event), the operating system (this process's memory) or the updater; nothing is
estimated here. The last answer's numbers belong to the conversation on
screen: they are cleared when another conversation is shown
(:meth:`StatusPanel.clear_answer`). Each field has an accessible name so screen
readers announce what the value is.
"""

from __future__ import annotations

from typing import Any

import psutil
from engine.events import FinalEvent
from engine.models.info import ModelInfo
from engine.models.pack import site_pack
from PySide6.QtCore import QEvent, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QFocusEvent, QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from desktop.flow_layout import FlowLayout
from desktop.lock_note import LockNote
from desktop.model_label import model_label
from desktop.reason_text import plain_cause, reason_text

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
    """The plain status line, the Details fields behind a toggle, and the update sentence.

    The window feeds it model info, the answer's start, final event and end,
    the network state and update states.
    """

    details_toggled = Signal(bool)  # the operator opened (True) or closed the details
    apply_update_requested = Signal()  # the operator pressed "Apply now"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        rows = QVBoxLayout(self)
        rows.setContentsMargins(0, 0, 0, 0)
        rows.setSpacing(0)
        rows.addLayout(self._build_summary_row())
        # Fields wrap onto a second line instead of being clipped at large text sizes.
        self.details = QWidget(self)
        self._layout = FlowLayout(self.details)
        rows.addWidget(self.details)
        # A shortened model name or reason is a Tab stop: the keyboard reaches the full text.
        self.model_label = ElidedLabel(self.details, focusable=True)
        self.experts_label = ElidedLabel(self.details, focusable=True)
        self.route_label = ElidedLabel(self.details)
        self.speed_label = ElidedLabel(self.details)
        self.memory_label = ElidedLabel(self.details)
        self.network_label = ElidedLabel(self.details)
        self.update_label = QLabel(self)
        self.update_label.setTextFormat(Qt.TextFormat.PlainText)
        self.update_label.setWordWrap(True)
        self.update_label.setContentsMargins(4, 0, 4, 2)
        self.update_label.setVisible(False)
        self.apply_update_button = QPushButton(self)
        self.apply_update_button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.apply_update_button.setVisible(False)
        self.apply_update_button.clicked.connect(self.apply_update_requested)
        self._fields: tuple[ElidedLabel, ...] = (
            self.model_label,
            self.experts_label,
            self.route_label,
            self.speed_label,
            self.memory_label,
            self.network_label,
        )
        for label in self._fields:
            self._layout.addWidget(label)
        update_row = QHBoxLayout()
        update_row.setContentsMargins(0, 0, 4, 2)
        update_row.addWidget(self.update_label, 1)
        update_row.addWidget(self.apply_update_button, 0, Qt.AlignmentFlag.AlignTop)
        rows.addLayout(update_row)
        self.details.setVisible(False)
        self._model: str | None = None
        self._model_state = "loading"  # "loading", "none" or "ready"
        self._final: FinalEvent | None = None
        self._answer = "idle"  # "idle", "answering", "done" or "failed"
        self._network: tuple[str, str] = ("local", "")
        self._update_text = ""
        self._details_lock = ""
        self._model_info: Any = None
        self._process = psutil.Process()
        self._memory_timer = QTimer(self)
        self._memory_timer.timeout.connect(self.on_memory_tick)
        self._memory_timer.start(2000)
        self.retranslate()

    def _build_summary_row(self) -> QHBoxLayout:
        """The plain line, wrapping within itself (never widens the window), and the toggle."""
        top = QHBoxLayout()
        top.setContentsMargins(4, 2, 4, 2)
        self.summary_label = QLabel(self)
        self.summary_label.setTextFormat(Qt.TextFormat.PlainText)
        self.summary_label.setWordWrap(True)
        self.details_button = QPushButton(self)
        self.details_button.setCheckable(True)
        self.details_button.setFlat(True)
        self.details_button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.details_button.toggled.connect(self._on_details_toggled)
        self.details_lock_note = LockNote(self, compact=True)  # when policy fixes the details
        top.addWidget(self.summary_label, 1)
        top.addWidget(self.details_lock_note, 0, Qt.AlignmentFlag.AlignTop)
        top.addWidget(self.details_button, 0, Qt.AlignmentFlag.AlignTop)
        return top

    # -- inputs --------------------------------------------------------------
    def set_model(self, name: str | None, info: Any = None) -> None:
        """Show the loaded model's name (``None`` without ``info``: no model)."""
        self._model = name
        self._model_info = info
        self._model_state = "ready" if name or info is not None else "none"
        self.retranslate()

    def set_loading(self) -> None:
        """A model is being loaded (questions cannot be asked yet)."""
        self._model_state = "loading"
        self.retranslate()

    def on_answer_started(self) -> None:
        """An answer is being written: the last answer's numbers no longer apply."""
        self._final = None
        self._answer = "answering"
        self.retranslate()

    def set_final(self, final: FinalEvent) -> None:
        """Show the numbers of the last answer."""
        self._final = final
        self._answer = "done"
        self.retranslate()

    def on_answer_ended(self, ended: Any) -> None:
        """The answer is stored (a session's ``EndedAnswer``): failed, or of another chat."""
        if not getattr(ended, "shown", True):
            self.clear_answer()  # its conversation is not on screen: its numbers are not ours
        elif getattr(ended, "status", "") == "failed":
            self._final = None
            self._answer = "failed"
            self.retranslate()
        elif self._answer == "answering":
            self._answer = "done" if self._final is not None else "idle"
            self.retranslate()

    def clear_answer(self) -> None:
        """Another conversation is shown: forget the last answer's numbers."""
        self._final = None
        if self._answer != "answering":  # an answer still running goes on being reported
            self._answer = "idle"
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

    def set_apply_offered(self, offered: bool) -> None:
        """Show the "Apply now" button while a verified update waits and policy allows it."""
        self.apply_update_button.setVisible(offered)

    def set_details_shown(self, shown: bool, lock: str = "") -> None:
        """Show or hide the details (from the settings); ``lock`` says why it cannot change."""
        self.details_button.blockSignals(True)
        try:
            self.details_button.setChecked(shown)
        finally:
            self.details_button.blockSignals(False)
        self.details.setVisible(shown)
        self.details_button.setEnabled(not lock)
        self._details_lock = lock
        self._show_details_button()

    def details_shown(self) -> bool:
        """True while the details are open."""
        return self.details_button.isChecked()

    def _on_details_toggled(self, shown: bool) -> None:
        self.details.setVisible(shown)
        self._show_details_button()
        self.details_toggled.emit(shown)

    # -- rendering -----------------------------------------------------------
    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        """Re-read translated texts and redraw every field."""
        self.summary_label.setAccessibleName(self.tr("Status"))
        self.model_label.setAccessibleName(self.tr("Model"))
        self.experts_label.setAccessibleName(self.tr("Active experts"))
        self.route_label.setAccessibleName(self.tr("Route"))
        self.speed_label.setAccessibleName(self.tr("Speed of the last answer"))
        self.memory_label.setAccessibleName(self.tr("Memory in use"))
        self.network_label.setAccessibleName(self.tr("Network"))
        self.update_label.setAccessibleName(self.tr("Updates"))
        self.apply_update_button.setText(self.tr("Apply now"))
        self.apply_update_button.setAccessibleName(self.tr("Switch to the new model now"))
        self.apply_update_button.setToolTip(
            self.tr("Switch to the new model now; it is used from the next answer")
        )
        model = (
            self.tr("Model: {name}").format(name=model_label(self._model))
            if self._model
            else self.tr("No model loaded")
        )
        pack = self.pack_text()
        self.model_label.setText(f"{model} · {pack}" if pack and self._model else model)
        self._show_final()
        self._show_network()
        self._show_summary()
        self._show_details_button()
        self.on_memory_tick()

    def _show_details_button(self) -> None:
        shown = self.details_button.isChecked()
        self.details_button.setText(self.tr("Hide details") if shown else self.tr("Details"))
        self.details_button.setAccessibleName(self.tr("Status details"))
        why = self._details_lock
        tip = self.tr("Show or hide the details: model, experts, route, speed, memory")
        self.details_button.setToolTip(why or tip)
        self.details_button.setAccessibleDescription(why or tip)
        self.details_lock_note.set_lock(why, self.tr("Status details"))

    def summary(self) -> str:
        """The plain status line, as shown."""
        return self.summary_label.text()

    def pack_text(self) -> str:
        """"site pack <name> (K of E experts)" when the loaded model is a site pack, else ""."""
        info = self._model_info
        pack = site_pack(info) if isinstance(info, ModelInfo) else None
        if pack is None:
            return ""
        return self.tr("site pack {name} ({k} of {e} experts)").format(
            name=pack.name, k=pack.kept, e=pack.base_experts
        )

    def _show_summary(self) -> None:
        network = self._network[0]
        text = self._answer_summary()
        if text is None:
            if self._model_state == "loading":
                text = self.tr("Loading the model…")
            elif self._model_state == "none":
                text = self.tr("No model is ready")
            elif network == "offline":
                text = self.tr("Ready · on this PC · offline")
            elif network == "online":
                text = self.tr("Ready · on this PC · site server available")
            else:
                text = self.tr("Ready · on this PC")
            pack = self.pack_text() if self._model_state == "ready" else ""
            if pack:  # which experts this PC holds matters while idle, not mid-answer
                text = f"{text} · {pack}"
        self.summary_label.setText(text)

    def _answer_summary(self) -> str | None:
        """The line about the answer on screen, or None when there is none to speak of."""
        if self._answer == "answering":
            # Online, where it runs is the engine's decision, told only at the end.
            online = self._network[0] == "online"
            return self.tr("Answering…") if online else self.tr("Answering on this PC…")
        if self._answer == "failed":
            return self.tr("The answer could not be finished — see the message in the chat")
        final = self._final
        if self._answer != "done" or final is None:
            return None
        return self._final_summary(final)

    def _final_summary(self, final: FinalEvent) -> str:
        if final.stop_reason == "cancelled":
            return self.tr("Answer stopped")
        if final.route == "refuse" or final.stop_reason == "error":
            return self.tr("Not answered — see the message in the chat")
        if final.route == "local":
            return self.tr("Answered on this PC")
        cause = plain_cause(final.reason_parts)
        if cause:
            return self.tr("Answered by the site server because {cause}").format(cause=cause)
        return self.tr("Answered by the site server")

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
            "offline": self.tr("Network: offline mode"),
            "local": self.tr("Site server: not set up"),
            "online": self.tr("Site server: available"),
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
        """The full texts on screen: the plain line, the details when open, the update line."""
        texts = [self.summary()]
        if self.details_shown():
            texts += [label.full_text() for label in self._fields if not label.isHidden()]
        if not self.update_label.isHidden():
            texts.append(self.update_label.text())
        return texts

    def details_texts(self) -> list[str]:
        """The full texts of the detail fields (shown or not), left to right."""
        return [label.full_text() for label in self._fields if not label.isHidden()]
