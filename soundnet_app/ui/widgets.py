"""Self-contained widgets of the main window: message banner, drop hint, transport bar.

They hold no application state: the :class:`~.main_window.MainWindow`
creates them, connects their signals and updates them.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from . import theme


def shortcut_text(action: QAction) -> str:
    """The action's shortcut as the platform writes it (``""`` if none)."""
    return action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)


def make_button(text: str, action: QAction | None = None, tip: str = "", checkable: bool = False,
                name: str = "") -> QPushButton:
    """A button that never takes keyboard focus; its tooltip names the action's shortcut."""
    button = QPushButton(text)
    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys belong to the window's shortcuts
    if name:
        button.setObjectName(name)
    if action is not None:
        tip = tip or action.toolTip()
        key = shortcut_text(action)
        if key:
            tip = f"{tip} ({key})"
    button.setToolTip(tip)
    button.setCheckable(checkable)
    return button


class MessageBanner(QFrame):
    """A non-modal message strip (error, warning or info) with an optional action and a close button."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("banner")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 6, 6)
        self.label = QLabel()
        self.label.setTextFormat(Qt.TextFormat.PlainText)  # file names are not markup
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.action_button = QPushButton()
        self.action_button.setObjectName("link")
        self.action_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.close_button = QPushButton("✕")
        self.close_button.setObjectName("link")
        self.close_button.setToolTip("Dismiss this message")
        self.close_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.close_button.clicked.connect(self.hide)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.action_button)
        layout.addWidget(self.close_button)
        self._action = None
        self.action_button.clicked.connect(self._run_action)
        self.kind = ""
        self.hide()

    def show_message(self, text: str, kind: str = "info", action_text: str = "", action=None) -> None:
        self.kind = kind
        self.setProperty("kind", kind)
        self.style().unpolish(self)
        self.style().polish(self)
        self.label.setText(text)
        self._action = action
        self.action_button.setText(action_text)
        self.action_button.setVisible(bool(action_text and action))
        self.show()

    def text(self) -> str:
        return self.label.text() if not self.isHidden() else ""

    def _run_action(self) -> None:
        if self._action is not None:
            self._action()


class DropHint(QFrame):
    """What the window shows before a song is loaded."""

    def __init__(self, icon: QIcon, open_action: QAction, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("card")
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        art = QLabel()
        art.setPixmap(icon.pixmap(96, 96))
        art.setAlignment(Qt.AlignmentFlag.AlignCenter)
        title = QLabel("Drop a song here")
        title.setObjectName("dropTitle")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        hint = QLabel(
            "MP3, WAV, FLAC, OGG, M4A and video files work.\n"
            "SoundNet splits it into vocals and instrumental while you listen."
        )
        hint.setObjectName("dropHint")
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        button = QPushButton("Open a Song…")
        button.setObjectName("primary")
        button.setToolTip(f"Choose an audio file ({shortcut_text(open_action)})")
        button.clicked.connect(open_action.trigger)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(button)
        row.addStretch(1)
        for w in (art, title, hint):
            layout.addWidget(w)
        layout.addSpacing(8)
        layout.addLayout(row)
        layout.addStretch(1)

    def set_highlight(self, on: bool) -> None:
        self.setStyleSheet(f"QFrame#card {{ border: 2px dashed {theme.ACCENT}; }}" if on else "")


class TransportBar(QFrame):
    """Play button, position, A/B switch, solo/mute and the two level sliders.

    The buttons' tooltips name the shortcuts of the matching window actions;
    the window connects the buttons and sliders to its slots.
    """

    def __init__(self, play_action: QAction, ab_action: QAction, solo_action: QAction, mute_action: QAction,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("card")
        row = QHBoxLayout(self)
        row.setContentsMargins(14, 10, 14, 10)
        row.setSpacing(12)
        self.play_button = make_button("▶", play_action, name="play")
        self.time_label = QLabel("0:00 / 0:00")
        self.time_label.setObjectName("time")
        self.time_label.setToolTip("Position / length")
        self.time_label.setMinimumWidth(120)
        times = QVBoxLayout()
        times.setSpacing(0)
        times.addWidget(self.time_label)
        self.region_label = QLabel("")
        self.region_label.setObjectName("dim")
        self.region_label.setToolTip("Parts not separated yet play the original song")
        times.addWidget(self.region_label)
        self.ab_button = make_button("Karaoke", ab_action, checkable=True, name="abSwitch")
        self.ab_button.setToolTip(
            f"Now playing the karaoke version; click to hear the original ({shortcut_text(ab_action)})")
        self.solo_button = make_button("Solo", solo_action, checkable=True)
        self.mute_button = make_button("Mute", mute_action, checkable=True)
        self.vocal_slider, self.vocal_value, vocal_box = self._slider(
            "Guide vocal", "vocalSlider",
            "How much of the original vocals to keep in the karaoke version, as a singing guide")
        self.inst_slider, self.inst_value, inst_box = self._slider(
            "Instrumental", "instrumentalSlider", "Level of the instrumental in the karaoke version")

        row.addWidget(self.play_button)
        row.addLayout(times)
        row.addWidget(self._vline())
        row.addLayout(self._captioned("Listening to", self.ab_button))
        row.addLayout(self._captioned("Vocals", self.solo_button, self.mute_button))
        row.addWidget(self._vline())
        row.addLayout(vocal_box, 1)
        row.addLayout(inst_box, 1)

    @staticmethod
    def _slider(title: str, name: str, tip: str) -> tuple[QSlider, QLabel, QVBoxLayout]:
        box = QVBoxLayout()
        box.setSpacing(2)
        top = QHBoxLayout()
        label = QLabel(title)
        label.setObjectName("caption")
        label.setToolTip(tip)
        value = QLabel("0 %")
        value.setObjectName("dim")
        value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        top.addWidget(label)
        top.addStretch(1)
        top.addWidget(value)
        slider = QSlider(Qt.Orientation.Horizontal)
        slider.setObjectName(name)
        slider.setRange(0, 100)
        slider.setPageStep(10)
        slider.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        slider.setToolTip(tip)
        slider.setMinimumWidth(110)
        box.addLayout(top)
        box.addWidget(slider)
        return slider, value, box

    @staticmethod
    def _captioned(caption: str, *widgets: QWidget) -> QVBoxLayout:
        box = QVBoxLayout()
        box.setSpacing(2)
        label = QLabel(caption)
        label.setObjectName("caption")
        box.addWidget(label)
        row = QHBoxLayout()
        row.setSpacing(6)
        for w in widgets:
            row.addWidget(w)
        box.addLayout(row)
        return box

    @staticmethod
    def _vline() -> QFrame:
        line = QFrame()
        line.setFrameShape(QFrame.Shape.VLine)
        line.setStyleSheet(f"color: {theme.BORDER};")
        return line
