"""File › Export › UltraStar Song…'s options: the folder the song folder goes into and its BPM.

The BPM is estimated from the song unless the user types one (as ``soundnet --ultrastar --bpm`` does);
an UltraStar song keeps its own unless one is typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QLocale
from PySide6.QtGui import QDoubleValidator
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

MIN_BPM, MAX_BPM = 30.0, 1200.0  # what a typed BPM may be


@dataclass(frozen=True)
class UltraStarChoice:
    """The folder the song folder is written into, and the BPM typed (``None``: estimate, or the song's own)."""

    folder: Path
    bpm: float | None = None


def parse_bpm(text: str) -> float | None:
    """A typed BPM (``"120"``, ``"120,5"``); ``None`` for an empty field or one out of range."""
    text = text.strip().replace(",", ".")
    try:
        bpm = float(text)
    except ValueError:
        return None
    return bpm if MIN_BPM <= bpm <= MAX_BPM else None


class UltraStarDialog(QDialog):
    """Asks for an :class:`UltraStarChoice`; ``own_bpm``: an UltraStar song's own BPM (offered, not typed)."""

    def __init__(self, parent: QWidget | None, folder: str, own_bpm: float | None = None):
        super().__init__(parent)
        self.setWindowTitle("Export UltraStar Song")
        self.setMinimumWidth(440)
        form = QFormLayout(self)
        self.folder_edit = QLineEdit(folder)
        browse = QPushButton("&Browse…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.folder_edit, 1)
        row.addWidget(browse)
        form.addRow("&Into folder:", row)
        self.bpm_edit = QLineEdit()
        keep = f"the song's own ({own_bpm:g})" if own_bpm else "estimate"
        self.bpm_edit.setPlaceholderText(keep)
        self.bpm_edit.setToolTip(f"Leave empty to {'keep ' if own_bpm else ''}{keep}, or type the song's tempo")
        validator = QDoubleValidator(0.0, MAX_BPM, 3, self.bpm_edit)
        validator.setLocale(QLocale.c())
        self.bpm_edit.setValidator(validator)
        form.addRow("&BPM:", self.bpm_edit)
        self.hint = QLabel(f"Empty: {keep}. Typed: between {MIN_BPM:g} and {MAX_BPM:g}.")
        self.hint.setObjectName("dim")
        form.addRow("", self.hint)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self.folder_edit.textChanged.connect(self._check)
        self.bpm_edit.textChanged.connect(self._check)
        self._check()
        self.bpm_edit.setFocus()

    def _check(self) -> None:
        """OK only with a folder and an empty or valid BPM."""
        text = self.bpm_edit.text().strip()
        ok = bool(self.folder_edit.text().strip()) and (not text or parse_bpm(text) is not None)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ok)

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Export UltraStar Song Into", self.folder_edit.text())
        if folder:
            self.folder_edit.setText(folder)

    def choice(self) -> UltraStarChoice:
        return UltraStarChoice(Path(self.folder_edit.text().strip()), parse_bpm(self.bpm_edit.text()))
