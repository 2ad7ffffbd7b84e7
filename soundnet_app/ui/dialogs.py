"""Dialogs, behind one injectable object.

:class:`MainWindow` asks every question through a :class:`Dialogs`
instance; tests pass their own object with the same methods (no modal
dialog ever blocks a test).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..audio import OUTPUT_FORMATS
from ..export import FORMAT_LABELS


@dataclass
class ExportChoice:
    folder: Path
    format: str


def audio_file_filter() -> str:
    try:
        from ..audio import SUPPORTED_INPUT_SUFFIXES

        patterns = " ".join(f"*{s}" for s in sorted(SUPPORTED_INPUT_SUFFIXES))
    except Exception:
        patterns = "*.wav *.flac *.ogg *.mp3 *.m4a *.aiff"
    return f"Audio files ({patterns});;All files (*)"


class ExportDialog(QDialog):
    """Pick the folder and the format for an export."""

    def __init__(self, parent: QWidget | None, folder: str, format: str, song: str, vocal_level: float):
        super().__init__(parent)
        self.setWindowTitle("Export Stems")
        self.setMinimumWidth(480)
        layout = QVBoxLayout(self)
        intro = QLabel(
            f"Writes <b>vocals</b>, <b>instrumental</b> and <b>karaoke</b> files for “{song}”.<br>"
            f"The karaoke file is the instrumental with the guide vocal at {round(vocal_level * 100)} %."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        row = QHBoxLayout()
        self.folder_edit = QLineEdit(folder)
        self.folder_edit.setToolTip("The folder the stem files go to")
        browse = QPushButton("Browse…")
        browse.setToolTip("Choose the folder")
        browse.clicked.connect(self._browse)
        row.addWidget(self.folder_edit, 1)
        row.addWidget(browse)
        form.addRow("Folder:", row)
        self.format_combo = QComboBox()
        self.format_combo.setToolTip("The audio format of the stem files")
        for fmt in OUTPUT_FORMATS:
            self.format_combo.addItem(FORMAT_LABELS[fmt], fmt)
        self.format_combo.setCurrentIndex(OUTPUT_FORMATS.index(format) if format in OUTPUT_FORMATS else 0)
        form.addRow("Format:", self.format_combo)
        layout.addLayout(form)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Export to Folder", self.folder_edit.text())
        if folder:
            self.folder_edit.setText(folder)

    def choice(self) -> ExportChoice:
        return ExportChoice(Path(self.folder_edit.text()).expanduser(), self.format_combo.currentData())


class Dialogs:
    """The real dialogs. Replace with an object with the same methods in tests."""

    def open_file(self, parent: QWidget, folder: str) -> str | None:
        path, _ = QFileDialog.getOpenFileName(parent, "Open a Song", folder, audio_file_filter())
        return path or None

    def export_options(self, parent: QWidget, folder: str, format: str, song: str, vocal_level: float) -> ExportChoice | None:
        dialog = ExportDialog(parent, folder, format, song, vocal_level)
        return dialog.choice() if dialog.exec() == QDialog.DialogCode.Accepted else None

    def resolve_conflict(self, parent: QWidget, paths: list[Path]) -> str | None:
        """``"overwrite"``, ``"rename"`` or ``None`` (cancel) for files that exist."""
        box = QMessageBox(parent)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Files Already Exist")
        box.setText("Some of the stem files already exist.")
        box.setInformativeText("\n".join(p.name for p in paths))
        replace = box.addButton("Replace", QMessageBox.ButtonRole.DestructiveRole)
        keep = box.addButton("Keep Both", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(keep)
        box.exec()
        clicked = box.clickedButton()
        if clicked is replace:
            return "overwrite"
        if clicked is keep:
            return "rename"
        return None

    def information(self, parent: QWidget, title: str, text: str) -> None:
        """A rich-text message (About, keyboard shortcuts)."""
        box = QMessageBox(parent)
        box.setWindowTitle(title)
        box.setText(text)
        box.setIconPixmap(parent.windowIcon().pixmap(64, 64))
        box.exec()

