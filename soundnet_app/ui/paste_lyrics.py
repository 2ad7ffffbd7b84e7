"""The "Sync Lyrics by Tapping" dialog: plain lyrics typed or pasted, ready for tapping.

A plain-text box where Tab moves on to the buttons (a lyric has no tab) and
Ctrl+Return (or Ctrl+Enter) presses OK, so the keyboard alone gets through it.
"""

from __future__ import annotations

from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QVBoxLayout, QWidget

TITLE = "Sync Lyrics by Tapping"
PROMPT = ("Paste or type the song's lyrics, each sung line on a line of its own. Then play the song and "
          "press T as each line starts.")


class PasteLyricsDialog(QDialog):
    """The lyrics box with OK (Ctrl+Return) and Cancel (Esc); :meth:`text` is what was typed."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(TITLE)
        self.setMinimumWidth(480)  # the title and the prompt in full
        layout = QVBoxLayout(self)
        prompt = QLabel(PROMPT)
        prompt.setWordWrap(True)
        self.edit = QPlainTextEdit()
        self.edit.setTabChangesFocus(True)
        self.edit.setAccessibleName("Lyrics")
        self.edit.setPlaceholderText("First line of the song\nSecond line\n…")
        prompt.setBuddy(self.edit)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setToolTip("Start syncing (Ctrl+Return)")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self, self.accept)
        layout.addWidget(prompt)
        layout.addWidget(self.edit, 1)
        layout.addWidget(buttons)
        self.resize(520, 360)
        self.edit.setFocus()

    def text(self) -> str:
        return self.edit.toPlainText()
