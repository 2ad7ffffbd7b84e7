"""The karaoke video's options: where to write it, its size and its background (a colour or a picture)."""

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
    QLineEdit,
    QPushButton,
    QWidget,
)

from soundnet_app.engine.video import SIZES

COLOURS = {"Night": "#14141c", "Black": "#000000", "Deep blue": "#102040", "Plum": "#2a1230"}


@dataclass(frozen=True)
class VideoChoice:
    """What the user chose: the ``.mp4`` to write, a key of :data:`~soundnet_app.engine.video.SIZES`,
    a background colour and an optional picture (``None``: the plain colour)."""

    path: Path
    size: str = "720p"
    colour: str = COLOURS["Night"]
    picture: Path | None = None


class VideoDialog(QDialog):
    """Asks for a :class:`VideoChoice`; ``suggested`` is the file offered."""

    def __init__(self, parent: QWidget | None, suggested: Path):
        super().__init__(parent)
        self.setWindowTitle("Export Karaoke Video")
        form = QFormLayout(self)
        self.path_edit = QLineEdit(str(suggested))
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(browse)
        form.addRow("Save as:", row)
        self.size_box = QComboBox()
        self.size_box.addItems([f"{w} × {h} ({name})" for name, (w, h) in SIZES.items()])
        form.addRow("Size:", self.size_box)
        self.colour_box = QComboBox()
        self.colour_box.addItems(list(COLOURS))
        form.addRow("Background:", self.colour_box)
        self.picture_edit = QLineEdit()
        self.picture_edit.setPlaceholderText("none: the plain colour")
        pick = QPushButton("Choose…")
        pick.clicked.connect(self._pick_picture)
        row = QHBoxLayout()
        row.addWidget(self.picture_edit, 1)
        row.addWidget(pick)
        form.addRow("Picture:", row)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save the Video", self.path_edit.text(), "MP4 video (*.mp4)")
        if path:
            self.path_edit.setText(path if path.lower().endswith(".mp4") else path + ".mp4")

    def _pick_picture(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Background Picture", "", "Pictures (*.png *.jpg *.jpeg *.webp)")
        if path:
            self.picture_edit.setText(path)

    def choice(self) -> VideoChoice:
        picture = self.picture_edit.text().strip()
        return VideoChoice(Path(self.path_edit.text().strip()), list(SIZES)[self.size_box.currentIndex()],
                           COLOURS[self.colour_box.currentText()], Path(picture) if picture else None)
