"""The queue panel's widgets: the list of songs (drag or Alt+↑/↓ to reorder), the singer field, the buttons.

Only display and key handling live here; what a key or button does is the
:class:`~soundnet_app.ui.panels.queue.QueuePanel`'s (over the Qt-free
:class:`~soundnet_app.engine.queue.SongQueue`).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from soundnet_app.engine.queue import SongQueue
from soundnet_app.ui.widgets import make_button

ENTRY_ID = Qt.ItemDataRole.UserRole
# Keys the list keeps for itself while focused, before the window's shortcuts (←/→ seek, Home...).
_LIST_KEYS = {Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_Home, Qt.Key.Key_End, Qt.Key.Key_PageUp,
              Qt.Key.Key_PageDown, Qt.Key.Key_Delete, Qt.Key.Key_Return, Qt.Key.Key_Enter}


class QueueList(QListWidget):
    """The songs; Alt+↑/↓ move the selected one, Delete removes it, Enter plays it now; drag to reorder."""

    moveRequested = Signal(int, int)  # row, to
    removeRequested = Signal(int)
    playRequested = Signal(int)
    orderChanged = Signal(list)  # entry ids in the new order, after a drag

    def __init__(self):
        super().__init__()
        self.setAccessibleName("Song queue")
        self.setAccessibleDescription("Alt+Up and Alt+Down move a song, Delete removes it, Enter plays it now")
        self.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.model().rowsMoved.connect(lambda *_: self.orderChanged.emit(self.entry_ids()))

    def entry_ids(self) -> list[int]:
        return [self.item(i).data(ENTRY_ID) for i in range(self.count())]

    def event(self, event) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and event.key() in _LIST_KEYS \
                and not event.modifiers() & ~(Qt.KeyboardModifier.KeypadModifier | Qt.KeyboardModifier.AltModifier):
            event.accept()  # the list's own keys, not the window's shortcuts
            return True
        return super().event(event)

    def keyPressEvent(self, event) -> None:
        row, key, alt = self.currentRow(), event.key(), event.modifiers() & Qt.KeyboardModifier.AltModifier
        if row >= 0 and alt and key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            self.moveRequested.emit(row, row + (-1 if key == Qt.Key.Key_Up else 1))
        elif row >= 0 and key == Qt.Key.Key_Delete:
            self.removeRequested.emit(row)
        elif row >= 0 and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.playRequested.emit(row)
        else:
            super().keyPressEvent(event)


class QueueView(QWidget):
    """``Queue · 3 songs`` / the list / ``Singer [____] [Add…] [Play Next] [Remove] [Skip] [Separate All]``."""

    def __init__(self, actions: dict[str, QAction]):
        super().__init__()
        self.setAccessibleName("Karaoke queue")
        col = QVBoxLayout(self)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(4)
        top = QHBoxLayout()
        self.title = QLabel("Queue")
        self.title.setObjectName("dim")
        self.status = QLabel("")  # the interlude countdown, the batch progress
        self.status.setAccessibleName("Queue status")
        top.addWidget(self.title)
        top.addStretch(1)
        top.addWidget(self.status)
        col.addLayout(top)
        self.list = QueueList()
        self.list.setMaximumHeight(150)
        col.addWidget(self.list)
        row = QHBoxLayout()
        row.addWidget(QLabel("Singer"))
        self.singer = QLineEdit()
        self.singer.setPlaceholderText("name for the songs added next")
        self.singer.setAccessibleName("Singer")
        self.singer.setMaxLength(60)
        self.singer.setMaximumWidth(200)
        row.addWidget(self.singer)
        self.buttons = {}
        for name, text in (("set_singer", "Set Singer"), ("add", "Add…"), ("play_next", "Play Next"),
                           ("remove", "Remove"), ("skip", "Skip"), ("pause", "Pause Countdown"),
                           ("separate_all", "Separate All")):
            button = make_button(text, actions[name])
            button.clicked.connect(actions[name].trigger)
            self.buttons[name] = button
            row.addWidget(button)
        row.addStretch(1)
        col.addLayout(row)

    def show_queue(self, queue: SongQueue, states: dict[int, str]) -> None:
        """Rows ``"2. Anna — Song · ready"``; ``states`` adds a word per entry id (ready, separating 40 %...)."""
        selected = self.list.currentItem().data(ENTRY_ID) if self.list.currentItem() is not None else None
        self.list.blockSignals(True)
        self.list.clear()
        for i, entry in enumerate(queue.entries):
            words = []
            if i == queue.current:
                words.append("on stage")
            elif i < queue.current:
                words.append("sung")
            if entry.missing:
                words.append("file missing: skipped")
            elif entry.id in states and i != queue.current:
                words.append(states[entry.id])
            text = f"{i + 1}. {entry.label()}" + (f" · {', '.join(words)}" if words else "")
            item = QListWidgetItem(text)
            item.setData(ENTRY_ID, entry.id)
            item.setData(Qt.ItemDataRole.AccessibleTextRole, text)
            item.setToolTip(str(entry.path))
            self.list.addItem(item)
            if entry.id == selected:
                self.list.setCurrentItem(item)
        self.list.blockSignals(False)
        n = len(queue)
        self.title.setText(f"Queue · {n} song{'s' if n != 1 else ''}")

    def selected_row(self) -> int:
        return self.list.currentRow()

    def select_row(self, row: int) -> None:
        self.list.setCurrentRow(row)
