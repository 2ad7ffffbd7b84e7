"""Self-contained widgets of the main window: message banner, drop hint, transport bar.

They hold no application state: the :class:`~.main_window.MainWindow`
creates them, connects their signals and updates them.

Keyboard: every button and slider takes focus by Tab and by click. The
window's one-key shortcuts (Space, arrows, Home) would otherwise win over the
focused control, so :class:`FocusButton` claims Space/Enter and
:class:`LevelSlider` the arrow, Home/End and page keys while they have focus
(Qt's ``ShortcutOverride``). Once a song is open the window's
:class:`~soundnet_app.ui.keys.KeyRouter` gives its shortcut keys back to it.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtGui import QAction, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QStackedWidget,
    QStyle,
    QStyleOptionSlider,
    QVBoxLayout,
    QWidget,
)

from soundnet_app.ui import theme


def shortcut_text(action: QAction) -> str:
    """The action's shortcut as the platform writes it (``""`` if none)."""
    return action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)


_BUTTON_KEYS = {Qt.Key.Key_Space, Qt.Key.Key_Return, Qt.Key.Key_Enter}
_SLIDER_KEYS = {Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_Home,
                Qt.Key.Key_End, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown}


class FocusButton(QPushButton):
    """A push button that Tab reaches and Space or Enter presses, even where Space is a shortcut."""

    def event(self, event) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and event.key() in _BUTTON_KEYS \
                and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            event.accept()  # the key goes to this button, not to the window's shortcut
            return True
        return super().event(event)

    def keyPressEvent(self, event) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.isAutoRepeat():
            self.animateClick()
            return
        super().keyPressEvent(event)


class LevelSlider(QSlider):
    """A 0-100 % slider: arrows and page keys move it while focused; a click on the track jumps there."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.setRange(0, 100)
        self.setSingleStep(5)
        self.setPageStep(10)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def event(self, event) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and event.key() in _SLIDER_KEYS \
                and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            event.accept()  # ←/→ move this slider, not the playhead
            return True
        return super().event(event)

    def value_at(self, x: float) -> int:
        """The value under horizontal position ``x`` (widget pixels)."""
        option = QStyleOptionSlider()
        self.initStyleOption(option)
        style = self.style()
        groove = style.subControlRect(QStyle.ComplexControl.CC_Slider, option, QStyle.SubControl.SC_SliderGroove, self)
        handle = style.subControlRect(QStyle.ComplexControl.CC_Slider, option, QStyle.SubControl.SC_SliderHandle, self)
        span = max(1, groove.width() - handle.width())
        pos = round(x - groove.x() - handle.width() / 2)
        return QStyle.sliderValueFromPosition(self.minimum(), self.maximum(), pos, span, option.upsideDown)

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            option = QStyleOptionSlider()
            self.initStyleOption(option)
            handle = self.style().subControlRect(QStyle.ComplexControl.CC_Slider, option,
                                                 QStyle.SubControl.SC_SliderHandle, self)
            if not handle.contains(event.position().toPoint()):
                self.setValue(self.value_at(event.position().x()))  # jump to the click, then drag from there
        super().mousePressEvent(event)


def make_button(text: str, action: QAction | None = None, tip: str = "", checkable: bool = False,
                name: str = "", accessible: str = "") -> QPushButton:
    """A focusable button; its tooltip names the action's shortcut, its accessible name says what it does."""
    button = FocusButton(text)
    button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    if name:
        button.setObjectName(name)
    button.setAccessibleName(accessible or text.rstrip("…"))
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
        layout.setContentsMargins(12, 3, 6, 3)
        self.label = QLabel()
        self.label.setTextFormat(Qt.TextFormat.PlainText)  # file names are not markup
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setAccessibleName("Message")
        self.action_button = FocusButton()
        self.action_button.setObjectName("link")
        self.close_button = FocusButton("✕")
        self.close_button.setObjectName("link")
        self.close_button.setToolTip("Dismiss this message")
        self.close_button.setAccessibleName("Dismiss this message")
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
        self.action_button.setAccessibleName(action_text)
        self.label.setAccessibleDescription(text)
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
        button = make_button("Open a Song…", name="primary", tip=f"Choose an audio file ({shortcut_text(open_action)})")
        button.clicked.connect(open_action.trigger)
        self.button = button
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


