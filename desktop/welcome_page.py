"""The welcome page of an empty chat: what genba is for, a caution, and example questions.

Stacked with the conversation view (see :class:`desktop.main_window.MainWindow`): shown
for a new chat, replaced by the conversation once it has a message. Picking an example
(click, or Tab to the list and Enter) puts it in the message box, where the operator can
change it before sending; :attr:`WelcomePage.prompt_chosen` carries it.

The examples are genba's own (translated) unless the administrator set the site's in
``assistant.example_prompts`` (and ``assistant.example_prompts_ja`` for the Japanese
window): :func:`site_examples` picks them.
"""

from __future__ import annotations

from engine.settings import Settings
from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)


def site_examples(settings: Settings, language: str) -> tuple[str, ...]:
    """The administrator's example questions for the window's ``language`` (may be empty)."""
    if language == "ja":
        japanese = settings.get_texts("assistant.example_prompts_ja")
        if japanese:
            return japanese
    return settings.get_texts("assistant.example_prompts")


class WelcomePage(QWidget):
    """Explains genba in two sentences and offers example questions to start from."""

    prompt_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("genba-welcome")
        self.title = QLabel(self)
        self.title.setWordWrap(True)
        self._size_title()
        self.purpose = QLabel(self)
        self.purpose.setWordWrap(True)
        self.caution = QLabel(self)
        self.caution.setWordWrap(True)
        caution_font = self.caution.font()
        caution_font.setBold(True)
        self.caution.setFont(caution_font)
        self.examples_label = QLabel(self)
        self.examples_label.setWordWrap(True)
        self.examples = QListWidget(self)
        self.examples.setWordWrap(True)
        self.examples.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.examples.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.examples.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.examples_label.setBuddy(self.examples)
        # A click picks at once; Enter (itemActivated) is the keyboard's click.
        self.examples.itemClicked.connect(self._choose)
        self.examples.itemActivated.connect(self._choose)
        # The page scrolls instead of squeezing: at 200 % text on a small screen the
        # wrapped labels need more height than the chat area has, and a squeezed label
        # shows only its first line, cut at the edge.
        body = QWidget(self)
        layout = QVBoxLayout(body)
        for widget in (self.title, self.purpose, self.caution, self.examples_label):
            widget.setParent(body)
            layout.addWidget(widget)
        self.examples.setParent(body)
        layout.addWidget(self.examples, 1)
        scroll = QScrollArea(self)
        scroll.setWidget(body)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes to the examples, not here
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self._site: tuple[str, ...] = ()
        self.retranslate()

    def set_site_examples(self, examples: tuple[str, ...]) -> None:
        """Use the administrator's examples (empty: genba's own)."""
        if examples != self._site:
            self._site = examples
            self._fill()

    def example_texts(self) -> list[str]:
        """The examples offered now, in order."""
        return [self.examples.item(i).text() for i in range(self.examples.count())]

    def _builtin(self) -> list[str]:
        return [
            self.tr("How do I check a torque wrench before use?"),
            self.tr("Explain lockout-tagout in simple numbered steps."),
            self.tr("What should I check on a machine at the start of a shift?"),
            self.tr("Write a short handover note for the next shift."),
        ]

    def _fill(self) -> None:
        self.examples.clear()
        for text in self._site or self._builtin():
            item = QListWidgetItem(text)
            item.setToolTip(self.tr("Put this question in the message box"))
            self.examples.addItem(item)
        # Tab then Enter picks the first example: there is always a current item.
        self.examples.setCurrentRow(0)
        self._fit_examples()

    def _size_title(self) -> None:
        """The title 1.4 times the page's text size (a set size would not follow text size)."""
        font = self.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.title.setFont(font)

    def _fit_examples(self) -> None:
        """Tall enough for every example, so the page (not the short list) scrolls."""
        rows = sum(self.examples.sizeHintForRow(i) for i in range(self.examples.count()))
        self.examples.setMinimumHeight(rows + 2 * self.examples.frameWidth() + 4)

    def _choose(self, item: QListWidgetItem) -> None:
        self.prompt_chosen.emit(item.text())

    def retranslate(self) -> None:
        """Re-read translated texts (and genba's own examples)."""
        self.title.setText(self.tr("Ask about your work"))
        self.purpose.setText(
            self.tr(
                "genba answers questions about your work (procedures, checks, tools, "
                "handovers) on this PC. Type a question below, or pick an example."
            )
        )
        self.caution.setText(
            self.tr(
                "Answers can be wrong. Always check them against your work instructions "
                "before you act."
            )
        )
        self.examples_label.setText(self.tr("&Examples:"))
        self.examples.setAccessibleName(self.tr("Example questions"))
        self.examples.setAccessibleDescription(
            self.tr("Press Enter to put the selected question in the message box.")
        )
        self._fill()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        elif event.type() == QEvent.Type.FontChange:  # text size: rows and title follow
            self._size_title()
            self._fit_examples()
        super().changeEvent(event)
