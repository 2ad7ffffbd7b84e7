"""The window's keyboard: its shortcuts win over the focused control once a song is there; Tab in visual order.

A karaoke user presses Space to play, A to switch, ←/→ to seek, whatever
button they clicked last. So, while a song is open (or opening):

* a button, check box, slider or list of the window never claims a key that
  is one of the window's shortcuts (Qt's ``ShortcutOverride``): Space plays
  even with "Open…" focused, ←/→ seek even with a slider focused;
* a focused slider or list keeps ↑/↓, Page Up/Down and End (moving it), and
  Return or Enter presses the focused button or check box, so every control
  still has a keyboard path;
* a click does not move the keyboard focus to the control (``TabFocus``): the
  focus stays where Tab put it.

Without a song the focused control gets its keys as usual (Space presses
"Open a Song…"). Dialogs are other windows: their text fields get every key.

:func:`set_tab_order` chains Tab through the window's controls in the order
the layouts show them, top to bottom and left to right.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import pairwise

from PySide6.QtCore import QEvent, QKeyCombination, QObject, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QAbstractButton, QAbstractSlider, QComboBox, QGridLayout, QLayout, QWidget

CONTROL_KEYS = {Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown, Qt.Key.Key_End}
PRESS_KEYS = {Qt.Key.Key_Return, Qt.Key.Key_Enter}
_NO_MODIFIERS = Qt.KeyboardModifier.NoModifier


def _is_control(widget: QWidget) -> bool:
    return isinstance(widget, (QAbstractButton, QAbstractSlider)) or \
        (isinstance(widget, QComboBox) and not widget.isEditable())


class KeyRouter(QObject):
    """Gives the window's shortcut keys to the window, not to the focused control, while ``active()``.

    Args:
        window: the window whose actions' shortcuts win.
        active: whether they win now (a song is open or opening).
    """

    def __init__(self, window: QWidget, active: Callable[[], bool]):
        super().__init__(window)
        self.window = window
        self.active = active

    def watch(self, root: QWidget) -> None:
        """Route the keys of every button, slider and list under ``root``; a click no longer focuses them."""
        for widget in root.findChildren(QWidget):
            if _is_control(widget):
                widget.installEventFilter(self)
                if widget.focusPolicy() != Qt.FocusPolicy.NoFocus:
                    widget.setFocusPolicy(Qt.FocusPolicy.TabFocus)

    def is_shortcut(self, combination: QKeyCombination) -> bool:
        """Whether ``combination`` is the shortcut of one of the window's enabled actions."""
        sequence = QKeySequence(combination)
        return any(action.isEnabled() and sequence in action.shortcuts() for action in self.window.actions())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.ShortcutOverride:
            modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
            key = Qt.Key(event.key())
            if not self.active():
                return False
            if modifiers == _NO_MODIFIERS and key in CONTROL_KEYS and not isinstance(watched, QAbstractButton):
                return False  # ↑/↓... move the focused slider or list
            if self.is_shortcut(QKeyCombination(modifiers, key)):
                event.ignore()  # not claimed by the control: the window's shortcut runs
                return True
        elif kind == QEvent.Type.KeyPress and event.key() in PRESS_KEYS and isinstance(watched, QAbstractButton) \
                and not event.isAutoRepeat() and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            watched.animateClick()  # Return presses buttons and check boxes alike
            return True
        return False


def layout_order(layout: QLayout) -> Iterator[QWidget]:
    """The widgets of ``layout`` and of the widgets in it, depth first, in reading order (a grid by rows)."""
    items = [layout.itemAt(i) for i in range(layout.count())]
    if isinstance(layout, QGridLayout):
        positions = [layout.getItemPosition(i)[:2] for i in range(layout.count())]
        items = [item for _, item in sorted(zip(positions, items), key=lambda pair: pair[0])]
    for item in items:
        if item.widget() is not None:
            widget = item.widget()
            yield widget
            if widget.layout() is not None:
                yield from layout_order(widget.layout())
        elif item.layout() is not None:
            yield from layout_order(item.layout())


def set_tab_order(root: QWidget) -> list[QWidget]:
    """Chain Tab through the focusable controls under ``root`` in layout order; returns the chain."""
    if root.layout() is None:
        return []
    chain = [w for w in layout_order(root.layout()) if w.focusPolicy() & Qt.FocusPolicy.TabFocus
             and w.focusProxy() is None]
    for a, b in pairwise(chain):
        QWidget.setTabOrder(a, b)
    return chain