class PageStack(QStackedWidget):
    """A stacked widget only as large as its current page needs: a hidden page's minimum does not hold the window up."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.currentChanged.connect(lambda _: self.updateGeometry())

    def minimumSizeHint(self) -> QSize:
        page = self.currentWidget()
        return page.minimumSizeHint().expandedTo(page.minimumSize()) if page is not None else QSize(0, 0)


class TransportBar(QFrame):
    """Play button, position, A/B switch, solo/mute and the two level sliders.

    The buttons' tooltips name the shortcuts of the matching window actions;
    the window connects the buttons and sliders to its slots. Below
    :attr:`wide_width` pixels the two sliders move to a second row, so
    nothing overlaps or gets clipped in a small window.
    """

    def __init__(self, play_action: QAction, ab_action: QAction, solo_action: QAction, mute_action: QAction,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("card")
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(14, 6, 14, 6)
        self.grid.setHorizontalSpacing(12)
        self.grid.setVerticalSpacing(8)
        self.play_button = make_button("▶", play_action, name="play", accessible="Play")
        self.time_label = QLabel("0:00 / 0:00")
        self.time_label.setObjectName("time")
        self.time_label.setToolTip("Position / length")
        self.time_label.setAccessibleName("Position and length")
        times = QWidget()
        tbox = QVBoxLayout(times)
        tbox.setContentsMargins(0, 0, 0, 0)
        tbox.setSpacing(0)
        tbox.addWidget(self.time_label)
        self.region_label = QLabel("")
        self.region_label.setObjectName("dim")
        self.region_label.setToolTip("Parts not separated yet play the original song")
        self.region_label.setText("not separated (original)")
        self.region_label.setMinimumWidth(self.region_label.sizeHint().width())
        self.region_label.setText("")
        tbox.addWidget(self.region_label)
        self.times = times
        self.ab_button = make_button("Karaoke", ab_action, checkable=True, name="abSwitch",
                                     accessible="Listening to: karaoke or original")
        self.ab_button.setToolTip(
            f"Now playing the karaoke version; click to hear the original ({shortcut_text(ab_action)})")
        self.solo_button = make_button("Solo", solo_action, checkable=True, accessible="Solo vocals")
        self.mute_button = make_button("Mute", mute_action, checkable=True, accessible="Mute guide vocal")
        self.vocal_slider, self.vocal_value, self.vocal_box = self._slider(
            "Guide vocal", "vocalSlider",
            "How much of the original vocals to keep in the karaoke version, as a singing guide")
        self.inst_slider, self.inst_value, self.inst_box = self._slider(
            "Instrumental", "instrumentalSlider", "Level of the instrumental in the karaoke version")
        self.listen_box = self._captioned("Listening to", self.ab_button)
        self.vocals_box = self._captioned("Vocals", self.solo_button, self.mute_button)
        self.lines = (self._vline(), self._vline())
        for w in (self.play_button, times, self.lines[0], self.listen_box, self.vocals_box, self.lines[1],
                  self.vocal_box, self.inst_box):
            w.setParent(self)
        self.wide: bool | None = None
        self._arrange(True)
        self.wide_width = self.grid.minimumSize().width()
        self._arrange(False)
        self.narrow_width = self.grid.minimumSize().width()
        self.setMinimumWidth(self.narrow_width)
        self._arrange(True)

    def _arrange(self, wide: bool) -> None:
        """One row (wide) or the sliders on a second row (narrow)."""
        if wide == self.wide:
            return
        self.wide = wide
        g = self.grid
        for i in reversed(range(g.count())):
            g.takeAt(i)
        for c in range(8):
            g.setColumnStretch(c, 0)
        g.addWidget(self.play_button, 0, 0, Qt.AlignmentFlag.AlignVCenter)
        g.addWidget(self.times, 0, 1)
        g.addWidget(self.lines[0], 0, 2)
        g.addWidget(self.listen_box, 0, 3)
        g.addWidget(self.vocals_box, 0, 4)
        if wide:
            self.lines[1].show()
            g.addWidget(self.lines[1], 0, 5)
            g.addWidget(self.vocal_box, 0, 6)
            g.addWidget(self.inst_box, 0, 7)
            g.setColumnStretch(6, 1)
            g.setColumnStretch(7, 1)
        else:
            self.lines[1].hide()
            g.addWidget(self.vocal_box, 1, 0, 1, 3)
            g.addWidget(self.inst_box, 1, 3, 1, 2)
            g.setColumnStretch(1, 1)
            g.setColumnStretch(4, 1)
        g.invalidate()

    def resizeEvent(self, event) -> None:
        self._arrange(event.size().width() >= self.wide_width)
        super().resizeEvent(event)

    @staticmethod
    def _slider(title: str, name: str, tip: str) -> tuple[LevelSlider, QLabel, QWidget]:
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        top = QHBoxLayout()
        label = QLabel(title)
        label.setObjectName("caption")
        label.setToolTip(tip)
        value = QLabel("100 %")
        value.setObjectName("dim")
        value.setMinimumWidth(value.sizeHint().width())
        value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        top.addWidget(label)
        top.addStretch(1)
        top.addWidget(value)
        slider = LevelSlider()
        slider.setObjectName(name)
        slider.setToolTip(tip)
        slider.setAccessibleName(f"{title} level")
        slider.setAccessibleDescription(tip)
        slider.setMinimumWidth(110)
        label.setBuddy(slider)
        layout.addLayout(top)
        layout.addWidget(slider)
        return slider, value, box

    @staticmethod
    def _captioned(caption: str, *widgets: QWidget) -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        label = QLabel(caption)
        label.setObjectName("caption")
        layout.addWidget(label)
        row = QHBoxLayout()
        row.setSpacing(6)
        for w in widgets:
            row.addWidget(w)
        layout.addLayout(row)
        return box

    @staticmethod
    def _vline() -> QFrame:
        line = QFrame()
        line.setFrameShape(QFrame.Shape.VLine)
        line.setStyleSheet(f"color: {theme.BORDER};")
        return line
