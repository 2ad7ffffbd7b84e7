"""The progress row under the waveforms: what runs (separation or export), how far, how long, Cancel/Resume."""

from __future__ import annotations

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QWidget

from soundnet_app.ui.widgets import make_button, shortcut_text


class ProgressRow(QWidget):
    """``Separating… 40 %  [=====      ]  0:12 elapsed · about 0:20 left  [Cancel]``.

    The button reads "Resume" when what stopped can be resumed (:attr:`resumable`).
    """

    def __init__(self, cancel_action: QAction, parent: QWidget | None = None):
        super().__init__(parent)
        self.cancel_action = cancel_action
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel("")
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setTextVisible(False)
        self.bar.setToolTip("How much of the song is separated")
        self.bar.setAccessibleName("Separation progress")
        self.eta_label = QLabel("")
        self.eta_label.setObjectName("dim")
        self.cancel_button = make_button("Cancel", cancel_action, "Stop separating this song",
                                         accessible="Cancel or resume the separation")
        row.addWidget(self.label)
        row.addWidget(self.bar, 1)
        row.addWidget(self.eta_label)
        row.addWidget(self.cancel_button)
        self.hide()

    @property
    def resumable(self) -> bool:
        return self.cancel_button.text() == "Resume"

    def show_progress(self, text: str, fraction: float, eta: str = "", resumable: bool = False) -> None:
        # Called per separated chunk: set only what changed (a new label text re-lays out the row).
        for label, value in ((self.label, text), (self.eta_label, eta),
                             (self.cancel_button, "Resume" if resumable else "Cancel")):
            if label.text() != value:
                label.setText(value)
        self.bar.setValue(round(fraction * 1000))
        tip = ("Separate the rest of the song" if resumable
               else f"Stop separating this song ({shortcut_text(self.cancel_action)})")
        if self.cancel_button.toolTip() != tip:
            self.cancel_button.setToolTip(tip)
        if self.isHidden():
            self.show()
